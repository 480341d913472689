package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// RECONCILE_SINCE (Options.Since) is the floor of every pass without its own since; an
// explicit since replaces it; the summary says which one applied.
func TestOptionsSinceFloor(t *testing.T) {
	floor := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	old := floor.Add(-48 * time.Hour)
	older := floor.Add(-96 * time.Hour)
	recent := floor.Add(48 * time.Hour)
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	approved := func(at time.Time) int {
		return srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, CreatedAt: at, UpdatedAt: at,
			Media: seerr.Media{Status: seerr.MediaProcessing}})
	}
	oldID, fresh := approved(old), approved(recent)
	store := openStore(t)
	p, _ := newPoller(t, client(t, srv), store, func(o *Options) { o.Since = floor })

	sum, err := p.Pass(context.Background(), PassOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Enqueued != 1 || sum.Skipped != 1 || sum.Since == nil || !sum.Since.Equal(floor) {
		t.Fatalf("floor pass %+v", sum)
	}
	for id, want := range map[int]bool{oldID: false, fresh: true} {
		if ok, _, _ := store.Has(context.Background(), task.Input{RequestID: id}.Key()); ok != want {
			t.Fatalf("request %d enqueued=%v, want %v", id, ok, want)
		}
	}
	// An explicit, earlier since (sync once --since, ?since=) replaces the floor.
	sum, err = p.Pass(context.Background(), PassOptions{Since: older})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Enqueued != 1 || sum.Since == nil || !sum.Since.Equal(older) {
		t.Fatalf("explicit since %+v", sum)
	}
}

// Progress reports each request read and the list's total from pageInfo.results, the
// approved walk and the failed walk together.
func TestPassProgress(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	for i := 0; i < 7; i++ {
		st := seerr.RequestApproved
		if i >= 5 {
			st = seerr.RequestFailed
		}
		srv.AddRequest(seerr.Request{Status: st, Media: seerr.Media{TMDBID: 100 + i, Status: seerr.MediaProcessing}})
	}
	p, _ := newPoller(t, client(t, srv), openStore(t), func(o *Options) { o.PageSize = 2 })
	type call struct{ read, total int }
	var calls []call
	sum, err := p.Pass(context.Background(), PassOptions{Progress: func(read, total int) {
		calls = append(calls, call{read, total})
	}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Seen != 7 || len(calls) != 7 {
		t.Fatalf("summary %+v, calls %v", sum, calls)
	}
	for i, c := range calls {
		wantTotal := 5
		if i >= 5 {
			wantTotal = 7
		}
		if c.read != i+1 || c.total != wantTotal {
			t.Fatalf("call %d = %+v, want {%d %d} (all: %v)", i, c, i+1, wantTotal, calls)
		}
	}
}
