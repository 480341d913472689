// Package clock holds the one way seerrpilot waits: a timer that gives up when its context ends.
package clock

import (
	"context"
	"time"
)

// Sleep waits d, or less if ctx ends first; it reports whether the whole wait passed. A d of
// zero or less returns at once (true unless ctx has already ended).
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
