// Package testbudget gives tests a time budget for work that is not the thing under test
// (a process starting, a worker draining a queue), so that no test depends on how fast the
// machine is. The budget is what is left before the test binary's own -timeout (go test's
// default is 10 minutes), less a margin to report the failure, so a slow or loaded machine
// only makes a test slower, never red. Tests assert order, counts and outcomes; wall-clock
// bounds are kept only where the bound itself is the product's promise.
package testbudget

import (
	"testing"
	"time"
)

// Fallback is the budget when the test has no deadline (go test -timeout 0).
const Fallback = 5 * time.Minute

// margin is kept back from the test's deadline to report a failure instead of a panic.
const margin = 30 * time.Second

// deadliner is *testing.T (testing.TB has no Deadline).
type deadliner interface{ Deadline() (time.Time, bool) }

// Budget is how long t may wait for background work: the time left before its deadline,
// less a margin, and never less than a second.
func Budget(t deadliner) time.Duration {
	d, ok := t.Deadline()
	if !ok {
		return Fallback
	}
	left := time.Until(d) - margin
	if left < time.Second {
		left = time.Second
	}
	return left
}

// Eventually polls cond every 10 ms until it holds, failing t when the budget runs out.
func Eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	budget := Budget(t)
	deadline := time.Now().Add(budget)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", budget.Round(time.Second), what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
