package notify

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// TestOneFailureOneNotice: a failed task is one notice, 10 s after it (well within 20 s),
// naming the request, its requester and the reason, and saying what to do.
func TestOneFailureOneNotice(t *testing.T) {
	n, clk, s, _ := newTest(t, nil)
	ctx := context.Background()
	n.TaskChanged(task.StatusRunning, failedTask(42, "Dune: Part Two", "alice", "MoviePilot answered 422: season 3 does not exist"))

	clk.Advance(9 * time.Second)
	n.flush(ctx, 1, false)
	if got := s.notices(); len(got) != 0 {
		t.Fatalf("sent before the window closed: %v", got)
	}
	clk.Advance(time.Second)
	n.flush(ctx, 1, false)
	got := s.notices()
	if len(got) != 1 {
		t.Fatalf("want 1 notice at 10s, got %d", len(got))
	}
	for _, want := range []string{"Dune: Part Two (2024)", "alice", "season 3 does not exist", "tsk_42", "What to do", "retry"} {
		if !strings.Contains(got[0].title+"\n"+got[0].body, want) {
			t.Errorf("notice lacks %q:\n%s\n%s", want, got[0].title, got[0].body)
		}
	}
	if !strings.Contains(got[0].title, "request failed: Dune") {
		t.Errorf("title %q does not name the request", got[0].title)
	}
	n.flush(ctx, 1, true)
	if len(s.notices()) != 1 {
		t.Fatal("the same failure was sent twice")
	}
}

// TestBurstIsOneNotice: 50 failures arriving over 4.9 s are one notice listing 10 and
// counting the rest.
func TestBurstIsOneNotice(t *testing.T) {
	n, clk, s, _ := newTest(t, nil)
	for i := range 50 {
		n.TaskChanged(task.StatusRunning, failedTask(i, fmt.Sprintf("Film %d", i), "bob", "not found"))
		clk.Advance(100 * time.Millisecond)
	}
	clk.Advance(10 * time.Second)
	n.flush(context.Background(), 1, false)
	got := s.notices()
	if len(got) != 1 {
		t.Fatalf("want 1 notice, got %d", len(got))
	}
	if !strings.Contains(got[0].title, "50 requests failed") || !strings.Contains(got[0].body, "…and 40 more") {
		t.Errorf("notice:\n%s\n%s", got[0].title, got[0].body)
	}
	if strings.Count(got[0].body, "• ") != 10 {
		t.Errorf("want 10 listed items:\n%s", got[0].body)
	}
}

// TestWindowSchedule: each event keeps the batch open for Window more, but the first waits
// at most MaxDelay.
func TestWindowSchedule(t *testing.T) {
	n, clk, _, _ := newTest(t, nil)
	start := clk.Now()
	for range 20 {
		n.TaskChanged(task.StatusRunning, failedTask(1, "X", "", "r"))
		clk.Advance(5 * time.Second)
	}
	if want := start.Add(time.Minute); !n.due.Equal(want) {
		t.Fatalf("due %v, want first+MaxDelay %v", n.due, want)
	}
	n2, clk2, _, _ := newTest(t, nil)
	n2.TaskChanged(task.StatusRunning, failedTask(1, "X", "", "r"))
	clk2.Advance(3 * time.Second)
	n2.TaskChanged(task.StatusRunning, failedTask(2, "Y", "", "r"))
	if want := clk2.Now().Add(10 * time.Second); !n2.due.Equal(want) {
		t.Fatalf("due %v, want last+Window %v", n2.due, want)
	}
}

// TestStatesOnce: a pause, an outage and failing reconcile are each one notice however often
// the state is repeated, and their end one "back to normal".
func TestStatesOnce(t *testing.T) {
	n, clk, s, _ := newTest(t, nil)
	ctx := context.Background()
	for range 5 {
		n.MoviePilot(MoviePilotState{Paused: true, PausedReason: "401 Unauthorized"})
		n.Reconcile(true, "seerr: connection refused")
	}
	clk.Advance(10 * time.Second)
	n.flush(ctx, 1, false)
	got := s.notices()
	if len(got) != 1 || strings.Count(got[0].body, "• ") != 2 || !strings.Contains(got[0].body, "401 Unauthorized") {
		t.Fatalf("want one notice with two items: %+v", got)
	}
	for range 3 {
		n.MoviePilot(MoviePilotState{Paused: true, PausedReason: "401 again"})
		n.Reconcile(true, "still down")
	}
	clk.Advance(time.Minute)
	n.flush(ctx, 1, false)
	if len(s.notices()) != 1 {
		t.Fatal("a state that stayed was announced again")
	}
	n.MoviePilot(MoviePilotState{})
	n.Reconcile(false, "")
	n.MoviePilot(MoviePilotState{})
	clk.Advance(10 * time.Second)
	n.flush(ctx, 1, false)
	got = s.notices()
	if len(got) != 2 || !strings.Contains(got[1].body, "Back to normal") || strings.Count(got[1].body, "• ") != 2 {
		t.Fatalf("want one back-to-normal notice with two items: %+v", got)
	}
}

// TestUnreachableAfterThreshold: an outage is announced by Run's own timer once it lasted
// UnreachableAfter, not before, once; a short outage says nothing.
func TestUnreachableAfterThreshold(t *testing.T) {
	n, clk, s, _ := newTest(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = n.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	// A short outage: down 5 min, back. No notice.
	n.MoviePilot(MoviePilotState{UnreachableSince: clk.Now(), Unreachable: "dial tcp: connection refused"})
	clk.Advance(5 * time.Minute)
	n.MoviePilot(MoviePilotState{})
	// A long one.
	since := clk.Now()
	n.MoviePilot(MoviePilotState{UnreachableSince: since, Unreachable: "dial tcp: connection refused"})
	clk.Advance(9 * time.Minute)
	// Run's timer fires at since+10m, then the batch window opens.
	got := s.advanceUntilNotice(t, clk, time.Second)
	if !strings.Contains(got.body, "unreachable for over 10m") || !strings.Contains(got.body, "(since 18:05 UTC)") ||
		!strings.Contains(got.body, "connection refused") {
		t.Fatalf("notice:\n%s", got.body)
	}
	n.MoviePilot(MoviePilotState{UnreachableSince: since, Unreachable: "still refused"})
	n.MoviePilot(MoviePilotState{})
	back := s.advanceUntilNotice(t, clk, time.Second)
	if !strings.Contains(back.body, "MoviePilot answers again") {
		t.Fatalf("recovery notice:\n%s", back.body)
	}
	if c := len(s.notices()); c != 2 {
		t.Fatalf("want 2 notices, got %d", c)
	}
}

// TestEventsFilter: a disabled event is never sent; delivered and downloaded are opt-in.
func TestEventsFilter(t *testing.T) {
	def, _ := ParseEvents(DefaultEvents)
	n, clk, s, _ := newTest(t, func(o *Options) { o.Events = def })
	ok := failedTask(1, "Up", "carol", "")
	ok.Status = task.StatusSuccess
	n.TaskChanged(task.StatusRunning, ok)
	n.Downloaded(ok)
	clk.Advance(time.Minute)
	n.flush(context.Background(), 1, true)
	if len(s.notices()) != 0 {
		t.Fatalf("opt-in events were sent by default: %+v", s.notices())
	}
	n2, clk2, s2, _ := newTest(t, nil)
	n2.TaskChanged(task.StatusRunning, ok)
	n2.Downloaded(ok)
	clk2.Advance(time.Minute)
	n2.flush(context.Background(), 1, false)
	got := s2.notices()
	if len(got) != 1 || !strings.Contains(got[0].body, "Subscribed in MoviePilot") || !strings.Contains(got[0].body, "Downloaded") {
		t.Fatalf("%+v", got)
	}
}

func TestParseEvents(t *testing.T) {
	for raw, want := range map[string]string{
		DefaultEvents:           "failed,paused,reconcile,unreachable",
		"all":                   "delivered,downloaded,failed,paused,reconcile,unreachable",
		" Failed , DELIVERED ,": "delivered,failed",
		"none":                  "",
	} {
		got, err := ParseEvents(raw)
		if err != nil || got.String() != want {
			t.Errorf("ParseEvents(%q) = %q, %v; want %q", raw, got.String(), err, want)
		}
	}
	if _, err := ParseEvents("failed,exploded"); err == nil || !strings.Contains(err.Error(), "exploded") {
		t.Errorf("unknown event: %v", err)
	}
}

// TestNoSecretInNotice: a secret in a reason or title never reaches a notice.
func TestNoSecretInNotice(t *testing.T) {
	n, clk, s, _ := newTest(t, nil)
	n.TaskChanged(task.StatusRunning, failedTask(7, "Leak "+secretToken, "eve", "GET /api?token="+secretToken+" answered 401"))
	n.MoviePilot(MoviePilotState{Paused: true, PausedReason: "bearer " + secretToken + " refused"})
	clk.Advance(time.Minute)
	n.flush(context.Background(), 1, false)
	got := s.notices()
	if len(got) != 1 {
		t.Fatalf("%+v", got)
	}
	if strings.Contains(got[0].title+got[0].body, secretToken) || !strings.Contains(got[0].body, "[REDACTED]") {
		t.Fatalf("secret not masked:\n%s\n%s", got[0].title, got[0].body)
	}
}

// TestFailingTargetRetriedAndLogged: a target that keeps failing is tried Attempts times,
// logged (without the secret) and counted; the notice is then dropped.
func TestFailingTargetRetriedAndLogged(t *testing.T) {
	c := &counter{}
	n, clk, s, logs := newTest(t, func(o *Options) { o.Attempts = 3; o.Observe = c.observe })
	s.fail = fmt.Errorf("POST https://hooks.example/%s: %w", secretToken, errDown)
	n.TaskChanged(task.StatusRunning, failedTask(1, "A", "", "x"))
	clk.Advance(time.Minute)
	n.flush(context.Background(), n.o.Attempts, false)
	if s.calls != 3 {
		t.Fatalf("want 3 attempts, got %d", s.calls)
	}
	if c.get("failed/failed") != 1 || c.get("failed/sent") != 0 {
		t.Fatalf("metric: %v", c.n)
	}
	out := logs.String()
	if !strings.Contains(out, "notification not delivered") || strings.Count(out, "retrying") != 2 || strings.Contains(out, secretToken) {
		t.Fatalf("logs:\n%s", out)
	}
}

// TestInputsNeverBlock: while a target hangs, the inputs still return at once.
func TestInputsNeverBlock(t *testing.T) {
	n, clk, s, _ := newTest(t, func(o *Options) { o.MaxQueued = 20 })
	s.block = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = n.Run(ctx); close(done) }()
	n.TaskChanged(task.StatusRunning, failedTask(0, "first", "", "x"))
	clk.Advance(time.Minute) // the batch goes; the sender hangs
	fed := make(chan struct{})
	go func() {
		for i := range 5000 {
			n.TaskChanged(task.StatusRunning, failedTask(i, "t", "", "x"))
			n.MoviePilot(MoviePilotState{Paused: i%2 == 0})
			n.Reconcile(i%2 == 0, "x")
		}
		close(fed)
	}()
	select {
	case <-fed:
	case <-time.After(30 * time.Second):
		t.Fatal("an input blocked while the target hung")
	}
	n.mu.Lock()
	q := len(n.queue)
	n.mu.Unlock()
	if q > 20 {
		t.Fatalf("queue grew to %d past MaxQueued", q)
	}
	close(s.block)
	cancel()
	<-done
}

func TestTestNotice(t *testing.T) {
	n, _, s, _ := newTest(t, nil)
	if err := n.Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.notices(); len(got) != 1 || !strings.Contains(got[0].title, "test") {
		t.Fatalf("%+v", got)
	}
	s.fail = errDown
	if err := n.Test(context.Background()); err == nil || !strings.Contains(err.Error(), "fake: connection refused") {
		t.Fatalf("err = %v", err)
	}
	if err := New(Options{}).Test(context.Background()); err != ErrOff {
		t.Fatalf("off: %v", err)
	}
}
