package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging/logtest"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
)

type pinger struct{ err error }

func (p *pinger) Ping() error { return p.err }

func newTestRouter(db *pinger, ready *Readiness, logs *logtest.Sink, token string) http.Handler {
	red := redact.New(token)
	log := zerolog.New(red.Writer(logs))
	env := envelope.Writer{Scrub: red}
	return NewRouter(Options{Log: log, Envelope: env, DB: db, Readiness: ready, Mount: func(r chi.Router) {
		r.Get("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
		r.Group(func(r chi.Router) {
			r.Use(AdminAuth(token, env))
			r.Get("/api/v1/ping", func(w http.ResponseWriter, _ *http.Request) { env.OK(w, "pong", nil) })
		})
	}})
}

func do(h http.Handler, method, path string, hdr map[string]string) (int, map[string]any) {
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body
}

func TestHealthAndReadiness(t *testing.T) {
	db := &pinger{}
	ready := NewReadiness(nil)
	h := newTestRouter(db, ready, &logtest.Sink{}, "admin-token-123")

	if code, body := do(h, "GET", "/healthz", nil); code != 200 || body["status"] != "ok" {
		t.Fatalf("healthz: %d %v", code, body)
	}
	ready.Set("worker", true, "ok", "", nil)
	ready.Set("reconcile", true, "disabled", "JELLY_URL not set", nil)
	if code, body := do(h, "GET", "/readyz", nil); code != 200 || body["status"] != "ready" {
		t.Fatalf("readyz ready: %d %v", code, body)
	}
	ready.Set("worker", false, "paused", "moviepilot auth failing", nil)
	code, body := do(h, "GET", "/readyz", nil)
	comps, _ := body["components"].(map[string]any)
	worker, _ := comps["worker"].(map[string]any)
	if code != 503 || worker["detail"] != "moviepilot auth failing" {
		t.Fatalf("readyz degraded: %d %v", code, body)
	}
	db.err = errors.New("closed")
	if code, _ := do(h, "GET", "/healthz", nil); code != 503 {
		t.Fatalf("healthz with a dead db: %d", code)
	}
}

func TestAdminAuth(t *testing.T) {
	const token = "admin-token-123"
	cases := []struct {
		name, token, header string
		code                int
	}{
		{"no token configured", "", "Bearer anything", 401},
		{"missing header", token, "", 401},
		{"wrong token", token, "Bearer nope", 401},
		{"raw token without scheme", token, token, 401},
		{"prefix of the token", token, "Bearer admin-token-12", 401},
		{"right token", token, "Bearer " + token, 200},
		{"lower-case scheme", token, "bearer " + token, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs logtest.Sink
			h := newTestRouter(&pinger{}, NewReadiness(nil), &logs, c.token)
			code, body := do(h, "GET", "/api/v1/ping", map[string]string{"Authorization": c.header})
			if code != c.code {
				t.Fatalf("code %d, want %d (%v)", code, c.code, body)
			}
			if code == 401 {
				if body["code"] != float64(envelope.Unauthorized) || !strings.Contains(body["msg"].(string), "ADMIN_TOKEN") {
					t.Fatalf("401 body %v", body)
				}
			}
			if c.token != "" && strings.Contains(logs.String(), c.token) {
				t.Fatalf("token in logs: %s", logs.String())
			}
		})
	}
}

func TestPanicAndNotFoundAreEnvelopes(t *testing.T) {
	var logs logtest.Sink
	h := newTestRouter(&pinger{}, NewReadiness(nil), &logs, "admin-token-123")
	if code, body := do(h, "GET", "/panic", nil); code != 500 || body["code"] != float64(envelope.InternalError) {
		t.Fatalf("panic: %d %v", code, body)
	}
	if !strings.Contains(logs.String(), "handler panicked") {
		t.Fatalf("panic not logged: %s", logs.String())
	}
	if code, body := do(h, "GET", "/nope", nil); code != 404 || body["code"] != float64(envelope.NotFound) {
		t.Fatalf("404: %d %v", code, body)
	}
	if code, body := do(h, "DELETE", "/healthz", nil); code != 405 || body["code"] != float64(envelope.InvalidParam) {
		t.Fatalf("405: %d %v", code, body)
	}
}

func TestAccessLogHasNoQueryString(t *testing.T) {
	var logs logtest.Sink
	h := newTestRouter(&pinger{}, NewReadiness(nil), &logs, "admin-token-123")
	do(h, "GET", "/api/v1/ping?token=leaky-query-secret", map[string]string{"Authorization": "Bearer admin-token-123"})
	if strings.Contains(logs.String(), "leaky-query-secret") || !strings.Contains(logs.String(), `"path":"/api/v1/ping"`) {
		t.Fatalf("access log: %s", logs.String())
	}
}
