package testenv

import "syscall"

// sysProcAttr kills the child when the test binary dies without running its
// cleanups (a timeout panic, SIGKILL), so no apiserver or etcd outlives it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
