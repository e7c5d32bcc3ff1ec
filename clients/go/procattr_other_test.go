//go:build !linux

package ferry

import "syscall"

func childProcAttr() *syscall.SysProcAttr { return nil }
