package worker

import (
	"testing"
	"time"
)

// A MoviePilot outage shows in the worker's state (for /readyz) from the first failed call, with
// when it began, and clears on the first call that works.
func TestOutageShowsInState(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(movieIn(5, 550))
	if st := h.w.State(); st.Unreachable != "" {
		t.Fatalf("before any call: %+v", st)
	}
	h.mp.SetDown(true)
	start := h.clock.Now().UTC()
	h.drain()
	st := h.w.State()
	if st.Unreachable == "" || st.UnreachableSince == nil || !st.UnreachableSince.Equal(start) {
		t.Fatalf("after a failed call: %+v", st)
	}
	h.clock.Advance(time.Hour)
	h.drain()
	if st2 := h.w.State(); st2.UnreachableSince == nil || !st2.UnreachableSince.Equal(start) {
		t.Fatalf("the outage's start moved: %+v", st2)
	}
	h.mp.SetDown(false)
	h.clock.Advance(7 * time.Hour)
	h.drain()
	if st := h.w.State(); st.Unreachable != "" || st.UnreachableSince != nil {
		t.Fatalf("after recovery: %+v (task %s)", st, h.get(id).Status)
	}
	// Each change reached OnState.
	h.mu.Lock()
	defer h.mu.Unlock()
	var down, up bool
	for _, s := range h.states {
		if s.Unreachable != "" {
			down = true
		} else if down {
			up = true
		}
	}
	if !down || !up {
		t.Fatalf("OnState saw down=%v up=%v: %+v", down, up, h.states)
	}
}
