package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/seerrpilot/seerrpilot/pkg/logging/logtest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// The real store must satisfy the interface the handler consumes.
var _ Store = (*taskdb.Store)(nil)

// fakeStore is an in-memory Store that dedupes by key like the real one.
type fakeStore struct {
	mu          sync.Mutex
	tasks       map[string]*task.Task
	seq         int
	enqueued    []task.Input // every Enqueue call that reached the store
	enqueueErr  error
	cancels     []string // "key|reason" per CancelUnsent call
	cancelFn    func(key string) (task.Task, error)
	enqueueHook func() // runs inside Enqueue without the lock, for concurrency tests
	discard     bool   // do not record calls (benchmarks)
}

func newFakeStore() *fakeStore { return &fakeStore{tasks: map[string]*task.Task{}} }

func (s *fakeStore) Enqueue(_ context.Context, src task.Source, in task.Input) (taskdb.EnqueueResult, error) {
	if s.enqueueHook != nil {
		s.enqueueHook()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.discard {
		s.enqueued = append(s.enqueued, in)
	}
	if s.enqueueErr != nil {
		return taskdb.EnqueueResult{}, s.enqueueErr
	}
	if err := in.Validate(); err != nil {
		return taskdb.EnqueueResult{}, err
	}
	if src != task.SourceWebhook {
		return taskdb.EnqueueResult{}, fmt.Errorf("%w: source %q", task.ErrInvalid, src)
	}
	key := in.Key()
	if t, ok := s.tasks[key]; ok {
		merged, changed := task.MergeSeasons(t.Input.Seasons, in.Seasons)
		if changed {
			t.Input.Seasons = merged
		}
		return taskdb.EnqueueResult{Task: *t, Changed: changed}, nil
	}
	s.seq++
	t := &task.Task{ID: task.FormatID(uint64(s.seq)), Key: key, Type: in.MediaType, Status: task.StatusPending, Source: src, Input: in}
	s.tasks[key] = t
	return taskdb.EnqueueResult{Task: *t, Created: true}, nil
}

func (s *fakeStore) CancelUnsent(_ context.Context, key, reason string) (task.Task, error) {
	s.mu.Lock()
	s.cancels = append(s.cancels, key+"|"+reason)
	fn := s.cancelFn
	s.mu.Unlock()
	if fn != nil {
		return fn(key)
	}
	return task.Task{}, task.ErrNotFound
}

func (s *fakeStore) counts() (enqueued, cancels int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.enqueued), len(s.cancels)
}

// fixture is a handler with a fake store and a captured debug log.
type fixture struct {
	h     *Handler
	store *fakeStore
	log   *logtest.Sink
}

func newFixture(secret string) *fixture {
	f := &fixture{store: newFakeStore(), log: &logtest.Sink{}}
	f.h = New(Options{
		Store:  f.store,
		Secret: secret,
		Log:    f.log.Logger(zerolog.DebugLevel),
	})
	return f
}

// answer is a decoded envelope plus the raw response.
type answer struct {
	Status int
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
	Raw    string
}

func (a answer) data(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.Data, &m); err != nil {
		t.Fatalf("data %s: %v", a.Data, err)
	}
	return m
}

// post sends body to h as Seerr would (POST, application/json) plus the given headers.
func post(t testing.TB, h http.Handler, body io.Reader, headers map[string]string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhook/jellyseerr", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "axios/1.7.9")
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{Status: rec.Code, Raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer is not an envelope: %v: %q", err, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("answer Content-Type = %q", ct)
	}
	return a
}

func postBytes(t testing.TB, h http.Handler, body []byte, headers map[string]string) answer {
	t.Helper()
	return post(t, h, bytes.NewReader(body), headers)
}

// render renders n with the real default template; it panics so that tables can use it.
func render(n seerrhook.Notification) []byte {
	b, err := seerrhook.Render(n)
	if err != nil {
		panic(err)
	}
	return b
}

// withOverride sets template variable overrides on n.
func withOverride(n seerrhook.Notification, kv ...string) seerrhook.Notification {
	n.Override = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Override[kv[i]] = kv[i+1]
	}
	return n
}

// setJSON decodes body, applies fn to the generic object and encodes it again.
func setJSON(body []byte, fn func(m map[string]any)) []byte {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		panic(err)
	}
	fn(m)
	out, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return out
}
