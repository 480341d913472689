package track

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/logging/logtest"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

const token = "TRACK-TOKEN-0123456789"

type fixture struct {
	clk   *clocktest.Clock
	store *taskdb.Store
	mp    *mptest.Server
	c     *moviepilot.Client
	tr    *Tracker
	logs  *logtest.Sink

	mu         sync.Mutex
	downloaded []string // task ids told to OnDownloaded
	rounds     []Round
}

func newFixture(t *testing.T, version string) *fixture {
	t.Helper()
	f := &fixture{clk: clocktest.New(time.Time{}), logs: &logtest.Sink{}}
	var err error
	f.store, err = taskdb.Open(filepath.Join(t.TempDir(), taskdb.FileName), taskdb.Options{Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.store.Close() })
	f.mp = mptest.New(mptest.Options{Version: version, APIToken: token, AcceptAPIKey: true, Now: f.clk.Now})
	t.Cleanup(f.mp.Close)
	f.c, err = moviepilot.New(moviepilot.Config{BaseURL: f.mp.URL(), Scheme: moviepilot.AuthXAPIKey, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	f.tr, err = New(Options{
		Store: f.store, MoviePilot: f.c, Interval: 30 * time.Minute, StalledAfter: 14 * 24 * time.Hour,
		Log: f.logs.Logger(zerolog.DebugLevel), Now: f.clk.Now, Sleep: f.clk.Sleep,
		OnDownloaded: func(t task.Task) { f.mu.Lock(); f.downloaded = append(f.downloaded, t.ID); f.mu.Unlock() },
		OnRound:      func(r Round) { f.mu.Lock(); f.rounds = append(f.rounds, r); f.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func intp(n int) *int { return &n }

// deliver stores a task the worker finished: one subscribed item per season (or the movie),
// each created in the fake MoviePilot.
func (f *fixture) deliver(t *testing.T, reqID, tmdb int, seasons ...int) task.Task {
	t.Helper()
	ctx := context.Background()
	in := task.Input{RequestID: reqID, TMDBID: tmdb, MediaType: task.TypeMovie, Title: "T" + time.Duration(reqID).String()}
	var items []task.Item
	if len(seasons) == 0 {
		id, err := f.c.Create(ctx, moviepilot.SubscribeRequest{Name: "Movie", MediaType: moviepilot.MediaMovie, TMDBID: tmdb})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, task.Item{State: task.ItemSubscribed, MPSubscriptionID: id})
	}
	for _, s := range seasons {
		in.MediaType = task.TypeTV
		in.Seasons = append(in.Seasons, task.SeasonRequest{Season: s})
		id, err := f.c.Create(ctx, moviepilot.SubscribeRequest{Name: "Show", MediaType: moviepilot.MediaTV, TMDBID: tmdb, Season: intp(s), TotalEpisode: 10})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, task.Item{Season: intp(s), State: task.ItemSubscribed, MPSubscriptionID: id})
	}
	res, err := f.store.Enqueue(ctx, task.SourceWebhook, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []task.Status{task.StatusRunning, task.StatusSuccess} {
		res.Task, err = f.store.Update(ctx, res.Task.ID, func(tk *task.Task) error {
			tk.Status = st
			if st == task.StatusSuccess {
				tk.Items = items
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return res.Task
}

func (f *fixture) item(t *testing.T, id string, i int) task.Item {
	t.Helper()
	tk, err := f.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk.Items[i]
}

func (f *fixture) state(t *testing.T, id string, i int) task.TrackState {
	t.Helper()
	it := f.item(t, id, i)
	if it.Tracking == nil {
		return ""
	}
	return it.Tracking.State
}

// runRounds runs the tracker until it has finished n rounds, on the fake clock.
func (f *fixture) runRounds(t *testing.T, n int) time.Duration {
	t.Helper()
	start := f.clk.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.mu.Lock()
	base := len(f.rounds)
	f.mu.Unlock()
	tr := *f.tr
	next := tr.o.OnRound
	tr.o.OnRound = func(r Round) {
		next(r)
		f.mu.Lock()
		done := len(f.rounds)-base >= n
		f.mu.Unlock()
		if done {
			cancel()
		}
	}
	if err := tr.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return f.clk.Now().Sub(start)
}

// The "done when" checks, on both fakes: a subscription MoviePilot finished (moved to its
// history) turns the item downloaded within one tracking interval, and one deleted there
// without history turns removed; the notice fires once, for the download only.
func TestDownloadedAndRemovedWithinOneInterval(t *testing.T) {
	for _, v := range []string{mptest.V2, mptest.V3} {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, v)
			movie := f.deliver(t, 1, 949)
			show := f.deliver(t, 2, 1396, 1, 2)
			f.runRounds(t, 1)
			for _, c := range []struct {
				id string
				i  int
			}{{movie.ID, 0}, {show.ID, 0}, {show.ID, 1}} {
				if got := f.state(t, c.id, c.i); got != task.TrackSubscribed {
					t.Fatalf("%s item %d: %q before anything happened", c.id, c.i, got)
				}
			}
			f.mp.Finish(movie.Items[0].MPSubscriptionID)
			f.mp.Delete(show.Items[1].MPSubscriptionID)
			took := f.runRounds(t, 1)
			if took != 30*time.Minute {
				t.Fatalf("one round took %s of the clock, want one interval", took)
			}
			if got := f.state(t, movie.ID, 0); got != task.TrackDownloaded {
				t.Fatalf("finished movie: %q", got)
			}
			if got := f.state(t, show.ID, 1); got != task.TrackRemoved {
				t.Fatalf("deleted season: %q", got)
			}
			if got := f.state(t, show.ID, 0); got != task.TrackSubscribed {
				t.Fatalf("untouched season: %q", got)
			}
			tk, _ := f.store.Get(context.Background(), show.ID)
			if tk.Tracking == nil || tk.Tracking.State != task.TrackSubscribed || tk.Tracking.Removed != 1 || tk.Tracking.Subscribed != 1 {
				t.Fatalf("task summary: %+v", tk.Tracking)
			}
			// Final states are not asked about again, and say nothing again.
			calls := len(f.mp.Calls())
			f.runRounds(t, 1)
			if n := len(f.mp.Calls()) - calls; n != 1 {
				t.Fatalf("a round after the final states made %d calls, want 1 (the one season still subscribed)", n)
			}
			if len(f.downloaded) != 1 || f.downloaded[0] != movie.ID {
				t.Fatalf("downloaded notices: %v", f.downloaded)
			}
			if n := f.logs.Count(t, "warn", "removed in MoviePilot: the subscription is gone and not in its subscribe history; seerrpilot does not create it again (subscribe again in MoviePilot, or ask in Seerr, if it is still wanted)"); n != 1 {
				t.Fatalf("%d removed warnings, want 1", n)
			}
			last := f.rounds[len(f.rounds)-1]
			want := map[string]int{CountSubscribed: 1, CountStalled: 0, CountDownloaded: 1, CountRemoved: 1}
			for k, n := range want {
				if last.Counts[k] != n || last.Err != nil {
					t.Fatalf("counts %v (err %v), want %v", last.Counts, last.Err, want)
				}
			}
		})
	}
}

// TestStalledAfter: an item still subscribed STALLED_AFTER after delivery is flagged, with the
// time it came due, and warned about once; MoviePilot's progress is kept.
func TestStalledAfter(t *testing.T) {
	for _, v := range []string{mptest.V2, mptest.V3} {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, v)
			delivered := f.clk.Now()
			show := f.deliver(t, 3, 1399, 1)
			f.mp.SetProgress(show.Items[0].MPSubscriptionID, 3, 7, "R")
			f.runRounds(t, 1)
			it := f.item(t, show.ID, 0)
			if it.Tracking.Stalled || !it.Tracking.Since.Equal(delivered) {
				t.Fatalf("fresh item: %+v", it.Tracking)
			}
			if p := it.Tracking.Progress; p == nil || p.LackEpisodes != 3 || p.TotalEpisodes != 10 ||
				(v == mptest.V3 && (p.CompletedEpisodes != 7 || p.Status != "R")) {
				t.Fatalf("progress: %+v", it.Tracking.Progress)
			}
			f.clk.Advance(14*24*time.Hour - 90*time.Minute)
			f.runRounds(t, 1) // 13d23h30m after delivery: not yet
			if f.item(t, show.ID, 0).Tracking.Stalled {
				t.Fatal("stalled too early")
			}
			f.runRounds(t, 1) // 14d
			it = f.item(t, show.ID, 0)
			due := delivered.Add(14 * 24 * time.Hour)
			if !it.Tracking.Stalled || it.Tracking.StalledSince == nil || !it.Tracking.StalledSince.Equal(due) {
				t.Fatalf("not stalled after STALLED_AFTER: %+v", it.Tracking)
			}
			if n := f.logs.Count(t, "warn", "stalled: still not downloaded after STALLED_AFTER; check the subscription in MoviePilot (sites, filters, whether the release exists)"); n != 1 {
				t.Fatalf("%d stalled warnings, want 1", n)
			}
			if c := f.rounds[len(f.rounds)-1].Counts; c[CountStalled] != 1 || c[CountSubscribed] != 0 {
				t.Fatalf("counts: %v", c)
			}
			// Downloading it late still counts.
			f.mp.Finish(show.Items[0].MPSubscriptionID)
			f.runRounds(t, 1)
			if got := f.state(t, show.ID, 0); got != task.TrackDownloaded {
				t.Fatalf("late download: %q", got)
			}
		})
	}
}

// TestOutageChangesNothing: while MoviePilot is down a round changes nothing (no item turns
// removed because a call failed) and ends at the first failure; afterwards the next round
// decides.
func TestOutageChangesNothing(t *testing.T) {
	for _, v := range []string{mptest.V2, mptest.V3} {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, v)
			a := f.deliver(t, 4, 500)
			b := f.deliver(t, 5, 501)
			f.runRounds(t, 1)
			f.mp.Delete(a.Items[0].MPSubscriptionID)
			f.mp.Finish(b.Items[0].MPSubscriptionID)
			f.mp.SetDown(true)
			calls := len(f.mp.Calls())
			f.runRounds(t, 1)
			if got, got2 := f.state(t, a.ID, 0), f.state(t, b.ID, 0); got != task.TrackSubscribed || got2 != task.TrackSubscribed {
				t.Fatalf("changed during an outage: %q %q", got, got2)
			}
			if n := len(f.mp.Calls()) - calls; n != 1 {
				t.Fatalf("%d calls during the outage, want 1 (the round stops at the first failure)", n)
			}
			if r := f.rounds[len(f.rounds)-1]; r.Err == nil {
				t.Fatal("an outage round reported no error")
			}
			f.mp.SetDown(false)
			f.runRounds(t, 1)
			if got, got2 := f.state(t, a.ID, 0), f.state(t, b.ID, 0); got != task.TrackRemoved || got2 != task.TrackDownloaded {
				t.Fatalf("after the outage: %q %q", got, got2)
			}
		})
	}
}

// TestHistoryFailureChangesNothing: MoviePilot says the subscription is gone, but the history
// read fails: the item stays as it was.
func TestHistoryFailureChangesNothing(t *testing.T) {
	f := newFixture(t, mptest.V2)
	a := f.deliver(t, 6, 600)
	f.runRounds(t, 1)
	f.mp.Finish(a.Items[0].MPSubscriptionID)
	calls := len(f.mp.Calls())
	hist := &failingHistory{MoviePilot: f.c}
	tr := *f.tr
	tr.o.MoviePilot = hist
	tr.Round(context.Background())
	if got := f.state(t, a.ID, 0); got != task.TrackSubscribed {
		t.Fatalf("a failed history read decided %q", got)
	}
	if hist.n != 1 || len(f.mp.Calls())-calls != 1 {
		t.Fatalf("history reads %d, calls %d", hist.n, len(f.mp.Calls())-calls)
	}
}

type failingHistory struct {
	MoviePilot
	n int
}

func (h *failingHistory) History(context.Context, string, int, int) ([]moviepilot.Subscription, error) {
	h.n++
	return nil, &moviepilot.Error{Op: "history", Status: 500, Class: moviepilot.ClassRetry, Message: "Internal Server Error"}
}

// TestOldHistoryRowIsNotADownload: a history row of the same media from before the task (an
// earlier subscription that finished) does not make a deleted subscription "downloaded".
func TestOldHistoryRowIsNotADownload(t *testing.T) {
	f := newFixture(t, mptest.V3)
	ctx := context.Background()
	old, err := f.c.Create(ctx, moviepilot.SubscribeRequest{Name: "Movie", MediaType: moviepilot.MediaMovie, TMDBID: 700})
	if err != nil {
		t.Fatal(err)
	}
	f.mp.Finish(old)
	f.clk.Advance(30 * 24 * time.Hour)
	a := f.deliver(t, 7, 700)
	f.mp.Delete(a.Items[0].MPSubscriptionID)
	f.runRounds(t, 1)
	if got := f.state(t, a.ID, 0); got != task.TrackRemoved {
		t.Fatalf("deleted after an old finish: %q", got)
	}
}

// TestRemovedIsNotCreatedAgain: a new season re-opens the task; the worker's plan keeps the
// removed item done (its state stays subscribed), so only the new season is sent.
func TestRemovedIsNotCreatedAgain(t *testing.T) {
	f := newFixture(t, mptest.V2)
	ctx := context.Background()
	show := f.deliver(t, 8, 800, 1)
	f.mp.Delete(show.Items[0].MPSubscriptionID)
	f.runRounds(t, 1)
	res, err := f.store.Enqueue(ctx, task.SourceWebhook, task.Input{RequestID: 8, TMDBID: 800, MediaType: task.TypeTV,
		Seasons: []task.SeasonRequest{{Season: 2}}})
	if err != nil || !res.Changed || res.Task.Status != task.StatusPending {
		t.Fatalf("re-open: %+v, %v", res, err)
	}
	it := res.Task.Items[0]
	if !it.State.Done() || it.Tracking == nil || it.Tracking.State != task.TrackRemoved {
		t.Fatalf("re-opened task's removed item: %+v", it)
	}
	// Retrying a failed task keeps it too.
	res.Task, err = f.store.Update(ctx, res.Task.ID, func(tk *task.Task) error { tk.Status = task.StatusRunning; return nil })
	if err == nil {
		res.Task, err = f.store.Update(ctx, res.Task.ID, func(tk *task.Task) error { tk.Status = task.StatusFailed; return nil })
	}
	if err != nil {
		t.Fatal(err)
	}
	back, err := f.store.Retry(ctx, res.Task.ID)
	if err != nil || !back.Items[0].State.Done() || back.Items[0].Tracking.State != task.TrackRemoved {
		t.Fatalf("retry: %+v, %v", back.Items, err)
	}
}

// TestReusedIDIsNotOurs: MoviePilot 2.5.6 gives a finished subscription's id to the next one;
// the tracker still sees its own subscription finished, on both fakes.
func TestReusedIDIsNotOurs(t *testing.T) {
	for _, v := range []string{mptest.V2, mptest.V3} {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, v)
			a := f.deliver(t, 9, 900)
			f.mp.Finish(a.Items[0].MPSubscriptionID)
			b := f.deliver(t, 10, 901)
			if v == mptest.V2 && b.Items[0].MPSubscriptionID != a.Items[0].MPSubscriptionID {
				t.Fatalf("the v2 fake did not reuse the id: %d then %d", a.Items[0].MPSubscriptionID, b.Items[0].MPSubscriptionID)
			}
			f.runRounds(t, 1)
			if got, got2 := f.state(t, a.ID, 0), f.state(t, b.ID, 0); got != task.TrackDownloaded || got2 != task.TrackSubscribed {
				t.Fatalf("finished %q, new %q", got, got2)
			}
		})
	}
}
