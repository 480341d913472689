//go:build !linux

package task

import "os"

// datasync flushes f to disk (fsync: fdatasync is Linux-only here).
func datasync(f *os.File) error { return f.Sync() }
