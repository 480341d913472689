package webhook_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/webhook"
)

// instantStore answers every Enqueue with a new task at once, so a benchmark measures the
// HTTP handler path alone.
type instantStore struct{ seq atomic.Uint64 }

func (s *instantStore) Enqueue(_ context.Context, src task.Source, in task.Input) (taskdb.EnqueueResult, error) {
	id := task.FormatID(s.seq.Add(1))
	return taskdb.EnqueueResult{Created: true, Task: task.Task{ID: id, Key: in.Key(), Type: in.MediaType,
		Status: task.StatusPending, Source: src, Input: in}}, nil
}

func (s *instantStore) CancelUnsent(context.Context, string, string) (task.Task, error) {
	return task.Task{}, task.ErrNotFound
}

// BenchmarkHandlerChain posts distinct approvals through the router as cmd/seerrpilot wires it
// (request id, access log, recoverer, redacting JSON logs at info, scrubbing envelope), onto a
// store that answers at once: the CPU cost of the handler path per webhook, store excluded.
func BenchmarkHandlerChain(b *testing.B) {
	body := newIntakeBody(b)
	const secret = "bench-secret"
	red := redact.New(secret)
	root, err := logging.New(io.Discard, "info", "json", red)
	if err != nil {
		b.Fatal(err)
	}
	env := envelope.Writer{Scrub: red}
	h := webhook.New(webhook.Options{Store: &instantStore{}, Secret: secret, Log: root, Envelope: env})
	router := server.NewRouter(server.Options{
		Log: logging.Component(root, "http"), Envelope: env, Readiness: server.NewReadiness(nil),
		Mount: func(r chi.Router) { h.Routes(r) },
	})
	bodies := make([][]byte, 1024)
	for i := range bodies {
		bodies[i] = body.make(i + 1)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/webhook/seerr", bytes.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", secret)
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}
