// Package api is the operator surface of seerrpilot: a small REST API under /api/v1 and the
// same operations as MCP tools at /mcp (streamable HTTP, official go-sdk).
//
// Both are thin adapters over one service layer (service.go): every rule — parameter
// validation, the manual subscription mapping, the error → {code,msg,data} mapping — lives
// there once. The REST adapter renders a reply as an HTTP status plus envelope; the MCP
// adapter renders the same reply as a tool result whose structured content is the envelope.
//
// Routes does not authenticate: the caller mounts it behind server.AdminAuth.
package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

// Store is the task queue as the operator API uses it; *taskdb.Store satisfies it.
type Store interface {
	List(ctx context.Context, opts taskdb.ListOptions) ([]task.Task, int, error)
	Get(ctx context.Context, id string) (task.Task, error)
	Retry(ctx context.Context, id string) (task.Task, error)
	Cancel(ctx context.Context, id, reason string) (task.Task, error)
	Enqueue(ctx context.Context, src task.Source, in task.Input) (taskdb.EnqueueResult, error)
	Stats(ctx context.Context) (taskdb.Stats, error)
}

// Reconciler runs reconcile passes (*reconcile.Poller satisfies it). The reconcile tool asks
// it through reconcilepass.Ask, the same trigger and answers as POST /reconcile.
type Reconciler interface {
	reconcilepass.Trigger
	Last() *reconcilepass.Summary
}

// Worker reports what the delivery worker is doing.
type Worker interface {
	State() worker.State
}

// Options are the API's dependencies. Store is required; Reconciler is nil when Seerr is not
// configured, Worker may be nil (stats then show no worker state).
type Options struct {
	Store      Store
	Reconciler Reconciler
	Worker     Worker
	// Notifier sends test notices (nil: notifications off).
	Notifier Notifier
	// Policy is the mapping policy manual subscriptions are checked against.
	Policy plan.Policy
	// Envelope writes every answer; set its Scrub so no secret leaves in a message.
	Envelope envelope.Writer
	Log      zerolog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Version is reported by stats and the MCP server info.
	Version string
}

// API serves the operator REST API and the MCP endpoint.
type API struct {
	svc *service
	env envelope.Writer
	log zerolog.Logger
	mcp http.Handler
}

// MaxBodyBytes bounds every request body of the operator API (REST and MCP).
const MaxBodyBytes = 64 << 10

// New builds the API. It panics if o.Store is nil: that is a wiring bug, not a runtime state.
func New(o Options) *API {
	if o.Store == nil {
		panic("api.New: Options.Store is nil")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	svc := &service{
		store:    o.Store,
		rec:      o.Reconciler,
		worker:   o.Worker,
		notifier: o.Notifier,
		policy:   o.Policy,
		now:      o.Now,
		log:      o.Log,
		version:  o.Version,
		wait:     reconcilepass.DefaultWait,
	}
	a := &API{svc: svc, env: o.Envelope, log: o.Log}
	srv := a.newMCPServer()
	a.mcp = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		// Stateless: no per-client session to leak; every tool call is self-contained.
		Stateless:           true,
		JSONResponse:        true,
		MaxRequestBodyBytes: MaxBodyBytes,
		// The SDK's DNS-rebinding guard refuses loopback connections whose Host is not
		// localhost, which is every reverse proxy on the same host (nginx → 127.0.0.1 with
		// Host: seerrpilot.example.com). /mcp needs the bearer token, which a rebinding
		// page cannot send, so the guard adds nothing here but would break those setups.
		DisableLocalhostProtection: true,
	})
	return a
}

// Routes mounts /api/v1/... and /mcp on r. The caller wraps r with server.AdminAuth.
func (a *API) Routes(r chi.Router) {
	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/tasks", a.listTasks)
		r.Get("/tasks/{id}", a.getTask)
		r.Post("/tasks/{id}/retry", a.retryTask)
		r.Post("/tasks/{id}/cancel", a.cancelTask)
		r.Post("/subscriptions", a.subscribe)
		r.Get("/stats", a.stats)
		r.Post("/notifications/test", a.testNotificationREST)
		r.NotFound(func(w http.ResponseWriter, req *http.Request) {
			a.env.Error(w, http.StatusNotFound, envelope.NotFound,
				"no such endpoint: "+server.EchoPath(req.Method)+" "+server.EchoPath(req.URL.Path)+"; see GET /api/v1/tasks, /api/v1/tasks/{id}, /api/v1/stats, POST /api/v1/tasks/{id}/retry|cancel, /api/v1/subscriptions")
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
			a.env.Error(w, http.StatusMethodNotAllowed, envelope.InvalidParam,
				"method "+server.EchoPath(req.Method)+" is not allowed on "+server.EchoPath(req.URL.Path))
		})
	})
	r.Handle("/mcp", a.boundMCP(a.mcp))
}

// boundMCP reads a POST body itself, up to MaxBodyBytes, so that a larger one is refused with
// the 413 envelope like the rest of the API (the SDK's own refusal is plain text).
func (a *API) boundMCP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		tooLarge := func() {
			a.env.Error(w, http.StatusRequestEntityTooLarge, envelope.InvalidParam,
				"the body is larger than 64 KiB; an MCP message is a few hundred bytes")
		}
		if r.ContentLength > MaxBodyBytes {
			tooLarge()
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		switch {
		case int64(len(body)) > MaxBodyBytes:
			tooLarge()
			return
		case err != nil:
			a.env.Error(w, http.StatusBadRequest, envelope.InvalidParam, "the body could not be read: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}
