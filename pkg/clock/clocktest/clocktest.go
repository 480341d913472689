// Package clocktest is the one manual clock for tests: the project's code takes its time as
// a `Now func() time.Time` and waits with a `Sleep func(ctx, d) bool` (pkg/clock's shape);
// a *Clock gives both, and moves only when the test (or a Sleep) moves it, so tests assert
// schedules without depending on how fast the machine is. Safe for concurrent use.
package clocktest

import (
	"context"
	"sync"
	"time"
)

// Start is where New(zero) starts: a fixed instant, so failures print the same times.
var Start = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Clock is a manual clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock at t (Start when t is zero).
func New(t time.Time) *Clock {
	if t.IsZero() {
		t = Start
	}
	return &Clock{t: t}
}

// Now is the clock's time; pass c.Now where code wants a `func() time.Time`.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Sleep has clock.Sleep's signature and returns at once: it advances the clock by d (when d
// is positive) and reports whether ctx is still live, as a wait that ran to its end would.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	if d > 0 {
		c.Advance(d)
	}
	return true
}
