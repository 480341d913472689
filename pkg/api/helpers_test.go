package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"
	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging/logtest"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

const token = "s3cret-admin-token-for-tests"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fakeWorker struct{ st worker.State }

func (w fakeWorker) State() worker.State { return w.st }

type fakeReconciler struct {
	mu    sync.Mutex
	opts  []reconcilepass.Options
	waits []bool
	sum   *reconcilepass.Summary
	runID string // the run id when sum is nil (a pass that outlives the wait); empty: none started
	err   error
	last  *reconcilepass.Summary
}

func (f *fakeReconciler) Trigger(_ context.Context, opts reconcilepass.Options, wait bool) reconcilepass.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts = append(f.opts, opts)
	f.waits = append(f.waits, wait)
	if f.sum == nil {
		return reconcilepass.Result{RunID: f.runID, Err: f.err}
	}
	s := *f.sum
	s.DryRun = opts.DryRun
	return reconcilepass.Result{RunID: s.RunID, Summary: &s, Err: f.err}
}

func (f *fakeReconciler) Last() *reconcilepass.Summary { return f.last }

// brokenStore fails every call, as a closed or unreadable database would.
type brokenStore struct{ err error }

func (b brokenStore) List(context.Context, taskdb.ListOptions) ([]task.Task, int, error) {
	return nil, 0, b.err
}
func (b brokenStore) Get(context.Context, string) (task.Task, error)   { return task.Task{}, b.err }
func (b brokenStore) Retry(context.Context, string) (task.Task, error) { return task.Task{}, b.err }
func (b brokenStore) Cancel(context.Context, string, string) (task.Task, error) {
	return task.Task{}, b.err
}
func (b brokenStore) Enqueue(context.Context, task.Source, task.Input) (taskdb.EnqueueResult, error) {
	return taskdb.EnqueueResult{}, b.err
}
func (b brokenStore) Stats(context.Context) (taskdb.Stats, error) { return taskdb.Stats{}, b.err }

// env is one API wired like production: behind AdminAuth, with a real bbolt store.
type env struct {
	store *taskdb.Store
	clock *clocktest.Clock
	rec   *fakeReconciler
	logs  *logtest.Sink
	h     http.Handler
	api   *api.API
}

type envOpts struct {
	store  api.Store // overrides the real store
	notify api.Notifier
	noRec  bool
	policy plan.Policy
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	c := clocktest.New(t0)
	st, err := taskdb.Open(filepath.Join(t.TempDir(), taskdb.FileName), taskdb.Options{Now: c.Now, BatchDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &env{store: st, clock: c, logs: &logtest.Sink{}}
	e.rec = &fakeReconciler{
		sum:  &reconcilepass.Summary{RunID: "run-1", StartedAt: t0, Outcome: "ok", Seen: 5, Approved: 3, Enqueued: 2, Merged: 1, Skipped: 2},
		last: &reconcilepass.Summary{RunID: "run-0", StartedAt: t0.Add(-time.Hour), Outcome: "ok", Seen: 1},
	}
	red := redact.New(token)
	writer := envelope.Writer{Scrub: red}
	opts := api.Options{
		Store:    st,
		Worker:   fakeWorker{st: worker.State{Status: "running", Since: t0}},
		Policy:   o.policy,
		Envelope: writer,
		Log:      e.logs.Logger(zerolog.TraceLevel),
		Now:      c.Now,
		Version:  "test",
	}
	if o.store != nil {
		opts.Store = o.store
	}
	opts.Notifier = o.notify
	if !o.noRec {
		opts.Reconciler = e.rec
	}
	a := api.New(opts)
	r := chi.NewRouter()
	r.Group(func(g chi.Router) {
		g.Use(server.AdminAuth(token, writer))
		a.Routes(g)
	})
	e.h, e.api = r, a
	return e
}

// answer is a decoded envelope.
type answer struct {
	Status int
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
	Raw    string
}

func (e *env) do(t *testing.T, method, path, body string, hdr ...string) answer {
	t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	a := answer{Status: rec.Code, Raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("%s %s: answer is not an envelope (%d): %q", method, path, rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	if strings.Contains(a.Raw, token) {
		t.Fatalf("%s %s: answer leaks the admin token", method, path)
	}
	return a
}

func (a answer) into(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.Data, v); err != nil {
		t.Fatalf("data %s: %v", a.Data, err)
	}
}

func (a answer) want(t *testing.T, status, code int, msgHas ...string) {
	t.Helper()
	if a.Status != status || a.Code != code {
		t.Fatalf("got %d/%d %q, want %d/%d", a.Status, a.Code, a.Msg, status, code)
	}
	for _, s := range msgHas {
		if !strings.Contains(a.Msg, s) {
			t.Fatalf("msg %q does not mention %q", a.Msg, s)
		}
	}
}

// seed enqueues a task and returns it.
func (e *env) seed(t *testing.T, src task.Source, in task.Input) task.Task {
	t.Helper()
	res, err := e.store.Enqueue(context.Background(), src, in)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	return res.Task
}

// claim makes the next due task running.
func (e *env) claim(t *testing.T) task.Task {
	t.Helper()
	tk, _, err := e.store.ClaimNext(context.Background(), time.Minute)
	if err != nil || tk == nil {
		t.Fatalf("claim: %v %v", tk, err)
	}
	return *tk
}

// fail marks a running task failed after some attempts.
func (e *env) fail(t *testing.T, id string) task.Task {
	t.Helper()
	tk, err := e.store.Update(context.Background(), id, func(tk *task.Task) error {
		tk.Status = task.StatusFailed
		tk.Attempts = 3
		tk.LastError = "moviepilot said no"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func movie(id int) task.Input {
	return task.Input{TMDBID: id, MediaType: task.TypeMovie, Title: "Movie"}
}

func seerrMovie(req, id int) task.Input {
	in := movie(id)
	in.RequestID = req
	return in
}

var errDisk = errors.New("open /data/seerrpilot.db: input/output error")
