package testbudget

import (
	"testing"
	"time"
)

type fixed struct {
	at time.Time
	ok bool
}

func (f fixed) Deadline() (time.Time, bool) { return f.at, f.ok }

func TestBudget(t *testing.T) {
	if got := Budget(fixed{}); got != Fallback {
		t.Errorf("no deadline: %s, want %s", got, Fallback)
	}
	if got := Budget(fixed{time.Now().Add(10 * time.Minute), true}); got < 9*time.Minute || got > 10*time.Minute-margin {
		t.Errorf("10m left: %s", got)
	}
	if got := Budget(fixed{time.Now().Add(time.Second), true}); got != time.Second {
		t.Errorf("deadline nearly reached: %s, want 1s", got)
	}
}

func TestEventually(t *testing.T) {
	n := 0
	Eventually(t, "three polls", func() bool { n++; return n >= 3 })
	if n != 3 {
		t.Fatalf("polled %d times", n)
	}
}
