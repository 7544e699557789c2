//go:build !linux

package bundle

import "os"

// windows maps files on Linux only (mmap_linux.go); elsewhere a streamed
// List is read with read(2).
type windows struct{}

func mapWindows(*os.File, int64) *windows { return nil }

func (*windows) next() ([]byte, error) { panic("bundle: no mapped windows on this system") }
func (*windows) close()                {}
func (*windows) lines() int            { return 0 }
