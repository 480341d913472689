package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/reconcile"
)

// The first good real pass after a first start is the backlog: logged with its counts and
// kept for /readyz. Dry runs and failed passes do not count; later passes change nothing.
func TestBacklogWatch(t *testing.T) {
	var logs bytes.Buffer
	b := &backlogWatch{rate: 3, log: zerolog.New(&logs)}
	floor := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	b.start(true, time.Time{})
	if !strings.Contains(logs.String(), "set RECONCILE_SINCE") {
		t.Fatalf("first start without RECONCILE_SINCE does not offer it: %s", logs.String())
	}
	started := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	b.pass(reconcile.Summary{DryRun: true, Outcome: reconcile.OutcomeOK, Approved: 5, Enqueued: 5})
	b.pass(reconcile.Summary{Outcome: reconcile.OutcomeError})
	if b.backlog() != nil {
		t.Fatal("a dry run or a failed pass became the backlog")
	}
	b.pass(reconcile.Summary{Outcome: reconcile.OutcomeOK, Approved: 2000, Enqueued: 1990, Skipped: 12,
		Since: &floor, StartedAt: started, DurationMs: 4000})
	b.pass(reconcile.Summary{Outcome: reconcile.OutcomeOK, Approved: 2001, Enqueued: 1})
	got := b.backlog()
	want := Backlog{Found: 2000, Queued: 1990, Skipped: 12, Since: &floor, EstimatedMinutes: 23, At: started.Add(4 * time.Second)}
	if got == nil || got.Found != want.Found || got.Queued != want.Queued || got.Skipped != want.Skipped ||
		!got.Since.Equal(floor) || got.EstimatedMinutes != want.EstimatedMinutes || !got.At.Equal(want.At) {
		t.Fatalf("backlog %+v, want %+v", got, want)
	}
	if n := strings.Count(logs.String(), "first start: found 2000 approved requests since RECONCILE_SINCE 2026-11-01T00:00:00Z; 1990 queued"); n != 1 {
		t.Fatalf("backlog logged %d times: %s", n, logs.String())
	}

	// Not a first start: nothing is logged or kept.
	logs.Reset()
	b = &backlogWatch{rate: 3, log: zerolog.New(&logs)}
	b.start(false, time.Time{})
	b.pass(reconcile.Summary{Outcome: reconcile.OutcomeOK, Approved: 3, Enqueued: 3})
	if b.backlog() != nil || logs.Len() != 0 {
		t.Fatalf("backlog on a later start: %v %s", b.backlog(), logs.String())
	}
}
