package proc

import "syscall"

// childAttr makes the kernel kill the child if this process dies without stopping it
// (SIGKILL from outside, a crash): no seerrpilot is left running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
