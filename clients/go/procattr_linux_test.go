package ferry

import "syscall"

// childProcAttr kills the broker if the test process dies first.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
