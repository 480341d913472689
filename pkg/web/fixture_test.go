package web

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

type fixtureOpts struct {
	token    string
	base     string
	notifier Notifier
	now      func() time.Time // nil: a fake clock (fixture.clock)
	worker   api.Worker
	rec      api.Reconciler
	extras   Extras
}

// fixture is the page wired as serve wires it: a real store, the operator API's service
// layer, server.NewRouter with the page, the API behind AdminAuth, and BASE_PATH.
type fixture struct {
	store   *taskdb.Store
	api     *api.API
	page    *Handler
	handler http.Handler
	clock   *clocktest.Clock
}

const testToken = "s3cret-admin-token-0123456789"

func newFixture(t testing.TB, o fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{clock: clocktest.New(time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC))}
	now := o.now
	if now == nil {
		now = f.clock.Now
	}
	store, err := taskdb.Open(filepath.Join(t.TempDir(), taskdb.FileName), taskdb.Options{Now: now, BatchDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	f.store = store
	env := envelope.Writer{}
	ao := api.Options{Store: store, Envelope: env, Log: zerolog.Nop(), Now: now, Version: "test"}
	if o.worker != nil {
		ao.Worker = o.worker
	}
	if o.rec != nil {
		ao.Reconciler = o.rec
	}
	f.api = api.New(ao)
	opts := Options{Token: o.token, BasePath: o.base, Tasks: store, Operator: f.api, Log: zerolog.Nop(), Now: now, Version: "test"}
	if o.notifier != nil {
		opts.Notifier = o.notifier
	}
	if o.extras != nil {
		opts.Extras = o.extras
	}
	f.page = New(opts)
	h := server.NewRouter(server.Options{Log: zerolog.Nop(), Envelope: env, DB: store, Readiness: server.NewReadiness(nil),
		Mount: func(r chi.Router) {
			r.Group(func(r chi.Router) {
				r.Use(server.AdminAuth(o.token, env))
				f.api.Routes(r)
			})
			f.page.Routes(r)
		}})
	if o.base != "" {
		outer := chi.NewRouter()
		outer.NotFound(server.NotFound(env))
		outer.MethodNotAllowed(server.MethodNotAllowed(env))
		outer.Mount(o.base, h)
		h = outer
	}
	f.handler = h
	return f
}

// seed is one task as the demo and the tests want it.
type seed struct {
	in     task.Input
	src    task.Source
	status task.Status
	err    string // lastError (failed, pending)
	reason string
	items  []task.Item
	next   time.Duration // pending: next attempt from now
	age    time.Duration // how long ago it was last updated (clock moved between seeds)
}

func ptr(n int) *int { return &n }

// add stores one seed: enqueue, then claim and record the outcome, as the worker would.
func (f *fixture) add(t testing.TB, s seed) task.Task {
	t.Helper()
	ctx := context.Background()
	src := s.src
	if src == "" {
		src = task.SourceWebhook
	}
	res, err := f.store.Enqueue(ctx, src, s.in)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Task.ID
	switch s.status {
	case "", task.StatusPending:
		if s.err == "" {
			return res.Task
		}
	case task.StatusCancelled:
		out, err := f.store.Cancel(ctx, id, s.reason)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	claimed, _, err := f.store.ClaimNext(ctx, time.Minute)
	if err != nil || claimed == nil || claimed.ID != id {
		t.Fatalf("claim %s: %v %v", id, claimed, err)
	}
	out, err := f.store.Update(ctx, id, func(tk *task.Task) error {
		tk.Status = s.status
		if s.status == "" {
			tk.Status = task.StatusPending
		}
		tk.LastError, tk.Reason, tk.Items = s.err, s.reason, s.items
		tk.Attempts = 1
		tk.NextAttemptAt = f.clock.Now().Add(s.next)
		tk.AddHistory(f.clock.Now(), string(tk.Status), s.err)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// demo is realistic data: movies and shows, one failed with a plain reason, one waiting for
// a retry, one cancelled, one delivered. The clock moves so the times differ.
func (f *fixture) demo(t testing.TB) map[string]task.Task {
	t.Helper()
	out := map[string]task.Task{}
	stalledSince := f.clock.Now().Add(-2 * 24 * time.Hour)
	steps := []struct {
		name string
		s    seed
		wait time.Duration
	}{
		{"arcane", seed{in: task.Input{RequestID: 101, TMDBID: 94605, MediaType: task.TypeTV, Title: "Arcane", Year: 2021,
			Seasons: []task.SeasonRequest{{Season: 2}}, RequestedBy: "mei"}, src: task.SourceManual,
			status: task.StatusCancelled, reason: "cancelled on the status page"}, 26 * time.Hour},
		{"matrix", seed{in: task.Input{RequestID: 102, TMDBID: 603, MediaType: task.TypeMovie, Title: "The Matrix", Year: 1999,
			RequestedBy: "alice"}, status: task.StatusSuccess,
			items: []task.Item{{State: task.ItemSubscribed, MPSubscriptionID: 12, Tracking: &task.Tracking{State: task.TrackDownloaded}}}}, 3 * time.Hour},
		{"severance", seed{in: task.Input{RequestID: 103, TMDBID: 95396, MediaType: task.TypeTV, Title: "Severance", Year: 2022,
			Seasons: []task.SeasonRequest{{Season: 1}, {Season: 2}}, RequestedBy: "bob"}, src: task.SourceReconcile,
			status: task.StatusSuccess, items: []task.Item{
				{Season: ptr(1), State: task.ItemExisting, MPSubscriptionID: 13, Tracking: &task.Tracking{State: task.TrackDownloaded}},
				{Season: ptr(2), State: task.ItemSubscribed, MPSubscriptionID: 14, Tracking: &task.Tracking{State: task.TrackSubscribed,
					Stalled: true, StalledSince: &stalledSince, Progress: &task.TrackProgress{TotalEpisodes: 10, LackEpisodes: 3}}}}}, 90 * time.Minute},
		{"dune", seed{in: task.Input{RequestID: 104, TMDBID: 693134, MediaType: task.TypeMovie, Title: "Dune: Part Two", Year: 2024,
			Is4K: true, RequestedBy: "carol"}, status: task.StatusFailed,
			err:   "MoviePilot answered 422: the subscription was refused (the movie's TMDB id is not valid there). Check the request in Seerr, then retry.",
			items: []task.Item{{State: task.ItemFailed, LastError: "MoviePilot answered 422"}}}, 40 * time.Minute},
		{"bear", seed{in: task.Input{RequestID: 105, TMDBID: 136315, MediaType: task.TypeTV, Title: "The Bear", Year: 2022,
			Seasons: []task.SeasonRequest{{Season: 3}}, RequestedBy: "dan"}, status: task.StatusPending,
			err:  "MoviePilot could not be reached (connection refused); the worker waits for it",
			next: 4 * time.Minute, items: []task.Item{{Season: ptr(3), State: task.ItemPending}}}, 2 * time.Minute},
		{"spirited", seed{in: task.Input{RequestID: 106, TMDBID: 129, MediaType: task.TypeMovie, Title: "千与千寻", Year: 2001,
			RequestedBy: "li"}, status: task.StatusSuccess, items: []task.Item{{State: task.ItemSubscribed, MPSubscriptionID: 15}}}, 0},
	}
	for _, st := range steps {
		out[st.name] = f.add(t, st.s)
		f.clock.Advance(st.wait)
	}
	return out
}
