//go:build !linux

package testenv

import "syscall"

// sysProcAttr: Pdeathsig exists on Linux only; elsewhere t.Cleanup alone
// stops the children.
func sysProcAttr() *syscall.SysProcAttr { return nil }
