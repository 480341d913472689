package taskdb

import (
	"context"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// seen is a reconcile sighting of request req with Seerr's updatedAt.
func seen(in task.Input, updated time.Time) task.Input {
	u := updated.UTC()
	in.RequestUpdatedAt = &u
	return in
}

func lastOutcome(tk task.Task) string {
	if len(tk.History) == 0 {
		return ""
	}
	return tk.History[len(tk.History)-1].Outcome
}

// Declined in Seerr (webhook), then approved again: the second approval re-opens the same
// task, history kept, instead of answering "nothing new to store".
func TestDeclinedThenApprovedReopens(t *testing.T) {
	ctx := context.Background()
	for _, src := range []task.Source{task.SourceWebhook, task.SourceReconcile} {
		t.Run(string(src), func(t *testing.T) {
			clock := clocktest.New(time.Time{})
			s := openTest(t, clock)
			first := mustEnqueue(t, s, task.SourceWebhook, movie(9, 603))
			if _, err := s.CancelUnsent(ctx, first.Task.Key, "declined in Seerr"); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			r := mustEnqueue(t, s, src, seen(movie(9, 603), clock.Now()))
			if !r.Reopened || !r.Changed || r.Created {
				t.Fatalf("approval after decline: %+v", r)
			}
			tk := r.Task
			if tk.ID != first.Task.ID || tk.Status != task.StatusPending || tk.CancelledBy != "" || tk.Reason != "" {
				t.Fatalf("re-opened task = %+v", tk)
			}
			if !tk.NextAttemptAt.Equal(clock.Now()) {
				t.Fatalf("nextAttemptAt = %v, want now", tk.NextAttemptAt)
			}
			var outcomes []string
			for _, h := range tk.History {
				outcomes = append(outcomes, h.Outcome)
			}
			if want := "[enqueued cancelled reopened]"; fmtSlice(outcomes) != want {
				t.Fatalf("history = %v, want %s", outcomes, want)
			}
			// The worker can claim it again.
			claimed, _, err := s.ClaimNext(ctx, time.Minute)
			if err != nil || claimed == nil || claimed.ID != first.Task.ID {
				t.Fatalf("claim after re-open: %v, %v", claimed, err)
			}
			checkCounters(t, s)
		})
	}
}

// An operator's cancel holds through reconcile until Seerr's request changes again; a new
// approval webhook re-opens it at once.
func TestOperatorCancelHoldsThroughReconcile(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New(time.Time{})
	s := openTest(t, clock)
	approvedAt := clock.Now().Add(-time.Hour)
	first := mustEnqueue(t, s, task.SourceReconcile, seen(movie(5, 77), approvedAt))
	clock.Advance(time.Minute)
	c, err := s.Cancel(ctx, first.Task.ID, "not wanted")
	if err != nil {
		t.Fatal(err)
	}
	if c.CancelledBy != task.CancelledByOperator || c.HoldMark == nil || !c.HoldMark.Equal(approvedAt) {
		t.Fatalf("operator cancel: by %q mark %v", c.CancelledBy, c.HoldMark)
	}
	// Pass after pass sees the same approved request: the cancel holds, nothing is written.
	for i := 0; i < 3; i++ {
		clock.Advance(time.Hour)
		want, err := s.Wants(ctx, task.SourceReconcile, seen(movie(5, 77), approvedAt))
		if err != nil || want {
			t.Fatalf("pass %d: Wants = %v, %v; the operator's cancel must hold", i, want, err)
		}
		r := mustEnqueue(t, s, task.SourceReconcile, seen(movie(5, 77), approvedAt))
		if r.Changed || r.Reopened || r.Task.Status != task.StatusCancelled {
			t.Fatalf("pass %d re-opened an operator's cancel: %+v", i, r)
		}
	}
	// Seerr's request changes afterwards (re-approved): reconcile re-opens it.
	reapproved := clock.Now()
	if want, _ := s.Wants(ctx, task.SourceReconcile, seen(movie(5, 77), reapproved)); !want {
		t.Fatal("Wants = false for a request updated after the cancel")
	}
	r := mustEnqueue(t, s, task.SourceReconcile, seen(movie(5, 77), reapproved))
	if !r.Reopened || r.Task.Status != task.StatusPending || r.Task.HoldMark != nil {
		t.Fatalf("re-approval seen by reconcile: %+v", r)
	}

	// Cancel again; a new approval webhook (which carries no updatedAt) re-opens at once.
	if _, err := s.Cancel(ctx, first.Task.ID, "again"); err != nil {
		t.Fatal(err)
	}
	if r := mustEnqueue(t, s, task.SourceWebhook, movie(5, 77)); !r.Reopened || r.Task.Status != task.StatusPending {
		t.Fatalf("approval webhook after an operator's cancel: %+v", r)
	}
	checkCounters(t, s)
}

// Without a known Seerr updatedAt the hold is the cancel time.
func TestOperatorCancelHoldMarkFallsBackToCancelTime(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New(time.Time{})
	s := openTest(t, clock)
	first := mustEnqueue(t, s, task.SourceWebhook, movie(6, 78))
	c, err := s.Cancel(ctx, first.Task.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.HoldMark == nil || !c.HoldMark.Equal(clock.Now()) {
		t.Fatalf("hold mark = %v, want the cancel time %v", c.HoldMark, clock.Now())
	}
	if r := mustEnqueue(t, s, task.SourceReconcile, seen(movie(6, 78), clock.Now().Add(-time.Minute))); r.Reopened {
		t.Fatalf("an approval older than the cancel re-opened it: %+v", r)
	}
	if r := mustEnqueue(t, s, task.SourceReconcile, seen(movie(6, 78), clock.Now().Add(time.Minute))); !r.Reopened {
		t.Fatalf("an update after the cancel did not re-open it: %+v", r)
	}
}

// A failed task re-opens on a new approval, not on every pass that sees the same request.
func TestFailedReopensOnlyWhenSeerrChanged(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New(time.Time{})
	s := openTest(t, clock)
	approvedAt := clock.Now()
	first := mustEnqueue(t, s, task.SourceReconcile, seen(movie(8, 80), approvedAt))
	fail := func() {
		t.Helper()
		forceStatus(t, s, first.Task.ID, task.StatusFailed)
		if _, err := s.Update(ctx, first.Task.ID, func(tk *task.Task) error {
			tk.LastError, tk.Attempts = "MoviePilot rejected it", 10
			tk.Items = []task.Item{{State: task.ItemFailed, LastError: "rejected"}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	fail()
	if r := mustEnqueue(t, s, task.SourceReconcile, seen(movie(8, 80), approvedAt)); r.Reopened || r.Task.Status != task.StatusFailed {
		t.Fatalf("a pass seeing the same request re-opened a failed task: %+v", r)
	}
	if r := mustEnqueue(t, s, task.SourceManual, movie(8, 80)); r.Reopened {
		t.Fatalf("a manual enqueue re-opened: %+v", r)
	}
	clock.Advance(time.Hour)
	r := mustEnqueue(t, s, task.SourceReconcile, seen(movie(8, 80), clock.Now()))
	if !r.Reopened || r.Task.Status != task.StatusPending || r.Task.Attempts != 0 || r.Task.LastError != "" {
		t.Fatalf("re-approved after failing: %+v", r)
	}
	if r.Task.Items[0].State != task.ItemPending || r.Task.Items[0].LastError != "" {
		t.Fatalf("failed item not pending again: %+v", r.Task.Items)
	}
	fail()
	if r := mustEnqueue(t, s, task.SourceWebhook, movie(8, 80)); !r.Reopened {
		t.Fatalf("an approval webhook did not re-open a failed task: %+v", r)
	}
	checkCounters(t, s)
}

// A success is never re-opened by an approval without new seasons.
func TestSuccessNotReopenedByApproval(t *testing.T) {
	clock := clocktest.New(time.Time{})
	s := openTest(t, clock)
	first := mustEnqueue(t, s, task.SourceWebhook, movie(3, 30))
	forceStatus(t, s, first.Task.ID, task.StatusSuccess)
	clock.Advance(time.Hour)
	for _, src := range []task.Source{task.SourceWebhook, task.SourceReconcile} {
		if r := mustEnqueue(t, s, src, seen(movie(3, 30), clock.Now())); r.Changed || r.Task.Status != task.StatusSuccess {
			t.Fatalf("%s re-opened a success: %+v", src, r)
		}
	}
}

// An operator's cancel clears the old error (a cancelled task said why it last failed).
func TestCancelClearsLastError(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, nil)
	first := mustEnqueue(t, s, task.SourceWebhook, movie(4, 40))
	if _, err := s.Update(ctx, first.Task.ID, func(tk *task.Task) error { tk.LastError = "MoviePilot 503"; return nil }); err != nil {
		t.Fatal(err)
	}
	c, err := s.Cancel(ctx, first.Task.ID, "by hand")
	if err != nil {
		t.Fatal(err)
	}
	if c.LastError != "" || c.Reason != "by hand" {
		t.Fatalf("cancelled task: lastError %q reason %q", c.LastError, c.Reason)
	}
}

func fmtSlice(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}
