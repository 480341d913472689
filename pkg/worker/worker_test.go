package worker

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/logging/logtest"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

const apiToken = "mp-api-token-0123456789"

// harness is a real store, a fake MoviePilot, a real client and the worker under test.
type harness struct {
	t      *testing.T
	clock  *clocktest.Clock
	store  *taskdb.Store
	mp     *mptest.Server
	client *moviepilot.Client
	w      *Worker
	logs   logtest.Sink
	states []State
	mu     sync.Mutex
}

type setup struct {
	mpOpts   mptest.Options
	mpConfig func(*moviepilot.Config)
	opts     func(*Options)
}

func newHarness(t *testing.T, s setup) *harness {
	t.Helper()
	h := &harness{t: t, clock: clocktest.New(time.Time{})}
	store, err := taskdb.Open(filepath.Join(t.TempDir(), taskdb.FileName), taskdb.Options{Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h.store = store
	if s.mpOpts.APIToken == "" {
		s.mpOpts.APIToken = apiToken
		s.mpOpts.AcceptAPIKey = true
	}
	h.mp = mptest.New(s.mpOpts)
	t.Cleanup(h.mp.Close)
	cfg := moviepilot.Config{BaseURL: h.mp.URL(), Scheme: moviepilot.AuthXAPIKey, Token: apiToken, APIVersion: "auto", Timeout: testbudget.Budget(t)}
	if s.mpConfig != nil {
		s.mpConfig(&cfg)
	}
	h.client, err = moviepilot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Store: store, MoviePilot: h.client, MaxAttempts: 5,
		Log: h.logs.Logger(zerolog.TraceLevel), Now: h.clock.Now, Rand: func() float64 { return 0.5 },
		OnState: func(st State) { h.mu.Lock(); h.states = append(h.states, st); h.mu.Unlock() },
	}
	if s.opts != nil {
		s.opts(&o)
	}
	h.w, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) enqueue(in task.Input) string {
	h.t.Helper()
	res, err := h.store.Enqueue(context.Background(), task.SourceWebhook, in)
	if err != nil {
		h.t.Fatal(err)
	}
	return res.Task.ID
}

func (h *harness) drain() DrainReport {
	h.t.Helper()
	rep, err := h.w.Drain(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return rep
}

func (h *harness) get(id string) task.Task {
	h.t.Helper()
	tk, err := h.store.Get(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return tk
}

func movieIn(req, tmdb int) task.Input {
	return task.Input{RequestID: req, TMDBID: tmdb, MediaType: task.TypeMovie, Title: "Inception", Year: 2010}
}

func tvIn(req, tmdb int, seasons ...int) task.Input {
	in := task.Input{RequestID: req, TMDBID: tmdb, MediaType: task.TypeTV, Title: "Breaking Bad", Year: 2008}
	for _, s := range seasons {
		in.Seasons = append(in.Seasons, task.SeasonRequest{Season: s})
	}
	return in
}

func itemStates(tk task.Task) string {
	var out []string
	for _, it := range tk.Items {
		out = append(out, it.Key()+"="+string(it.State))
	}
	return strings.Join(out, ",")
}

func subsSummary(subs []mptest.Subscription) string {
	var out []string
	for _, s := range subs {
		season := "-"
		if s.Season != nil {
			season = fmt.Sprint(*s.Season)
		}
		out = append(out, fmt.Sprintf("%s/%d/%s", s.Type, s.TMDBID, season))
	}
	return strings.Join(out, ",")
}

func TestMovieDelivered(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(movieIn(1, 27205))
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusSuccess || itemStates(tk) != "movie=subscribed" || tk.Items[0].MPSubscriptionID == 0 {
		t.Fatalf("task: %s %s %+v", tk.Status, itemStates(tk), tk.History)
	}
	subs := h.mp.Subscriptions()
	if len(subs) != 1 || subs[0].Type != "电影" || subs[0].TMDBID != 27205 || subs[0].Name != "Inception" || subs[0].Season != nil {
		t.Fatalf("MoviePilot got %+v", subs)
	}
}

func TestTVSeasonsAndSpecials(t *testing.T) {
	cases := []struct {
		specials   plan.Specials
		wantStatus task.Status
		wantItems  string
	}{
		{plan.SpecialsExclude, task.StatusSuccess, "s0=skipped,s1=subscribed,s2=subscribed,s3=subscribed"},
		{plan.SpecialsSeparate, task.StatusFailed, "s0=failed,s1=subscribed,s2=subscribed,s3=subscribed"},
	}
	for _, c := range cases {
		t.Run(string(c.specials), func(t *testing.T) {
			h := newHarness(t, setup{opts: func(o *Options) { o.Policy = plan.Policy{Specials: c.specials} }})
			id := h.enqueue(tvIn(2, 1396, 0, 1, 2, 3))
			h.drain()
			tk := h.get(id)
			if tk.Status != c.wantStatus || itemStates(tk) != c.wantItems {
				t.Fatalf("status %s items %s", tk.Status, itemStates(tk))
			}
			// Season 0 is never sent: MoviePilot would store it as season 1.
			if got := subsSummary(h.mp.Subscriptions()); got != "电视剧/1396/1,电视剧/1396/2,电视剧/1396/3" {
				t.Fatalf("MoviePilot got %s", got)
			}
			if c.specials == plan.SpecialsSeparate && !strings.Contains(tk.Items[0].LastError, "season 0") {
				t.Fatalf("S00 error does not explain: %q", tk.Items[0].LastError)
			}
		})
	}
}

func TestExistingSubscriptionIsLinkedNotCreated(t *testing.T) {
	h := newHarness(t, setup{})
	// Someone subscribed season 1 in MoviePilot by hand.
	one := 1
	if _, err := h.client.Create(context.Background(), moviepilot.SubscribeRequest{Name: "BB", MediaType: "tv", TMDBID: 1396, Season: &one}); err != nil {
		t.Fatal(err)
	}
	before := h.mp.CreateCount()
	id := h.enqueue(tvIn(3, 1396, 1, 2))
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusSuccess || itemStates(tk) != "s1=existing,s2=subscribed" {
		t.Fatalf("task %s %s", tk.Status, itemStates(tk))
	}
	if got := h.mp.CreateCount() - before; got != 1 {
		t.Fatalf("%d creates, want 1 (season 2 only)", got)
	}
}

// TestCrashBetweenCreateAndRecord: MoviePilot stores the row but the answer never arrives.
// The retry's lookup finds it, so there is still exactly one subscription.
func TestCrashBetweenCreateAndRecord(t *testing.T) {
	h := newHarness(t, setup{})
	h.mp.CreateThenFailNext(1)
	id := h.enqueue(movieIn(4, 603))
	h.drain()
	tk := h.get(id)
	// The lost answer looks like an unreachable MoviePilot: the task waits for the probe.
	if tk.Status != task.StatusPending || tk.Attempts != 1 || h.w.State().Status != StatusUnreachable {
		t.Fatalf("after lost answer: %s attempts %d worker %s", tk.Status, tk.Attempts, h.w.State().Status)
	}
	h.clock.Advance(2 * time.Hour)
	h.drain()
	tk = h.get(id)
	if tk.Status != task.StatusSuccess || itemStates(tk) != "movie=existing" {
		t.Fatalf("after retry: %s %s", tk.Status, itemStates(tk))
	}
	if n := len(h.mp.Subscriptions()); n != 1 {
		t.Fatalf("%d subscriptions, want exactly 1", n)
	}
}

// TestOutageThenRecovery: while MoviePilot is down the worker makes one probe call at a
// time (1s doubling to 5s), no waiting task is tried or spends an attempt, and when MoviePilot
// answers again every waiting task goes at once — within one probe interval (≤ 6s).
func TestOutageThenRecovery(t *testing.T) {
	h := newHarness(t, setup{})
	a := h.enqueue(movieIn(5, 550))
	b := h.enqueue(movieIn(51, 551))
	c := h.enqueue(tvIn(52, 1552, 1, 2))
	h.mp.SetDown(true)
	start := h.clock.Now()
	h.drain()
	if tk := h.get(a); tk.Status != task.StatusPending || tk.Attempts != 1 || !tk.NextAttemptAt.Equal(start) || tk.LastError == "" {
		t.Fatalf("task A after the first failure: %s attempts %d next %v err %q", tk.Status, tk.Attempts, tk.NextAttemptAt, tk.LastError)
	}
	st := h.w.State()
	if st.Status != StatusUnreachable || st.PausedUntil == nil || !strings.Contains(st.Reason, "MoviePilot unreachable since") {
		t.Fatalf("worker state %+v", st)
	}
	callsAtFailure := len(h.mp.Calls())

	// A 10s outage: probe after probe fails; nothing else is called.
	var gaps []time.Duration
	last := h.clock.Now()
	for h.clock.Now().Sub(start) < 10*time.Second {
		next := *h.w.State().PausedUntil
		gaps = append(gaps, next.Sub(last))
		h.clock.Advance(next.Sub(h.clock.Now()))
		last = next
		if rep := h.drain(); rep.Processed != 0 {
			t.Fatalf("a task was tried during the outage: %+v", rep)
		}
	}
	if want := "[1s 2s 4s 5s]"; fmt.Sprint(gaps) != want {
		t.Fatalf("probe schedule %v, want %s", gaps, want)
	}
	if probes := len(h.mp.Calls()) - callsAtFailure; probes != len(gaps) {
		t.Fatalf("%d MoviePilot calls during the outage, want one probe per interval (%d)", probes, len(gaps))
	}
	for _, id := range []string{b, c} {
		if tk := h.get(id); tk.Attempts != 0 || len(tk.History) != 1 {
			t.Fatalf("waiting task %s was tried: attempts %d history %+v", id, tk.Attempts, tk.History)
		}
	}

	// MoviePilot is back: the next probe is answered and everything goes in the same drain.
	h.mp.SetDown(false)
	recovered := h.clock.Now()
	next := *h.w.State().PausedUntil
	h.clock.Advance(next.Sub(h.clock.Now()))
	if rep := h.drain(); rep.Processed != 3 {
		t.Fatalf("processed %d after recovery, want all 3", rep.Processed)
	}
	if d := h.clock.Now().Sub(recovered); d > 10*time.Second {
		t.Fatalf("delivered %v after recovery, want within 10s", d)
	}
	// Attempts count the delivering attempt too: A ran into the outage once.
	for id, attempts := range map[string]int{a: 2, b: 1, c: 1} {
		if tk := h.get(id); tk.Status != task.StatusSuccess || tk.Attempts != attempts {
			t.Fatalf("task %s after recovery: %s attempts %d (want %d)", id, tk.Status, tk.Attempts, attempts)
		}
	}
	if n := len(h.mp.Subscriptions()); n != 4 {
		t.Fatalf("%d subscriptions, want 4 (two movies, two seasons)", n)
	}
	if st := h.w.State(); st.Status != StatusRunning {
		t.Fatalf("worker after recovery %+v", st)
	}
}

// failCreateMP answers every create with a 503 while lookups work: MoviePilot is up, but
// fails this one request.
type failCreateMP struct{ MoviePilot }

func (failCreateMP) Subscribe(context.Context, moviepilot.SubscribeRequest) (*moviepilot.Created, error) {
	return nil, mpStatusErr(503, 0)
}

// TestMaxAttemptsFails: a request MoviePilot always fails on (while answering the probes)
// spends one attempt per round and ends, so it cannot hold the queue.
func TestMaxAttemptsFails(t *testing.T) {
	h := newHarness(t, setup{opts: func(o *Options) { o.MaxAttempts = 3 }})
	h.w.o.MoviePilot = failCreateMP{h.client}
	id := h.enqueue(movieIn(6, 551))
	for i := 0; i < 3; i++ {
		h.drain()
		if until := h.w.blockedUntil(); !until.IsZero() {
			h.clock.Advance(until.Sub(h.clock.Now()))
		}
	}
	tk := h.get(id)
	if tk.Status != task.StatusFailed || tk.Attempts != 3 || itemStates(tk) != "movie=failed" || !strings.Contains(tk.History[len(tk.History)-1].Summary, "gave up after 3 attempts") {
		t.Fatalf("task %s attempts %d items %s history %+v", tk.Status, tk.Attempts, itemStates(tk), tk.History)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(movieIn(7, 552))
	h.mp.RateLimitNext(1, 10*time.Minute)
	h.drain()
	tk := h.get(id)
	if got := tk.NextAttemptAt.Sub(h.clock.Now()); got != 10*time.Minute {
		t.Fatalf("next attempt in %v, want exactly Retry-After 10m", got)
	}
	h.clock.Advance(11 * time.Minute)
	h.drain()
	if tk := h.get(id); tk.Status != task.StatusSuccess {
		t.Fatalf("after Retry-After: %s", tk.Status)
	}
}

func TestPermanentAndBusinessErrors(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(tvIn(8, 1399, 1, 2))
	// Season 1: success:false (no episode count yet); season 2 goes through.
	h.mp.BusinessFailNext(1, "未获取到第 1 季的总集数")
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusPending || itemStates(tk) != "s1=pending,s2=subscribed" || !strings.Contains(tk.Items[0].LastError, "未获取到第 1 季的总集数") {
		t.Fatalf("business: %s %s %+v", tk.Status, itemStates(tk), tk.Items)
	}
	if d := tk.NextAttemptAt.Sub(h.clock.Now()); d < 15*time.Minute {
		t.Fatalf("business retry in %v, want the long backoff", d)
	}
	h.clock.Advance(time.Hour)
	h.drain()
	if tk := h.get(id); tk.Status != task.StatusSuccess {
		t.Fatalf("after business retry: %s %s", tk.Status, itemStates(tk))
	}

	// A 422 is permanent: failed at once, readable error, no retry. (One task first, so the
	// injected 422 hits the create, not the version probe.)
	h2 := newHarness(t, setup{})
	h2.enqueue(movieIn(90, 1553))
	h2.drain()
	id2 := h2.enqueue(movieIn(9, 553))
	h2.mp.FailNext(1, 422, `{"detail":[{"loc":["body","tmdbid"],"msg":"value is not a valid integer","type":"type_error.integer"}]}`)
	h2.drain()
	tk2 := h2.get(id2)
	if tk2.Status != task.StatusFailed || !strings.Contains(tk2.LastError, "422") {
		t.Fatalf("422: %s %q", tk2.Status, tk2.LastError)
	}
}

func TestAuthPauseAndResume(t *testing.T) {
	h := newHarness(t, setup{mpConfig: func(c *moviepilot.Config) { c.Token = "wrong-token-0123456789" }})
	id := h.enqueue(movieIn(10, 554))
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusPending || tk.Attempts != 0 {
		t.Fatalf("auth failure spent an attempt: %s attempts %d", tk.Status, tk.Attempts)
	}
	st := h.w.State()
	if st.Status != "paused" || !strings.Contains(st.Reason, "moviepilot auth failing") || st.PausedUntil == nil {
		t.Fatalf("state %+v", st)
	}
	// While paused, Drain does not touch the queue.
	calls := len(h.mp.Calls())
	if rep := h.drain(); rep.Processed != 0 || len(h.mp.Calls()) != calls {
		t.Fatalf("paused worker made calls: %+v", rep)
	}
	// Credentials fixed (here: swap the client), pause over → delivered, running again.
	good, err := moviepilot.New(moviepilot.Config{BaseURL: h.mp.URL(), Scheme: moviepilot.AuthXAPIKey, Token: apiToken})
	if err != nil {
		t.Fatal(err)
	}
	h.w.o.MoviePilot = good
	h.w.mu.Lock()
	h.w.pausedUntil = time.Time{}
	h.w.mu.Unlock()
	h.clock.Advance(time.Hour) // the task was rescheduled for the end of the pause
	h.drain()
	if tk := h.get(id); tk.Status != task.StatusSuccess {
		t.Fatalf("after resume: %s", tk.Status)
	}
	if st := h.w.State(); st.Status != "running" {
		t.Fatalf("state after resume %+v", st)
	}
}

func TestLoginReloginAfterMoviePilotRestart(t *testing.T) {
	h := newHarness(t, setup{
		mpOpts: mptest.Options{Users: map[string]string{"admin": "pw-123456"}},
		mpConfig: func(c *moviepilot.Config) {
			c.Scheme, c.Token, c.Username, c.Password = moviepilot.AuthLogin, "", "admin", "pw-123456"
		},
	})
	a := h.enqueue(movieIn(11, 555))
	h.drain()
	h.mp.Restart() // every JWT dies
	b := h.enqueue(movieIn(12, 556))
	h.drain()
	if h.get(a).Status != task.StatusSuccess || h.get(b).Status != task.StatusSuccess {
		t.Fatalf("tasks %s %s", h.get(a).Status, h.get(b).Status)
	}
	if h.mp.LoginCount() != 2 {
		t.Fatalf("%d logins, want 2 (one re-login after the restart)", h.mp.LoginCount())
	}
}

func TestV3EndToEnd(t *testing.T) {
	h := newHarness(t, setup{mpOpts: mptest.Options{Version: mptest.V3, APIToken: apiToken, AcceptAPIKey: true}})
	id := h.enqueue(tvIn(13, 94997, 1))
	m := h.enqueue(movieIn(14, 27205))
	h.drain()
	if h.get(id).Status != task.StatusSuccess || h.get(m).Status != task.StatusSuccess {
		t.Fatalf("v3: %s %s", h.get(id).Status, h.get(m).Status)
	}
	for _, s := range h.mp.Subscriptions() {
		if s.MediaSource != "themoviedb" || s.MediaID == "" {
			t.Fatalf("v3 identity missing: %+v", s)
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	h := newHarness(t, setup{opts: func(o *Options) { o.DryRun = true }})
	id := h.enqueue(tvIn(15, 1400, 1, 2))
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusPending || tk.Attempts != 0 || h.mp.CreateCount() != 0 {
		t.Fatalf("dry run: %s attempts %d creates %d", tk.Status, tk.Attempts, h.mp.CreateCount())
	}
	for _, c := range h.mp.Calls() {
		if c.Method != "GET" {
			t.Fatalf("dry run made a write: %+v", c)
		}
	}
	logs := h.logs.String()
	if strings.Count(logs, "dry run: would create") != 2 || !strings.Contains(logs, `"type":"电视剧"`) {
		t.Fatalf("dry-run payloads not logged:\n%s", logs)
	}
	if h.w.State().Status != "dry-run" {
		t.Fatalf("state %+v", h.w.State())
	}
}

func TestCancelledPendingIsNeverSent(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(movieIn(16, 557))
	if _, err := h.store.Cancel(context.Background(), id, "operator"); err != nil {
		t.Fatal(err)
	}
	h.drain()
	if h.get(id).Status != task.StatusCancelled || len(h.mp.Calls()) != 0 {
		t.Fatalf("cancelled task was sent: %+v", h.mp.Calls())
	}
}

// cancellingMP cancels the task after the first create, as an operator would mid-run.
type cancellingMP struct {
	MoviePilot
	store *taskdb.Store
	id    string
	once  sync.Once
}

func (c *cancellingMP) Subscribe(ctx context.Context, req moviepilot.SubscribeRequest) (*moviepilot.Created, error) {
	created, err := c.MoviePilot.Subscribe(ctx, req)
	c.once.Do(func() { _, _ = c.store.Cancel(context.Background(), c.id, "operator stop") })
	return created, err
}

func TestCancelWhileRunningStopsBeforeNextCall(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(tvIn(17, 1401, 1, 2, 3))
	h.w.o.MoviePilot = &cancellingMP{MoviePilot: h.client, store: h.store, id: id}
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusCancelled || h.mp.CreateCount() != 1 || itemStates(tk) != "s1=subscribed,s2=pending,s3=pending" {
		t.Fatalf("status %s creates %d items %s", tk.Status, h.mp.CreateCount(), itemStates(tk))
	}
}

// TestRateLimitNeverExceeded runs 30 tasks through a 20/s bucket: every call the worker
// makes to MoviePilot (the version detection too) takes a slot from the client's limiter, and
// the limiter scheduled no two of them closer than 1/rate. The test reads the limiter's
// schedule, not the gaps the fake measured, which a loaded machine shrinks or stretches.
func TestRateLimitNeverExceeded(t *testing.T) {
	const perSec = 20.0
	var mu sync.Mutex
	var slots []time.Time
	h := newHarness(t, setup{
		mpConfig: func(c *moviepilot.Config) {
			c.RatePerSec = perSec
			c.Paced = func(at time.Time) { mu.Lock(); slots = append(slots, at); mu.Unlock() }
		},
		opts: func(o *Options) { o.Now = time.Now },
	})
	for i := 0; i < 30; i++ {
		h.enqueue(movieIn(100+i, 1000+i))
	}
	h.drain()
	calls := h.mp.Calls()
	if len(calls) < 90 {
		t.Fatalf("%d calls, want ≥ 90 (lookup, create and read-back per task)", len(calls))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(slots) != len(calls) {
		t.Fatalf("%d calls reached MoviePilot, %d went through the limiter", len(calls), len(slots))
	}
	// Burst 1: consecutive slots at least 1/rate apart (1 µs for the limiter's arithmetic),
	// so over any window of length d at most 1 + rate·d calls.
	const minGap = time.Duration(float64(time.Second)/perSec) - time.Microsecond
	for i := 1; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-1]); gap < minGap {
			t.Fatalf("calls %d and %d scheduled %s apart (want ≥ %s)", i-1, i, gap, minGap)
		}
	}
}

// fakeSeerr answers GetRequest from a map; missing → ErrNotFound; down → a temporary error;
// badKey → what a wrong JELLY_API_KEY gets (403).
type fakeSeerr struct {
	reqs   map[int]*seerr.Request
	down   bool
	badKey bool
}

func (f *fakeSeerr) GetRequest(_ context.Context, id int) (*seerr.Request, error) {
	if f.down {
		return nil, errors.New("dial tcp: connection refused")
	}
	if f.badKey {
		return nil, fmt.Errorf("get request %d: HTTP 403: %w", id, seerr.ErrUnauthorized)
	}
	r, ok := f.reqs[id]
	if !ok {
		return nil, fmt.Errorf("get request %d: %w", id, seerr.ErrNotFound)
	}
	return r, nil
}

func (f *fakeSeerr) MediaDetails(_ context.Context, _ string, tmdbID int) (string, int, error) {
	return fmt.Sprintf("Title %d", tmdbID), 2021, nil
}

func TestSeerrConfirmation(t *testing.T) {
	approvedTV := &seerr.Request{ID: 20, Status: seerr.RequestApproved, Type: "tv",
		Media: seerr.Media{TMDBID: 1500, MediaType: "tv", Status: seerr.MediaProcessing}, Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}, {SeasonNumber: 2}}}
	declined := &seerr.Request{ID: 21, Status: seerr.RequestDeclined, Type: "movie", Media: seerr.Media{TMDBID: 1501}}
	available := &seerr.Request{ID: 23, Status: seerr.RequestCompleted, Type: "movie", Media: seerr.Media{TMDBID: 1503, Status: seerr.MediaAvailable}}
	fs := &fakeSeerr{reqs: map[int]*seerr.Request{20: approvedTV, 21: declined, 23: available}}
	h := newHarness(t, setup{opts: func(o *Options) { o.Seerr = fs; o.Titler = fs }})

	// Webhook without seasons: Seerr supplies them; reconcile-style task without title gets one.
	tv := h.enqueue(task.Input{RequestID: 20, TMDBID: 1500, MediaType: task.TypeTV})
	dec := h.enqueue(movieIn(21, 1501))
	gone := h.enqueue(movieIn(22, 1502))
	avail := h.enqueue(movieIn(23, 1503))
	h.drain()

	if tk := h.get(tv); tk.Status != task.StatusSuccess || itemStates(tk) != "s1=subscribed,s2=subscribed" || tk.Input.Title != "Title 1500" {
		t.Fatalf("confirmed tv: %s %s %q", tk.Status, itemStates(tk), tk.Input.Title)
	}
	if tk := h.get(dec); tk.Status != task.StatusCancelled || tk.Reason != "declined in Seerr" {
		t.Fatalf("declined: %s %q", tk.Status, tk.Reason)
	}
	if tk := h.get(gone); tk.Status != task.StatusCancelled || !strings.Contains(tk.Reason, "no longer exists") {
		t.Fatalf("gone: %s %q", tk.Status, tk.Reason)
	}
	if tk := h.get(avail); tk.Status != task.StatusSuccess || itemStates(tk) != "movie=skipped" {
		t.Fatalf("available: %s %s", tk.Status, itemStates(tk))
	}
	if got := subsSummary(h.mp.Subscriptions()); got != "电视剧/1500/1,电视剧/1500/2" {
		t.Fatalf("MoviePilot got %s", got)
	}
}

// TestSeerrWrongKeyIsNotUnreachable: a 403 from Seerr is a wrong JELLY_API_KEY, and the task
// and the log say so (with the fix) instead of calling Seerr unreachable.
func TestSeerrWrongKeyIsNotUnreachable(t *testing.T) {
	fs := &fakeSeerr{badKey: true}
	h := newHarness(t, setup{opts: func(o *Options) { o.Seerr = fs }})
	id := h.enqueue(movieIn(50, 1800))
	h.drain()
	tk := h.get(id)
	last := tk.History[len(tk.History)-1].Summary
	if tk.Status != task.StatusSuccess || strings.Contains(last, "unreachable") || !strings.Contains(last, "check JELLY_API_KEY") {
		t.Fatalf("task %s, summary %q", tk.Status, last)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "JELLY_API_KEY") || strings.Contains(logs, "could not confirm") {
		t.Fatalf("log does not name the key problem:\n%s", logs)
	}
}

func TestUnknownSeasonsWaitNeverGuess(t *testing.T) {
	fs := &fakeSeerr{down: true}
	h := newHarness(t, setup{opts: func(o *Options) { o.Seerr = fs }})
	id := h.enqueue(task.Input{RequestID: 30, TMDBID: 1600, MediaType: task.TypeTV, Title: "X"})
	for i := 0; i < 4; i++ {
		h.drain()
		h.clock.Advance(2 * time.Hour)
	}
	tk := h.get(id)
	if tk.Status != task.StatusPending || tk.Attempts != 0 || !strings.Contains(tk.Reason, "never guesses") || len(h.mp.Calls()) != 0 {
		t.Fatalf("waiting task: %s attempts %d reason %q calls %d", tk.Status, tk.Attempts, tk.Reason, len(h.mp.Calls()))
	}
	// Seerr comes back with the seasons: delivered.
	fs.down = false
	fs.reqs = map[int]*seerr.Request{30: {ID: 30, Status: seerr.RequestApproved, Type: "tv", Media: seerr.Media{TMDBID: 1600}, Seasons: []seerr.SeasonRequest{{SeasonNumber: 3}}}}
	h.drain()
	if tk := h.get(id); tk.Status != task.StatusSuccess || itemStates(tk) != "s3=subscribed" {
		t.Fatalf("after Seerr is back: %s %s", tk.Status, itemStates(tk))
	}
}

func TestNewSeasonsDuringAttemptReopen(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(tvIn(40, 1700, 1))
	h.w.o.MoviePilot = &enqueueingMP{MoviePilot: h.client, h: h, in: tvIn(40, 1700, 2)}
	h.drain()
	tk := h.get(id)
	// Season 1 done; season 2 arrived mid-attempt → the task went again in the same drain or is pending.
	h.drain()
	tk = h.get(id)
	if tk.Status != task.StatusSuccess || itemStates(tk) != "s1=subscribed,s2=subscribed" {
		t.Fatalf("status %s items %s history %+v", tk.Status, itemStates(tk), tk.History)
	}
}

type enqueueingMP struct {
	MoviePilot
	h    *harness
	in   task.Input
	once sync.Once
}

func (e *enqueueingMP) Subscribe(ctx context.Context, req moviepilot.SubscribeRequest) (*moviepilot.Created, error) {
	e.once.Do(func() { e.h.enqueue(e.in) })
	return e.MoviePilot.Subscribe(ctx, req)
}

func TestRunWakesOnNewWorkAndStops(t *testing.T) {
	h := newHarness(t, setup{opts: func(o *Options) { o.Now = time.Now }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.w.Run(ctx) }()
	id := h.enqueue(movieIn(50, 1800))
	deadline := time.Now().Add(testbudget.Budget(t))
	for h.get(id).Status != task.StatusSuccess {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered in time: %s", h.get(id).Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testbudget.Budget(t)):
		t.Fatal("Run did not stop")
	}
	if st := h.w.State(); st.Status != "stopped" {
		t.Fatalf("state after stop %+v", st)
	}
}

func TestDelaySchedule(t *testing.T) {
	w := &Worker{o: Options{Rand: func() float64 { return 0.5 }}}
	cases := []struct {
		n    int
		want time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {5, 8 * time.Minute}, {12, 6 * time.Hour}, {100, 6 * time.Hour}}
	for _, c := range cases {
		if got := w.delay(c.n, 30*time.Second, 6*time.Hour); got != c.want {
			t.Errorf("delay(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	w.o.Rand = func() float64 { return 0 }
	if got := w.delay(1, 30*time.Second, time.Hour); got != 24*time.Second {
		t.Errorf("low jitter %v", got)
	}
}

// faultMP answers the next MoviePilot calls with scripted errors, then passes them through;
// it records every call (op, TMDB id, time on the worker's clock).
type faultMP struct {
	MoviePilot
	now func() time.Time

	mu     sync.Mutex
	faults []error
	calls  []mpCall
}

type mpCall struct {
	op   string
	tmdb int
	at   time.Time
}

func (f *faultMP) call(op string, tmdb int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, mpCall{op: op, tmdb: tmdb, at: f.now()})
	if len(f.faults) == 0 {
		return nil
	}
	err := f.faults[0]
	f.faults = f.faults[1:]
	return err
}

func (f *faultMP) Lookup(ctx context.Context, tmdbID int, season *int) (*moviepilot.Subscription, error) {
	if err := f.call("lookup", tmdbID); err != nil {
		return nil, err
	}
	return f.MoviePilot.Lookup(ctx, tmdbID, season)
}

func (f *faultMP) Subscribe(ctx context.Context, req moviepilot.SubscribeRequest) (*moviepilot.Created, error) {
	if err := f.call("create", req.TMDBID); err != nil {
		return nil, err
	}
	return f.MoviePilot.Subscribe(ctx, req)
}

func (f *faultMP) Calls() []mpCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mpCall(nil), f.calls...)
}

// mpStatusErr is what the client returns for a 429/503, with the parsed Retry-After.
func mpStatusErr(status int, retryAfter time.Duration) error {
	return &moviepilot.Error{Op: "lookup", Status: status, Class: moviepilot.ClassRetry, Message: "slow down", RetryAfter: retryAfter}
}

func lastOutcome(tk task.Task) string {
	if len(tk.History) == 0 {
		return ""
	}
	return tk.History[len(tk.History)-1].Outcome
}

// TestRetryAfterHoldsEveryCall: a 429/503 with Retry-After on task A holds every MoviePilot
// call, task B's included, until Retry-After has passed on the worker's clock (capped at 5m);
// no attempt is spent, and the throttled task goes again exactly at Retry-After.
func TestRetryAfterHoldsEveryCall(t *testing.T) {
	cases := []struct {
		name         string
		err          error
		wantHold     time.Duration // 0: no hold, B goes in the same drain
		wantAttempts int
		wantOutcome  string
		wantNext     time.Duration // task A's next attempt, from the 429/503
	}{
		{"429 Retry-After 2s", mpStatusErr(429, 2*time.Second), 2 * time.Second, 0, "throttled", 2 * time.Second},
		{"429 Retry-After 1h: hold capped at 5m, the task waits the hour", mpStatusErr(429, time.Hour), 5 * time.Minute, 0, "throttled", time.Hour},
		{"503 Retry-After 3s", mpStatusErr(503, 3*time.Second), 3 * time.Second, 0, "throttled", 3 * time.Second},
		{"503 Retry-After 10m: hold capped", mpStatusErr(503, 10*time.Minute), 5 * time.Minute, 0, "throttled", 10 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, setup{})
			f := &faultMP{MoviePilot: h.client, now: h.clock.Now, faults: []error{c.err}}
			h.w.o.MoviePilot = f
			a := h.enqueue(movieIn(60, 2001))
			b := h.enqueue(movieIn(61, 2002))
			start := h.clock.Now()

			h.drain()
			tkA := h.get(a)
			if tkA.Status != task.StatusPending || tkA.Attempts != c.wantAttempts || lastOutcome(tkA) != c.wantOutcome {
				t.Fatalf("task A: %s attempts %d (want %d) outcome %q (want %q)", tkA.Status, tkA.Attempts, c.wantAttempts, lastOutcome(tkA), c.wantOutcome)
			}
			if got := tkA.NextAttemptAt.Sub(start); got != c.wantNext {
				t.Fatalf("task A next attempt in %v, want %v", got, c.wantNext)
			}
			if calls := f.Calls(); calls[0].tmdb != 2001 {
				t.Fatalf("first call %+v, want task A's", calls[0])
			}

			if c.wantHold == 0 {
				if tk := h.get(b); tk.Status != task.StatusSuccess {
					t.Fatalf("no Retry-After, yet task B was held: %s", tk.Status)
				}
				return
			}
			st := h.w.State()
			if st.Status != "throttled" || st.PausedUntil == nil || !st.PausedUntil.Equal(start.Add(c.wantHold)) ||
				!strings.Contains(st.Reason, "MoviePilot asked to wait") || strings.Contains(st.Reason, "auth") {
				t.Fatalf("state %+v, want throttled until +%v", st, c.wantHold)
			}
			// Held: no call for B right after, nor just before the hold ends.
			for _, at := range []time.Duration{0, c.wantHold - time.Second} {
				h.clock.Advance(start.Add(at).Sub(h.clock.Now()))
				if rep := h.drain(); rep.Processed != 0 || len(f.Calls()) != 1 {
					t.Fatalf("at +%v of a %v hold: processed %d, %d MoviePilot calls (want 1): %+v", at, c.wantHold, rep.Processed, len(f.Calls()), f.Calls())
				}
			}
			if tk := h.get(b); tk.Status != task.StatusPending || len(tk.History) != 1 {
				t.Fatalf("task B touched during the hold: %s %+v", tk.Status, tk.History)
			}
			// Hold over: B goes (and A too when its Retry-After is the hold).
			h.clock.Advance(start.Add(c.wantHold).Sub(h.clock.Now()))
			h.drain()
			if tk := h.get(b); tk.Status != task.StatusSuccess {
				t.Fatalf("task B after the hold: %s", tk.Status)
			}
			for _, call := range f.Calls()[1:] {
				if call.at.Before(start.Add(c.wantHold)) {
					t.Fatalf("call %+v during the hold, want every call at ≥ +%v", call, c.wantHold)
				}
			}
			if st := h.w.State(); st.Status != "running" || st.PausedUntil != nil {
				t.Fatalf("state after the hold %+v", st)
			}
			h.clock.Advance(tkA.NextAttemptAt.Sub(h.clock.Now()))
			h.drain()
			if tk := h.get(a); tk.Status != task.StatusSuccess || tk.Attempts != c.wantAttempts+1 {
				t.Fatalf("task A at its next attempt: %s attempts %d", tk.Status, tk.Attempts)
			}
		})
	}
}

// TestThrottleNeverSpendsAttempts: a task rate-limited more often than MAX_ATTEMPTS is not
// failed; it goes again at each Retry-After and is delivered once MoviePilot lets it.
func TestThrottleNeverSpendsAttempts(t *testing.T) {
	h := newHarness(t, setup{opts: func(o *Options) { o.MaxAttempts = 2 }})
	id := h.enqueue(movieIn(62, 2003))
	// Four 429s scripted, then a fifth from the fake server through the real client (header
	// parsed, 429 classified).
	var faults []error
	for i := 0; i < 4; i++ {
		faults = append(faults, mpStatusErr(429, time.Second))
	}
	f := &faultMP{MoviePilot: h.client, now: h.clock.Now, faults: faults}
	h.mp.RateLimitNext(1, time.Second)
	h.w.o.MoviePilot = f
	var nexts []time.Duration
	for i := 0; i < 5; i++ {
		h.drain()
		tk := h.get(id)
		if tk.Status != task.StatusPending || tk.Attempts != 0 || lastOutcome(tk) != "throttled" ||
			!strings.Contains(tk.History[len(tk.History)-1].Summary, "no attempt counted") || !strings.Contains(tk.LastError, "429") {
			// (each 429 here carries Retry-After: 1s)
			t.Fatalf("throttle %d: %s attempts %d history %+v lastError %q", i+1, tk.Status, tk.Attempts, tk.History, tk.LastError)
		}
		nexts = append(nexts, tk.NextAttemptAt.Sub(h.clock.Now()))
		h.clock.Advance(tk.NextAttemptAt.Sub(h.clock.Now()))
	}
	want := []time.Duration{time.Second, time.Second, time.Second, time.Second, time.Second}
	if fmt.Sprint(nexts) != fmt.Sprint(want) {
		t.Fatalf("next attempts while throttled %v, want Retry-After each time %v", nexts, want)
	}
	h.drain()
	if tk := h.get(id); tk.Status != task.StatusSuccess || tk.Attempts != 1 {
		t.Fatalf("after the throttling: %s attempts %d, want only the delivering one", tk.Status, tk.Attempts)
	}
	if n := mptest.CountStatus(h.mp.Calls(), 429); n != 1 {
		t.Fatalf("the fake server answered 429 %d times, want 1", n)
	}
}

// TestRunHoldsForRetryAfter: Run itself waits out the hold before it claims the next task
// (real clock, a 300ms Retry-After).
func TestRunHoldsForRetryAfter(t *testing.T) {
	const retryAfter = 300 * time.Millisecond
	h := newHarness(t, setup{opts: func(o *Options) { o.Now = time.Now }})
	f := &faultMP{MoviePilot: h.client, now: time.Now, faults: []error{mpStatusErr(429, retryAfter)}}
	h.w.o.MoviePilot = f
	h.enqueue(movieIn(63, 2004))
	b := h.enqueue(movieIn(64, 2005))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.w.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(testbudget.Budget(t))
	for h.get(b).Status != task.StatusSuccess {
		if time.Now().After(deadline) {
			t.Fatalf("task B not delivered in time: %s", h.get(b).Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	calls := f.Calls()
	if len(calls) < 2 || calls[0].tmdb != 2004 || calls[1].tmdb != 2005 {
		t.Fatalf("calls %+v", calls)
	}
	if gap := calls[1].at.Sub(calls[0].at); gap < retryAfter {
		t.Fatalf("next MoviePilot call %v after the 429, want ≥ Retry-After %v", gap, retryAfter)
	}
}

// TestRateLimitWithoutRetryAfterWaitsForMoviePilot: a 429 without Retry-After is handled like
// an outage (the worker probes, everything waits), and spends no attempt.
func TestRateLimitWithoutRetryAfterWaitsForMoviePilot(t *testing.T) {
	h := newHarness(t, setup{opts: func(o *Options) { o.MaxAttempts = 1 }})
	f := &faultMP{MoviePilot: h.client, now: h.clock.Now, faults: []error{mpStatusErr(429, 0), mpStatusErr(429, 0)}}
	h.w.o.MoviePilot = f
	a := h.enqueue(movieIn(70, 2070))
	b := h.enqueue(movieIn(71, 2071))
	h.drain()
	if tk := h.get(a); tk.Status != task.StatusPending || tk.Attempts != 0 {
		t.Fatalf("task A after a 429: %s attempts %d", tk.Status, tk.Attempts)
	}
	if st := h.w.State(); st.Status != StatusUnreachable {
		t.Fatalf("state %+v", st)
	}
	// The first probe is rate-limited too: the next waits longer; then both go.
	for i := 0; i < 2; i++ {
		h.clock.Advance(h.w.blockedUntil().Sub(h.clock.Now()))
		h.drain()
	}
	for _, id := range []string{a, b} {
		if tk := h.get(id); tk.Status != task.StatusSuccess || tk.Attempts != 1 {
			t.Fatalf("task %s: %s attempts %d, want only the delivering one", id, tk.Status, tk.Attempts)
		}
	}
	if calls := f.Calls(); len(calls) < 2 || calls[1].tmdb != 2070 || calls[1].op != "lookup" {
		t.Fatalf("calls %+v: want the probe (a lookup of task A's item) second", calls)
	}
}

// A delivered task counts the attempt that delivered it, and its log lines carry the title.
func TestDeliveredCountsItsAttemptAndLogsTitle(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(movieIn(90, 27206))
	h.drain()
	if tk := h.get(id); tk.Status != task.StatusSuccess || tk.Attempts != 1 {
		t.Fatalf("delivered task: %s attempts %d, want 1", tk.Status, tk.Attempts)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"title":"Inception"`) {
		t.Fatalf("worker log lines name no title:\n%s", logs)
	}
}

// Only specials under TV_SPECIALS=exclude: the task finishes, but says nothing was subscribed
// (outcome "nothing-sent", a reason naming the exclusion), instead of a plain success.
func TestSpecialsOnlyIsNothingSent(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(tvIn(91, 1397, 0))
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusSuccess || itemStates(tk) != "s0=skipped" || len(h.mp.Subscriptions()) != 0 {
		t.Fatalf("specials-only task: %s %s, %d subscriptions", tk.Status, itemStates(tk), len(h.mp.Subscriptions()))
	}
	if lastOutcome(tk) != OutcomeNothingSent || !strings.Contains(tk.Reason, "nothing was subscribed") ||
		!strings.Contains(tk.Reason, "TV_SPECIALS=exclude") {
		t.Fatalf("outcome %q reason %q", lastOutcome(tk), tk.Reason)
	}
	// A normal delivery is a plain success with no reason.
	id2 := h.enqueue(tvIn(92, 1398, 0, 1))
	h.drain()
	if tk := h.get(id2); lastOutcome(tk) != "success" || tk.Reason != "" {
		t.Fatalf("S0+S1: outcome %q reason %q", lastOutcome(tk), tk.Reason)
	}
}

// Webhook-only (no Seerr to ask), a TV approval naming no seasons fails at once with the fix,
// instead of waiting forever with 0 attempts.
func TestNoSeasonsWebhookOnlyFailsWithFix(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(task.Input{RequestID: 93, TMDBID: 1601, MediaType: task.TypeTV, Title: "X"})
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusFailed || len(h.mp.Calls()) != 0 {
		t.Fatalf("no seasons, no Seerr: %s, %d MoviePilot calls", tk.Status, len(h.mp.Calls()))
	}
	for _, want := range []string{"JELLY_URL", "Requested Seasons", "retry"} {
		if !strings.Contains(tk.LastError, want) {
			t.Fatalf("error %q does not say %q", tk.LastError, want)
		}
	}
}

// With Seerr configured but never naming the seasons, the wait is bounded: after
// maxSeasonWaits checks (about 7 h) the task fails with the fix.
func TestNoSeasonsWaitIsBounded(t *testing.T) {
	fs := &fakeSeerr{reqs: map[int]*seerr.Request{94: {ID: 94, Status: seerr.RequestApproved, Type: "tv", Media: seerr.Media{TMDBID: 1602}}}}
	h := newHarness(t, setup{opts: func(o *Options) { o.Seerr = fs }})
	id := h.enqueue(task.Input{RequestID: 94, TMDBID: 1602, MediaType: task.TypeTV, Title: "Y"})
	start := h.clock.Now()
	for i := 0; i < maxSeasonWaits; i++ {
		h.drain()
		tk := h.get(id)
		if tk.Status != task.StatusPending || lastOutcome(tk) != "waiting" {
			t.Fatalf("check %d: %s %q", i+1, tk.Status, lastOutcome(tk))
		}
		h.clock.Advance(tk.NextAttemptAt.Sub(h.clock.Now()))
	}
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusFailed || !strings.Contains(tk.LastError, "JELLY_URL") || len(h.mp.Calls()) != 0 {
		t.Fatalf("after %d checks: %s %q", maxSeasonWaits, tk.Status, tk.LastError)
	}
	if waited := h.clock.Now().Sub(start); waited > 12*time.Hour || waited < 3*time.Hour {
		t.Fatalf("gave up after %v, want several hours and under a day", waited)
	}
}

// ownerThrottledMP creates the subscription, but its owner update was answered 429 with
// Retry-After (MoviePilot v2's PUT after the create).
type ownerThrottledMP struct {
	MoviePilot
	once sync.Once
}

func (o *ownerThrottledMP) Subscribe(ctx context.Context, req moviepilot.SubscribeRequest) (*moviepilot.Created, error) {
	c, err := o.MoviePilot.Subscribe(ctx, req)
	if err == nil {
		o.once.Do(func() {
			c.OwnerErr = fmt.Errorf("could not make %q the subscription's user: %w", req.Username, mpStatusErr(429, 2*time.Second))
		})
	}
	return c, err
}

// TestOwnerUpdateRetryAfterHoldsEveryCall: a 429 with Retry-After on the owner update (after
// the create succeeded) still holds every MoviePilot call until Retry-After has passed; the
// subscription itself stands.
func TestOwnerUpdateRetryAfterHoldsEveryCall(t *testing.T) {
	h := newHarness(t, setup{})
	f := &faultMP{MoviePilot: &ownerThrottledMP{MoviePilot: h.client}, now: h.clock.Now}
	h.w.o.MoviePilot = f
	a := h.enqueue(movieIn(80, 3001))
	b := h.enqueue(movieIn(81, 3002))
	h.drain()
	if tk := h.get(a); tk.Status != task.StatusSuccess || !strings.Contains(lastHistorySummary(tk), "owner not set") {
		t.Fatalf("task A: %s %+v", tk.Status, tk.History)
	}
	if tk := h.get(b); tk.Status != task.StatusPending || len(f.Calls()) != 2 {
		t.Fatalf("task B during the hold: %s, %d calls (want only A's lookup and create)", tk.Status, len(f.Calls()))
	}
	if st := h.w.State(); st.Status != StatusThrottled {
		t.Fatalf("worker %+v, want throttled", st)
	}
	h.clock.Advance(2 * time.Second)
	h.drain()
	if tk := h.get(b); tk.Status != task.StatusSuccess {
		t.Fatalf("task B after the hold: %s", tk.Status)
	}
}

func lastHistorySummary(tk task.Task) string {
	if len(tk.History) == 0 {
		return ""
	}
	return tk.History[len(tk.History)-1].Summary
}

// The auth pause follows its documented schedule (30 s doubling to 15 min) on the worker's
// clock and jitter source, and starts over once a MoviePilot call works.
func TestPauseSchedule(t *testing.T) {
	h := newHarness(t, setup{})
	var got []time.Duration
	for range 7 {
		h.w.pauseFor("401", zerolog.Nop())
		got = append(got, h.w.State().PausedUntil.Sub(h.clock.Now()))
	}
	h.w.markHealthy()
	h.w.pauseFor("401", zerolog.Nop())
	got = append(got, h.w.State().PausedUntil.Sub(h.clock.Now()))
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		15 * time.Minute, 15 * time.Minute, 30 * time.Second}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pauses %v, want %v", got, want)
	}
}

// An attempt's verdict: an early end stands; otherwise the items decide, a refusal outweighs
// a stall, and a stall outweighs a dry run.
func TestAttemptVerdict(t *testing.T) {
	pending := []task.Item{{State: task.ItemPending}}
	done := []task.Item{{State: task.ItemSubscribed}}
	failedItems := []task.Item{{State: task.ItemSubscribed}, {State: task.ItemFailed}}
	cases := []struct {
		name  string
		a     attempt
		items []task.Item
		want  verdict
	}{
		{"early end", attempt{end: waiting, refused: true}, pending, waiting},
		{"all done", attempt{refused: true}, done, delivered},
		{"an item failed", attempt{}, failedItems, failed},
		{"refused and stalled", attempt{refused: true, stall: unreachable}, pending, retry},
		{"stalled in a dry run", attempt{stall: throttled, wouldSend: true}, pending, throttled},
		{"dry run", attempt{wouldSend: true}, pending, dryRun},
		{"left to do", attempt{}, pending, retry},
	}
	for _, c := range cases {
		if got := c.a.verdict(c.items); got != c.want {
			t.Errorf("%s: verdict %d, want %d", c.name, got, c.want)
		}
	}
}
