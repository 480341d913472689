package reconcilepass

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"2025-01-02T03:04:05Z", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), false},
		{"2025-01-02T05:04:05+02:00", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), false},
		{"2025-01-02", time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), false},
		{"36h", now.Add(-36 * time.Hour), false},
		{"-1h", time.Time{}, true},
		{"0s", time.Time{}, true},
		{"", time.Time{}, true},
		{"last week", time.Time{}, true},
	}
	for _, tc := range cases {
		got, err := ParseSince(tc.in, now)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

type fixed struct {
	res  Result
	got  Options
	wait bool
	dl   bool // the context had a deadline
}

func (f *fixed) Trigger(ctx context.Context, opts Options, wait bool) Result {
	f.got, f.wait = opts, wait
	_, f.dl = ctx.Deadline()
	return f.res
}

// TestAsk pins the one set of answers every trigger (REST and MCP) gives.
func TestAsk(t *testing.T) {
	ok := &Summary{RunID: "rc_1", Outcome: OutcomeOK, Seen: 5, Approved: 3, Enqueued: 2, Merged: 1, Skipped: 2}
	bad := &Summary{RunID: "rc_2", Outcome: OutcomeError, Error: "seerr: HTTP 502"}
	cases := []struct {
		name   string
		res    Result
		wait   bool
		status int
		code   int
		msg    string
	}{
		{"started", Result{RunID: "rc_1"}, false, 202, 0, "started reconcile pass rc_1"},
		{"joined", Result{RunID: "rc_1", Joined: true}, false, 202, 0, "joined the running reconcile pass rc_1"},
		{"finished", Result{RunID: "rc_1", Summary: ok}, true, 200, 0, "reconcile pass rc_1 finished: seen 5, approved 3, enqueued 2, merged 1, skipped 2"},
		{"failed by outcome", Result{RunID: "rc_2", Summary: bad}, true, 502, 5000, "reconcile pass rc_2 failed: seerr: HTTP 502"},
		{"failed by error", Result{RunID: "rc_2", Summary: bad, Err: errors.New("connection refused")}, true, 502, 5000, "rc_2 failed: connection refused"},
		{"outlives the wait", Result{RunID: "rc_3", Err: context.DeadlineExceeded}, true, 202, 0, "reconcile pass rc_3 is still running after 1m20s"},
		{"stopped", Result{Err: ErrStopped}, true, 503, 5000, "reconcile could not run: the service is shutting down"},
		{"other", Result{Err: errors.New("boom")}, false, 503, 5000, "reconcile could not run: boom"},
	}
	for _, tc := range cases {
		f := &fixed{res: tc.res}
		r := Ask(context.Background(), f, Options{DryRun: true}, tc.wait, DefaultWait)
		if r.Status != tc.status || int(r.Code) != tc.code || !strings.Contains(r.Msg, tc.msg) {
			t.Errorf("%s: %d %d %q, want %d %d ~%q", tc.name, r.Status, r.Code, r.Msg, tc.status, tc.code, tc.msg)
		}
		if !f.got.DryRun || f.wait != tc.wait || f.dl != tc.wait {
			t.Errorf("%s: trigger got %+v wait=%v deadline=%v", tc.name, f.got, f.wait, f.dl)
		}
	}
	dry := *ok
	dry.DryRun = true
	if r := Ask(context.Background(), &fixed{res: Result{RunID: "rc_1", Summary: &dry}}, Options{}, true, time.Second); !strings.HasPrefix(r.Msg, "dry-run reconcile pass rc_1 finished") {
		t.Errorf("dry run: %q", r.Msg)
	}
	if r := Off(); r.Status != 503 || r.Code != 5000 || r.Msg != OffMessage {
		t.Errorf("off: %+v", r)
	}
}
