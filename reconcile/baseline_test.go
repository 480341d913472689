package reconcile

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// Seerr >= 2.6 never moves a request's updatedAt, so RECONCILE_SINCE cannot tell an old
// request approved today from the backlog by its dates: the first completed pass under the
// floor records the backlog it skipped, and later passes skip only that.

var baselineFloor = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

type baselineFake struct {
	srv           *seerrtest.Server
	backlog, late int // approved before the first pass; pending then, approved later
	fresh         int // created after the floor
}

func newBaselineFake(t *testing.T, version string) *baselineFake {
	t.Helper()
	srv := seerrtest.New(seerrtest.Options{Version: version})
	t.Cleanup(srv.Close)
	add := func(status, tmdb int, at time.Time) int {
		return srv.AddRequest(seerr.Request{Status: status, CreatedAt: at, UpdatedAt: at,
			Media: seerr.Media{TMDBID: tmdb, Status: seerr.MediaProcessing}})
	}
	old := baselineFloor.Add(-30 * 24 * time.Hour)
	return &baselineFake{srv: srv,
		backlog: add(seerr.RequestApproved, 501, old),
		late:    add(seerr.RequestPending, 502, old.Add(time.Hour)),
		fresh:   add(seerr.RequestApproved, 503, baselineFloor.Add(time.Hour)),
	}
}

func (f *baselineFake) approveLate(t *testing.T) {
	t.Helper()
	if !f.srv.SetStatus(f.late, seerr.RequestApproved) {
		t.Fatal("no such request")
	}
}

func openStoreAt(t *testing.T, path string) *taskdb.Store {
	t.Helper()
	s, err := taskdb.Open(path, taskdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func hasRequest(t *testing.T, s Store, id int) bool {
	t.Helper()
	ok, _, err := s.Has(context.Background(), task.Input{RequestID: id}.Key())
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func baselineOf(t *testing.T, s Store) (map[int]struct{}, bool) {
	t.Helper()
	ids, _, taken, err := s.Baseline(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ids, taken
}

func floorPoller(t *testing.T, f *baselineFake, s Store) *Poller {
	return floorPollerAt(t, f, s, baselineFloor)
}

func floorPollerAt(t *testing.T, f *baselineFake, s Store, floor time.Time) *Poller {
	p, _ := newPoller(t, client(t, f.srv), s, func(o *Options) { o.Since = floor; o.PageSize = 1 })
	return p
}

func mustPass(t *testing.T, p *Poller, opts PassOptions) Summary {
	t.Helper()
	sum, err := p.Pass(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// (1) the first pass records the approved backlog it skipped; (2) an old request approved
// after it is delivered; (3) the backlog stays skipped; (6) across a restart.
func TestFloorBaseline(t *testing.T) {
	for _, version := range []string{"2.6.0", "3.1.0"} {
		t.Run(version, func(t *testing.T) {
			f := newBaselineFake(t, version)
			path := filepath.Join(t.TempDir(), "tasks.db")
			store := openStoreAt(t, path)
			p := floorPoller(t, f, store)

			sum := mustPass(t, p, PassOptions{})
			// The pending request is not in filter=approved: only the backlog is skipped.
			if sum.Enqueued != 1 || sum.Skipped != 1 || sum.Since == nil || !sum.Since.Equal(baselineFloor) {
				t.Fatalf("first pass %+v", sum)
			}
			ids, taken := baselineOf(t, store)
			if _, in := ids[f.backlog]; !taken || len(ids) != 1 || !in {
				t.Fatalf("baseline %v taken=%v, want only the approved backlog %d", ids, taken, f.backlog)
			}

			f.approveLate(t)
			sum = mustPass(t, p, PassOptions{})
			if sum.Enqueued != 1 || sum.Skipped != 1 || !hasRequest(t, store, f.late) || hasRequest(t, store, f.backlog) {
				t.Fatalf("after the late approval %+v", sum)
			}

			// Restart, with the floor moved (RECONCILE_SINCE=720h counts back from each start):
			// the baseline stays, and an old request approved while seerrpilot was down (its
			// webhook lost) is delivered rather than recorded as backlog.
			if err := store.Close(); err != nil {
				t.Fatal(err)
			}
			down := f.srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, CreatedAt: baselineFloor.Add(-time.Hour),
				UpdatedAt: baselineFloor.Add(-time.Hour), Media: seerr.Media{TMDBID: 505, Status: seerr.MediaProcessing}})
			store = openStoreAt(t, path)
			p = floorPollerAt(t, f, store, baselineFloor.Add(48*time.Hour))
			sum = mustPass(t, p, PassOptions{})
			if sum.Enqueued != 1 || sum.Skipped != 1 || sum.Unchanged != 2 || !hasRequest(t, store, down) || hasRequest(t, store, f.backlog) {
				t.Fatalf("after restart %+v", sum)
			}
			if ids, _ := baselineOf(t, store); len(ids) != 1 {
				t.Fatalf("baseline taken again: %v", ids)
			}
		})
	}
}

// (4) a pass that fails midway records nothing; the next complete pass takes the baseline
// with the whole backlog.
func TestFloorBaselineFailedPassRecordsNothing(t *testing.T) {
	f := newBaselineFake(t, "3.1.0")
	other := f.srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, CreatedAt: baselineFloor.Add(-time.Hour),
		UpdatedAt: baselineFloor.Add(-time.Hour), Media: seerr.Media{TMDBID: 504, Status: seerr.MediaProcessing}})
	counting := &countingStore{Store: openStore(t), failEnqueue: errors.New("disk full")}
	p := floorPoller(t, f, counting)

	// The walk reads the two old approved requests, then fails on the fresh one.
	if _, err := p.Pass(context.Background(), PassOptions{}); err == nil {
		t.Fatal("pass succeeded")
	}
	if ids, taken := baselineOf(t, counting); taken {
		t.Fatalf("a failed pass took the baseline %v", ids)
	}

	counting.failEnqueue = nil
	f.approveLate(t) // approved before the first complete pass: part of the backlog
	sum := mustPass(t, p, PassOptions{})
	if sum.Enqueued != 1 || sum.Skipped != 3 {
		t.Fatalf("first complete pass %+v", sum)
	}
	ids, taken := baselineOf(t, counting)
	for _, id := range []int{f.backlog, f.late, other} {
		if _, in := ids[id]; !in || !taken {
			t.Fatalf("baseline %v taken=%v lacks %d", ids, taken, id)
		}
	}
	sum = mustPass(t, p, PassOptions{})
	if sum.Enqueued != 0 || sum.Skipped != 3 {
		t.Fatalf("next pass %+v", sum)
	}
}

// (5) an explicit since is a pure date filter for its pass: it neither writes nor reads the
// baseline. A dry run does not write it either.
func TestExplicitSinceIgnoresBaseline(t *testing.T) {
	f := newBaselineFake(t, "3.1.0")
	store := openStore(t)
	p := floorPoller(t, f, store)

	sum := mustPass(t, p, PassOptions{Since: baselineFloor})
	if sum.Enqueued != 1 || sum.Skipped != 1 {
		t.Fatalf("explicit since %+v", sum)
	}
	sum = mustPass(t, p, PassOptions{DryRun: true})
	if sum.Skipped != 1 {
		t.Fatalf("dry run %+v", sum)
	}
	if _, taken := baselineOf(t, store); taken {
		t.Fatal("an explicit since or a dry run took the baseline")
	}

	mustPass(t, p, PassOptions{}) // takes it: the backlog request
	f.approveLate(t)
	// The explicit floor skips the late approval by its dates, where the configured one
	// would deliver it (a dry run shows that) ...
	if sum := mustPass(t, p, PassOptions{Since: baselineFloor}); sum.Enqueued != 0 || sum.Skipped != 2 {
		t.Fatalf("explicit since after the baseline %+v", sum)
	}
	if sum := mustPass(t, p, PassOptions{DryRun: true}); sum.Enqueued != 1 || sum.Skipped != 1 {
		t.Fatalf("dry run after the baseline %+v", sum)
	}
	// ... and an earlier explicit since delivers the backlog the baseline holds.
	sum = mustPass(t, p, PassOptions{Since: baselineFloor.AddDate(-1, 0, 0)})
	if sum.Enqueued != 2 || !hasRequest(t, store, f.backlog) {
		t.Fatalf("earlier explicit since %+v", sum)
	}
}

// A pass under a pure date filter does not serve a trigger under the floor (it would skip old
// requests the baseline lets through); a pass under the floor serves a later explicit since.
func TestCoversFloor(t *testing.T) {
	floor := PassOptions{Since: baselineFloor, Floor: true}
	date := PassOptions{Since: baselineFloor}
	later := PassOptions{Since: baselineFloor.Add(time.Hour)}
	if covers(date, floor) || !covers(floor, date) || !covers(floor, later) || covers(later, floor) {
		t.Fatal("covers")
	}
	earlier := PassOptions{Since: baselineFloor.Add(-time.Hour)}
	if w := widen(floor, earlier); !w.Floor || !w.Since.Equal(earlier.Since) || !covers(w, floor) || !covers(w, earlier) {
		t.Fatalf("widen = %+v", w)
	}
}
