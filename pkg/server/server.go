// Package server builds the HTTP side of seerrpilot: the chi router with request ids, panic
// recovery and a secret-free access log, the health endpoints, and an http.Server with timeouts.
// Feature routes (webhook, operator API, reconcile trigger, metrics) are mounted by the caller.
package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// Options are the router's dependencies.
type Options struct {
	Log       zerolog.Logger
	Envelope  envelope.Writer
	DB        Pinger
	Readiness *Readiness
	// ReadyCheck, when set, runs before each /readyz answer, e.g. to re-probe a failing part.
	ReadyCheck func()
	// Mount adds the feature routes.
	Mount func(r chi.Router)
}

type jsonWriter func(w http.ResponseWriter, status int, body any)

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"status":"error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// NewRouter returns the service's HTTP handler.
func NewRouter(opts Options) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(accessLog(opts.Log))
	r.Use(recoverer(opts.Log, opts.Envelope))
	healthHandler{db: opts.DB, ready: opts.Readiness, out: writeJSON, check: opts.ReadyCheck}.Routes(r)
	if opts.Mount != nil {
		opts.Mount(r)
	}
	r.NotFound(NotFound(opts.Envelope))
	r.MethodNotAllowed(MethodNotAllowed(opts.Envelope))
	return r
}

// maxEchoPath bounds the request path an error answer repeats: a 60 KB path must not make a
// 60 KB answer (nor a 60 KB log line).
const maxEchoPath = 256

// EchoPath is p as an answer may repeat it: at most maxEchoPath bytes of valid UTF-8, with
// "…" and the full length when cut.
func EchoPath(p string) string {
	if len(p) <= maxEchoPath {
		return p
	}
	return trunc.String(p, maxEchoPath) + trunc.Ellipsis + " (" + strconv.Itoa(len(p)) + " bytes)"
}

// NotFound answers an unknown route with the 404 envelope (code 1002). serve also installs it
// on the router outside BASE_PATH, so every answer is the envelope.
func NotFound(env envelope.Writer) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		env.Error(w, http.StatusNotFound, envelope.NotFound, "no such endpoint: "+EchoPath(req.Method)+" "+EchoPath(req.URL.Path))
	}
}

// MethodNotAllowed answers a known route called with the wrong method (405, code 1001).
func MethodNotAllowed(env envelope.Writer) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		env.Error(w, http.StatusMethodNotAllowed, envelope.InvalidParam, "method "+EchoPath(req.Method)+" is not allowed on "+EchoPath(req.URL.Path))
	}
}

// accessLog logs one line per request: method, path (never the query string, which may carry
// a token), status, size, duration and request id. Health probes log at debug.
func accessLog(log zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			start := time.Now()
			next.ServeHTTP(ww, r)
			ev := log.Info()
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
				ev = log.Debug()
			}
			ev.Str("method", r.Method).
				Str("path", EchoPath(r.URL.Path)).
				Int("status", ww.Status()).
				Int("bytes", ww.BytesWritten()).
				Dur("duration", time.Since(start)).
				Str("request_id", middleware.GetReqID(r.Context())).
				Str("remote", r.RemoteAddr).
				Msg("http request")
		})
	}
}

// recoverer turns a panic into a 500 envelope and a log line with the request id.
func recoverer(log zerolog.Logger, env envelope.Writer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error().Interface("panic", v).Str("path", r.URL.Path).
						Str("request_id", middleware.GetReqID(r.Context())).Msg("handler panicked")
					env.Error(w, http.StatusInternalServerError, envelope.InternalError, "internal error (request id "+middleware.GetReqID(r.Context())+")")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// NewHTTPServer wraps h in an http.Server with timeouts suitable behind a reverse proxy.
func NewHTTPServer(addr string, h http.Handler, log zerolog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second, // POST /reconcile?wait=true answers after a whole pass
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          stdLogger(log),
	}
}
