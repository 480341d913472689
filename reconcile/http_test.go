package reconcile

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

const adminToken = "admin-token-for-tests"

type answer struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

func TestHandler(t *testing.T) {
	type setup struct {
		down     bool
		slow     bool   // the list call takes longer than WaitTimeout
		token    string // configured ADMIN_TOKEN
		disabled bool   // mount DisabledHandler instead
	}
	cases := []struct {
		name       string
		setup      setup
		method     string
		query      string
		auth       string
		wantStatus int
		wantCode   int
		wantMsg    string
		check      func(t *testing.T, a answer, want int)
	}{
		{"no ADMIN_TOKEN configured", setup{token: ""}, "POST", "", "Bearer x", 401, -32001, "set ADMIN_TOKEN", nil},
		{"missing token", setup{token: adminToken}, "POST", "", "", 401, -32001, "missing or wrong token", nil},
		{"wrong token", setup{token: adminToken}, "POST", "", "Bearer nope", 401, -32001, "missing or wrong token", nil},
		{"start", setup{token: adminToken}, "POST", "", "Bearer " + adminToken, 202, 0, "started reconcile pass",
			func(t *testing.T, a answer, _ int) {
				var d struct {
					RunID  string `json:"runId"`
					Joined bool   `json:"joined"`
				}
				if err := json.Unmarshal(a.Data, &d); err != nil || d.RunID == "" || d.Joined {
					t.Fatalf("data %s", a.Data)
				}
			}},
		{"wait", setup{token: adminToken}, "POST", "?wait=true", "bearer " + adminToken, 200, 0, "finished",
			func(t *testing.T, a answer, want int) {
				s := summaryOf(t, a)
				if s.Outcome != OutcomeOK || s.Enqueued != want || s.Approved != want || s.Pages != 2 || s.RunID == "" { // approved, then failed
					t.Fatalf("summary %+v", s)
				}
				for _, field := range []string{`"pages"`, `"seen"`, `"approved"`, `"enqueued"`, `"merged"`, `"skipped"`, `"durationMs"`} {
					if !strings.Contains(string(a.Data), field) {
						t.Fatalf("summary JSON lacks %s: %s", field, a.Data)
					}
				}
			}},
		{"dry run", setup{token: adminToken}, "POST", "?wait=1&dryRun=true", "Bearer " + adminToken, 200, 0, "finished",
			func(t *testing.T, a answer, want int) {
				s := summaryOf(t, a)
				if !s.DryRun || s.Enqueued != want {
					t.Fatalf("summary %+v", s)
				}
			}},
		{"since duration", setup{token: adminToken}, "POST", "?wait&since=24h", "Bearer " + adminToken, 200, 0, "finished",
			func(t *testing.T, a answer, want int) {
				// The fake's requests date from 2025-01-01; the clock says 2025-06-01.
				if s := summaryOf(t, a); s.Enqueued != 0 || s.Skipped != s.Seen {
					t.Fatalf("summary %+v", s)
				}
			}},
		{"since date", setup{token: adminToken}, "POST", "?wait=true&since=2024-12-31", "Bearer " + adminToken, 200, 0, "finished",
			func(t *testing.T, a answer, want int) {
				if s := summaryOf(t, a); s.Enqueued != want {
					t.Fatalf("summary %+v", s)
				}
			}},
		{"wait=maybe", setup{token: adminToken}, "POST", "?wait=maybe", "Bearer " + adminToken, 400, 1001, `wait="maybe"`, nil},
		{"dryRun=perhaps", setup{token: adminToken}, "POST", "?dryRun=perhaps", "Bearer " + adminToken, 400, 1001, "dryRun", nil},
		{"typo dryrun", setup{token: adminToken}, "POST", "?dryrun=true", "Bearer " + adminToken, 400, 1001, `unknown query parameter "dryrun"`, nil},
		{"bad since", setup{token: adminToken}, "POST", "?since=yesterday", "Bearer " + adminToken, 400, 1001, "since=", nil},
		{"wait twice", setup{token: adminToken}, "POST", "?wait=true&wait=false", "Bearer " + adminToken, 400, 1001, "2 times", nil},
		{"GET", setup{token: adminToken}, "GET", "", "Bearer " + adminToken, 405, 1001, "use POST", nil},
		{"seerr down", setup{token: adminToken, down: true}, "POST", "?wait=true", "Bearer " + adminToken, 502, 5000, "failed: seerr status: HTTP 503",
			func(t *testing.T, a answer, _ int) {
				if s := summaryOf(t, a); s.Outcome != OutcomeError || !strings.Contains(s.Error, "503") {
					t.Fatalf("summary %+v", s)
				}
			}},
		{"seerr down without wait", setup{token: adminToken, down: true}, "POST", "", "Bearer " + adminToken, 202, 0, "started", nil},
		{"outlives wait timeout", setup{token: adminToken, slow: true}, "POST", "?wait=true", "Bearer " + adminToken, 202, 0, "still running", nil},
		{"disabled", setup{token: adminToken, disabled: true}, "POST", "?wait=true", "Bearer " + adminToken, 503, 5000,
			"reconcile is off: set JELLY_URL and JELLY_API_KEY", nil},
		{"disabled still needs auth", setup{token: adminToken, disabled: true}, "POST", "", "", 401, -32001, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := seerrtest.New(seerrtest.Options{Version: "3.1.0", Hook: func(_ *seerrtest.Fake, c seerrtest.Call) {
				if tc.setup.slow && c.Path == "/api/v1/request" {
					select {
					case <-release:
					case <-time.After(testbudget.Budget(t)):
					}
				}
			}})
			defer srv.Close()
			want := len(populate(srv.Fake, 40))
			var p *Poller
			defer func() { close(release); waitIdle(t, p) }()
			srv.SetDown(tc.setup.down)
			p, _ = newPoller(t, client(t, srv), openStore(t), func(o *Options) {
				if tc.setup.slow {
					o.WaitTimeout = 100 * time.Millisecond
				}
			})
			env := envelope.Writer{}
			r := chi.NewRouter()
			h := p.Handler(env)
			if tc.setup.disabled {
				h = DisabledHandler(env)
			}
			r.With(server.AdminAuth(tc.setup.token, env)).Handle("/reconcile", h)

			req := httptest.NewRequest(tc.method, "/reconcile"+tc.query, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)

			var a answer
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tc.wantStatus || a.Code != tc.wantCode || !strings.Contains(a.Msg, tc.wantMsg) {
				t.Fatalf("got %d %+v, want %d code %d msg ~%q", rec.Code, a, tc.wantStatus, tc.wantCode, tc.wantMsg)
			}
			body := rec.Body.String()
			if strings.Contains(body, srv.APIKey()) || strings.Contains(body, adminToken) {
				t.Fatalf("answer leaks a secret: %s", body)
			}
			if tc.check != nil {
				tc.check(t, a, want)
			}
			if rec.Code == 401 && (statusCalls(srv.Fake) != 0 || p.Last() != nil) {
				t.Fatal("an unauthorised call started a pass")
			}
		})
	}
}

func summaryOf(t *testing.T, a answer) Summary {
	t.Helper()
	var s Summary
	if err := json.Unmarshal(a.Data, &s); err != nil {
		t.Fatalf("data %s: %v", a.Data, err)
	}
	return s
}

func TestHandlerJoinSaysSo(t *testing.T) {
	srv, open, entered := gatedServer(t, "3.1.0")
	populate(srv.Fake, 10)
	p, _ := newPoller(t, client(t, srv), openStore(t))
	h := p.Handler(envelope.Writer{})
	post := func(q string) (int, answer) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/reconcile"+q, nil))
		var a answer
		_ = json.Unmarshal(rec.Body.Bytes(), &a)
		return rec.Code, a
	}
	code, first := post("")
	<-entered
	code2, second := post("?dryRun=true")
	open()
	waitIdle(t, p)
	if code != 202 || code2 != 202 || !strings.Contains(second.Msg, "joined") || !strings.Contains(string(second.Data), `"joined":true`) {
		t.Fatalf("first %d %+v, second %d %+v", code, first, code2, second)
	}
	var d1, d2 struct{ RunID string }
	_ = json.Unmarshal(first.Data, &d1)
	_ = json.Unmarshal(second.Data, &d2)
	if d1.RunID == "" || d1.RunID != d2.RunID {
		t.Fatalf("run ids %q %q", d1.RunID, d2.RunID)
	}
}

// waitIdle waits until no pass runs, so a test does not close the store under one.
func waitIdle(t *testing.T, p *Poller) {
	t.Helper()
	deadline := time.Now().Add(testbudget.Budget(t))
	for callers(p, curRun) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a pass is still running")
		}
		time.Sleep(time.Millisecond)
	}
}
