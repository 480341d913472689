//go:build !linux

package proc

import "syscall"

// childAttr: only Linux ties the child's life to ours; elsewhere Stop and Kill are all there is.
func childAttr() *syscall.SysProcAttr { return nil }
