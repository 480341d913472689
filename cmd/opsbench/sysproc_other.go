//go:build !linux

package main

import "syscall"

// childAttr: only Linux can tie the child's life to ours; elsewhere the deferred stops and
// kills are all there is (and the RSS figures, read from /proc, are unavailable anyway).
func childAttr() *syscall.SysProcAttr { return nil }
