package bundle

import (
	"bytes"
	"io"
	"os"
	"syscall"
)

// windows reads a file through a window of it mapped into memory and moved
// along the file, for the splitter of a streamed List (stream.go): the
// bytes come from the page cache without read(2)'s copy. Reading the
// 124 MB List of the 10,000-pod bundle with read(2) took about 40 ms of
// CPU, on the one goroutine that splits the List while the others decode
// it (docs/performance.md, "Issue 14, step 5"); a window is mapped with
// its pages (MAP_POPULATE) in one call. A file that shrinks while it is
// mapped faults (SIGBUS) where the window goes past its end: readStreamed
// turns that fault into a panic (debug.SetPanicOnFault) that it recovers,
// and the file is then read whole, as any file the stream cannot take.
type windows struct {
	fd        int
	size, off int64
	cur       []byte // the window mapped now
	// n and last count the lines of what was mapped so far, as
	// lineCounter counts what is read.
	n    int
	last byte
}

// mapWindows maps nothing yet; nil when the file cannot be mapped (the
// caller reads it instead).
func mapWindows(f *os.File, size int64) *windows {
	if size <= 0 {
		return nil
	}
	return &windows{fd: int(f.Fd()), size: size}
}

// next maps the window after the current one, which it unmaps; io.EOF at
// the end of the file (as it was when mapWindows was called).
func (w *windows) next() ([]byte, error) {
	w.unmap()
	if w.off >= w.size {
		return nil, io.EOF
	}
	n := min(windowSize, w.size-w.off)
	b, err := syscall.Mmap(w.fd, w.off, int(n), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, err
	}
	w.off += n
	w.cur = b
	if testAfterMap != nil {
		testAfterMap()
	}
	w.n += bytes.Count(b, []byte("\n"))
	w.last = b[len(b)-1]
	return b, nil
}

// testAfterMap, when set by a test, runs after each window is mapped (a
// test shrinks the file there).
var testAfterMap func()

func (w *windows) unmap() {
	if w.cur != nil {
		syscall.Munmap(w.cur)
		w.cur = nil
	}
}

// close unmaps the last window.
func (w *windows) close() { w.unmap() }

// lines is the file's line count, as lineCounter.lines gives it.
func (w *windows) lines() int {
	if w.off > 0 && w.last != '\n' {
		return w.n + 1
	}
	return w.n
}
