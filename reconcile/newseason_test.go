package reconcile

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

// TestSeasonAddedWithoutWebhook: on Seerr 3.1.0 adding a season to an approved TV request
// sends no webhook (the season is stored PENDING, the request stays APPROVED and keeps its
// updatedAt). The next reconcile pass merges the new season into the request's task, which
// had finished, re-opens it, and the worker subscribes that season in MoviePilot once; the
// pass after that changes nothing.
func TestSeasonAddedWithoutWebhook(t *testing.T) {
	ctx := context.Background()
	js := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer js.Close()
	mp := mptest.New(mptest.Options{Version: mptest.V2, APIToken: "mp-token-123456", AcceptAPIKey: true})
	defer mp.Close()
	now := clocktest.New(time.Time{}).Now
	store, err := taskdb.Open(filepath.Join(t.TempDir(), taskdb.FileName), taskdb.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sc := client(t, js)
	mc, err := moviepilot.New(moviepilot.Config{BaseURL: mp.URL(), Scheme: moviepilot.AuthXAPIKey, Token: "mp-token-123456",
		APIVersion: "auto", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(worker.Options{Store: store, MoviePilot: mc, Seerr: sc, MaxAttempts: 5, Log: zerolog.Nop(),
		Now: now, Rand: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := newPoller(t, sc, store)
	subs := func() string {
		var out []string
		for _, s := range mp.Subscriptions() {
			out = append(out, fmt.Sprintf("%d/s%d", s.TMDBID, *s.Season))
		}
		return strings.Join(out, ",")
	}

	id := js.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeTV,
		Media: seerr.Media{TMDBID: 1399, Status: seerr.MediaProcessing}, Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}}})
	if sum, err := p.Pass(ctx, PassOptions{}); err != nil || sum.Enqueued != 1 {
		t.Fatalf("first pass %+v %v", sum, err)
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	tk, err := store.GetByKey(ctx, task.Input{RequestID: id}.Key())
	if err != nil || tk.Status != task.StatusSuccess || subs() != "1399/s1" {
		t.Fatalf("after the first pass: task %s, MoviePilot %s, %v", tk.Status, subs(), err)
	}

	// The edit in Seerr: season 2 added, no webhook, the request's updatedAt unchanged.
	before, err := sc.GetRequest(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !js.AddSeasons(id, 2) {
		t.Fatal("AddSeasons")
	}
	after, err := sc.GetRequest(ctx, id)
	if err != nil || !after.UpdatedAt.Equal(before.UpdatedAt) || after.Status != seerr.RequestApproved || len(after.Seasons) != 2 {
		t.Fatalf("edited request %+v, %v", after, err)
	}

	sum, err := p.Pass(ctx, PassOptions{})
	if err != nil || sum.Merged != 1 || sum.Enqueued != 0 {
		t.Fatalf("pass after the edit %+v %v", sum, err)
	}
	tk, err = store.GetByKey(ctx, task.Input{RequestID: id}.Key())
	if err != nil || tk.Status != task.StatusPending || len(tk.Input.Seasons) != 2 {
		t.Fatalf("task after the merge: %s seasons %v, %v", tk.Status, tk.Input.Seasons, err)
	}
	creates := mp.CreateCount()
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	tk, _ = store.GetByKey(ctx, task.Input{RequestID: id}.Key())
	if tk.Status != task.StatusSuccess || subs() != "1399/s1,1399/s2" || mp.CreateCount() != creates+1 {
		t.Fatalf("after delivery: task %s, MoviePilot %s, %d creates (was %d)", tk.Status, subs(), mp.CreateCount(), creates)
	}

	// Once: the next pass and the next drain change nothing.
	sum, err = p.Pass(ctx, PassOptions{})
	if err != nil || sum.Merged != 0 || sum.Enqueued != 0 || sum.Unchanged != 1 {
		t.Fatalf("second pass %+v %v", sum, err)
	}
	rep, err := w.Drain(ctx)
	if err != nil || rep.Processed != 0 || subs() != "1399/s1,1399/s2" || mp.CreateCount() != creates+1 {
		t.Fatalf("second drain %+v, MoviePilot %s, %v", rep, subs(), err)
	}
}
