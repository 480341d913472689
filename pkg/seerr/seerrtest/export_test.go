package seerrtest

// This package's tests check every list answer against rows filtered and sorted from
// scratch, so a change that forgets to drop the list cache fails them.
func init() { checkListCache.Store(true) }

// CheckListCache turns that check on or off and returns the previous setting; benchmarks
// turn it off to measure what callers of the fake see.
func CheckListCache(on bool) bool { return checkListCache.Swap(on) }

// ListBuilds reports how many times the fake filtered and sorted its requests for a
// list answer instead of reusing cached rows.
func ListBuilds(f *Fake) int {
	f.mu.lockRead()
	defer f.mu.Unlock()
	return f.listBuilds
}
