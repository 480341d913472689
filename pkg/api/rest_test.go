package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// Every route of the package, including /mcp and an unknown /api/v1 path, is behind AdminAuth.
func TestEveryRouteNeedsTheAdminToken(t *testing.T) {
	e := newEnv(t, envOpts{})
	tk := e.seed(t, task.SourceWebhook, seerrMovie(1, 603))
	routes := []struct{ method, path string }{
		{"GET", "/api/v1/tasks"},
		{"GET", "/api/v1/tasks/" + tk.ID},
		{"POST", "/api/v1/tasks/" + tk.ID + "/retry"},
		{"POST", "/api/v1/tasks/" + tk.ID + "/cancel"},
		{"POST", "/api/v1/subscriptions"},
		{"GET", "/api/v1/stats"},
		{"GET", "/api/v1/nope"},
		{"POST", "/mcp"},
		{"GET", "/mcp"},
	}
	headers := []struct{ name, value string }{
		{"missing", ""},
		{"wrong token", "Bearer not-the-token"},
		{"token without scheme", token},
		{"basic scheme", "Basic " + token},
		{"token prefix", "Bearer " + token[:len(token)-1]},
	}
	for _, rt := range routes {
		for _, h := range headers {
			t.Run(rt.method+" "+rt.path+"/"+h.name, func(t *testing.T) {
				a := e.do(t, rt.method, rt.path, `{"tmdbId":1,"mediaType":"movie"}`, "Authorization", h.value)
				a.want(t, http.StatusUnauthorized, -32001, "token")
			})
		}
	}
	// Nothing changed behind the guard.
	got, err := e.store.Get(t.Context(), tk.ID)
	if err != nil || got.Status != task.StatusPending {
		t.Fatalf("task changed without auth: %v %v", got.Status, err)
	}
	if n, _ := e.store.Stats(t.Context()); n.Total != 1 {
		t.Fatalf("unauthorised subscription stored: total %d", n.Total)
	}
}

func TestListTasks(t *testing.T) {
	e := newEnv(t, envOpts{})
	a1 := e.seed(t, task.SourceWebhook, seerrMovie(1, 101))
	a2 := e.seed(t, task.SourceReconcile, seerrMovie(2, 102))
	a3 := e.seed(t, task.SourceManual, movie(103))
	e.claim(t) // a1 → running

	tests := []struct {
		name  string
		query string
		ids   []string
		total int
	}{
		{"all newest first", "", []string{a3.ID, a2.ID, a1.ID}, 3},
		{"limit", "?limit=2", []string{a3.ID, a2.ID}, 3},
		{"status", "?status=running", []string{a1.ID}, 1},
		{"source", "?source=manual", []string{a3.ID}, 1},
		{"status and source", "?status=pending&source=reconcile&limit=100", []string{a2.ID}, 1},
		{"none match", "?status=failed", []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(t, "GET", "/api/v1/tasks"+tt.query, "")
			a.want(t, 200, 0)
			var data api.TaskList
			a.into(t, &data)
			if data.Total != tt.total || len(data.Tasks) != len(tt.ids) {
				t.Fatalf("got %d tasks, total %d; want %v, total %d", len(data.Tasks), data.Total, tt.ids, tt.total)
			}
			for i, id := range tt.ids {
				if data.Tasks[i].ID != id {
					t.Fatalf("task %d is %s, want %s", i, data.Tasks[i].ID, id)
				}
			}
		})
	}
}

func TestListTasksBadParams(t *testing.T) {
	e := newEnv(t, envOpts{})
	tests := []struct {
		query string
		has   []string
	}{
		{"?status=done", []string{"status", `"done"`, "pending, running, success, failed, cancelled"}},
		{"?source=cron", []string{"source", `"cron"`, "webhook, reconcile, manual"}},
		{"?limit=0", []string{"limit", "1 to 100"}},
		{"?limit=101", []string{"limit", "1 to 100"}},
		{"?limit=-3", []string{"limit", "1 to 100"}},
		{"?limit=ten", []string{"limit", `"ten"`}},
		{"?limit=", []string{"limit"}},
		{"?page=2", []string{"unknown query parameter", `"page"`, "allowed: status, source, limit"}},
		{"?status=failed&status=pending", []string{"status", "once"}},
		{"?status=%zz", []string{"malformed"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e.do(t, "GET", "/api/v1/tasks"+tt.query, "").want(t, 400, 1001, tt.has...)
		})
	}
}

func TestGetTask(t *testing.T) {
	e := newEnv(t, envOpts{})
	tk := e.seed(t, task.SourceWebhook, seerrMovie(7, 603))
	e.claim(t)
	e.fail(t, tk.ID)

	a := e.do(t, "GET", "/api/v1/tasks/"+tk.ID, "")
	a.want(t, 200, 0, tk.ID, "failed", "moviepilot said no")
	var got task.Task
	a.into(t, &got)
	if got.ID != tk.ID || got.Status != task.StatusFailed || got.Attempts != 3 || got.LastError == "" || len(got.History) == 0 || got.Input.TMDBID != 603 {
		t.Fatalf("incomplete task: %+v", got)
	}
	for _, field := range []string{`"items"`, `"attempts"`, `"history"`, `"lastError"`} {
		if !strings.Contains(string(a.Data), field) {
			t.Errorf("task JSON lacks %s: %s", field, a.Data)
		}
	}

	e.do(t, "GET", "/api/v1/tasks/tsk_999", "").want(t, 404, 1002, "tsk_999")
	e.do(t, "GET", "/api/v1/tasks/abc", "").want(t, 400, 1001, `"abc"`, "tsk_<number>")
	e.do(t, "GET", "/api/v1/tasks/tsk_0", "").want(t, 400, 1001)
	e.do(t, "GET", "/api/v1/tasks/"+tk.ID+"?x=1", "").want(t, 400, 1001, "no query parameters")
}

func TestRetryTask(t *testing.T) {
	e := newEnv(t, envOpts{})
	tk := e.seed(t, task.SourceWebhook, seerrMovie(1, 603))
	e.claim(t)
	e.fail(t, tk.ID)

	a := e.do(t, "POST", "/api/v1/tasks/"+tk.ID+"/retry", "")
	a.want(t, 200, 0, tk.ID, "pending")
	var got task.Task
	a.into(t, &got)
	if got.ID != tk.ID || got.Status != task.StatusPending || got.Attempts != 0 {
		t.Fatalf("retry: id %s status %s attempts %d; want same id, pending, 0", got.ID, got.Status, got.Attempts)
	}
	if n, _ := e.store.Stats(t.Context()); n.Total != 1 {
		t.Fatalf("retry created a new task: total %d", n.Total)
	}

	// Pending now: a second retry is an illegal transition naming the current status.
	a = e.do(t, "POST", "/api/v1/tasks/"+tk.ID+"/retry", "")
	a.want(t, 409, 1003, tk.ID, "is pending", "failed or cancelled")
	var sd api.StatusData
	a.into(t, &sd)
	if sd.ID != tk.ID || sd.Status != task.StatusPending {
		t.Fatalf("conflict data %+v", sd)
	}

	e.do(t, "POST", "/api/v1/tasks/tsk_42/retry", "").want(t, 404, 1002, "tsk_42")
	e.do(t, "POST", "/api/v1/tasks/nope/retry", "").want(t, 400, 1001)
	e.do(t, "POST", "/api/v1/tasks/"+tk.ID+"/retry", `{"force":true}`).want(t, 400, 1001, "unknown field")
	e.do(t, "GET", "/api/v1/tasks/"+tk.ID+"/retry", "").want(t, 405, 1001, "GET")
}

func TestCancelTask(t *testing.T) {
	e := newEnv(t, envOpts{})
	running := e.seed(t, task.SourceWebhook, seerrMovie(1, 601))
	pending := e.seed(t, task.SourceWebhook, seerrMovie(2, 602))
	e.claim(t) // the oldest due: running

	t.Run("running task with reason", func(t *testing.T) {
		a := e.do(t, "POST", "/api/v1/tasks/"+running.ID+"/cancel", `{"reason":"wrong movie"}`)
		a.want(t, 200, 0, running.ID, "cancelled")
		var got task.Task
		a.into(t, &got)
		if got.Status != task.StatusCancelled || got.Reason != "wrong movie" || got.ID != running.ID {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("pending task without body", func(t *testing.T) {
		a := e.do(t, "POST", "/api/v1/tasks/"+pending.ID+"/cancel", "")
		a.want(t, 200, 0)
		var got task.Task
		a.into(t, &got)
		if got.Reason != "cancelled by operator" {
			t.Fatalf("default reason %q", got.Reason)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		a := e.do(t, "POST", "/api/v1/tasks/"+pending.ID+"/cancel", "")
		a.want(t, 409, 1003, "is cancelled", "pending or running")
		var sd api.StatusData
		a.into(t, &sd)
		if sd.Status != task.StatusCancelled || sd.ID != pending.ID {
			t.Fatalf("data %+v", sd)
		}
	})
	t.Run("retry of a cancelled task keeps the id", func(t *testing.T) {
		a := e.do(t, "POST", "/api/v1/tasks/"+running.ID+"/retry", "")
		a.want(t, 200, 0)
		var got task.Task
		a.into(t, &got)
		if got.ID != running.ID || got.Status != task.StatusPending {
			t.Fatalf("got %s %s", got.ID, got.Status)
		}
	})
	bad := []struct{ name, body, has string }{
		{"unknown field", `{"why":"x"}`, `unknown field "why"`},
		{"wrong type", `{"reason":5}`, `"reason" must be a string`},
		{"trailing data", `{"reason":"a"} {}`, "after the JSON object"},
		{"not an object", `["a"]`, "JSON object"},
		{"control characters", `{"reason":"a\u0000b"}`, "control characters"},
		{"too long", `{"reason":"` + strings.Repeat("x", 600) + `"}`, "under 500"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e.do(t, "POST", "/api/v1/tasks/"+running.ID+"/cancel", tt.body).want(t, 400, 1001, tt.has)
		})
	}
	e.do(t, "POST", "/api/v1/tasks/tsk_77/cancel", "").want(t, 404, 1002)
}

func TestSubscribe(t *testing.T) {
	e := newEnv(t, envOpts{})

	a := e.do(t, "POST", "/api/v1/subscriptions", `{"tmdbId":603,"mediaType":"movie","title":"The Matrix","year":1999}`)
	a.want(t, 202, 0, "created")
	var res api.SubscribeResult
	a.into(t, &res)
	if !res.Created || res.Status != task.StatusPending || res.Key != "tmdb:movie:603" || res.TaskID == "" {
		t.Fatalf("movie: %+v", res)
	}
	got, err := e.store.Get(t.Context(), res.TaskID)
	if err != nil || got.Source != task.SourceManual || got.Input.Title != "The Matrix" || got.Input.Year != 1999 {
		t.Fatalf("stored %+v %v", got, err)
	}

	// The same again: same task, nothing changed.
	a = e.do(t, "POST", "/api/v1/subscriptions", `{"tmdbId":603,"mediaType":"movie"}`)
	a.want(t, 202, 0, "nothing changed")
	var again api.SubscribeResult
	a.into(t, &again)
	if again.Created || again.Changed || again.TaskID != res.TaskID {
		t.Fatalf("repeat: %+v", again)
	}

	// TV: seasons deduplicated and sorted; more seasons later merge into the same task.
	a = e.do(t, "POST", "/api/v1/subscriptions", `{"tmdbId":1399,"mediaType":"tv","seasons":[2,1,2]}`)
	a.want(t, 202, 0)
	var tv api.SubscribeResult
	a.into(t, &tv)
	if tv.Key != "tmdb:tv:1399" || !tv.Created {
		t.Fatalf("tv: %+v", tv)
	}
	got, _ = e.store.Get(t.Context(), tv.TaskID)
	if len(got.Input.Seasons) != 2 || got.Input.Seasons[0].Season != 1 || got.Input.Seasons[1].Season != 2 {
		t.Fatalf("seasons %+v", got.Input.Seasons)
	}
	a = e.do(t, "POST", "/api/v1/subscriptions", `{"tmdbId":1399,"mediaType":"tv","seasons":[3]}`)
	a.into(t, &tv)
	if !tv.Changed || tv.Created {
		t.Fatalf("merge: %+v", tv)
	}
}

func TestSubscribeBadBodies(t *testing.T) {
	e := newEnv(t, envOpts{})
	big := `{"tmdbId":1,"mediaType":"movie","title":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`
	tests := []struct {
		name, body string
		status     int
		has        []string
		hdr        []string
	}{
		{"empty body", "", 400, []string{"empty"}, nil},
		{"movie with seasons", `{"tmdbId":1,"mediaType":"movie","seasons":[1]}`, 400, []string{"movie has no seasons"}, nil},
		{"tv without seasons", `{"tmdbId":1,"mediaType":"tv"}`, 400, []string{"seasons is required for tv"}, nil},
		{"tv with empty seasons", `{"tmdbId":1,"mediaType":"tv","seasons":[]}`, 400, []string{"seasons is required"}, nil},
		{"negative season", `{"tmdbId":1,"mediaType":"tv","seasons":[1,-1]}`, 400, []string{"seasons[1] = -1"}, nil},
		{"no tmdbId", `{"mediaType":"movie"}`, 400, []string{"tmdbId must be a positive integer"}, nil},
		{"negative tmdbId", `{"tmdbId":-5,"mediaType":"movie"}`, 400, []string{"tmdbId"}, nil},
		{"unknown media type", `{"tmdbId":1,"mediaType":"anime"}`, 400, []string{`"anime"`, "movie or tv"}, nil},
		{"missing media type", `{"tmdbId":1}`, 400, []string{"mediaType is required"}, nil},
		{"two problems at once", `{"tmdbId":0,"mediaType":"x"}`, 400, []string{"tmdbId", "mediaType"}, nil},
		{"unknown field", `{"tmdbId":1,"mediaType":"movie","is4k":true}`, 400, []string{`unknown field "is4k"`, "allowed: tmdbId, mediaType"}, nil},
		{"string id", `{"tmdbId":"603","mediaType":"movie"}`, 400, []string{`"tmdbId" must be an integer`}, nil},
		{"float id", `{"tmdbId":6.5,"mediaType":"movie"}`, 400, []string{`"tmdbId" must be an integer`}, nil},
		{"seasons not array", `{"tmdbId":1,"mediaType":"tv","seasons":1}`, 400, []string{`"seasons" must be an array`}, nil},
		{"trailing data", `{"tmdbId":1,"mediaType":"movie"}x`, 400, []string{"after the JSON object"}, nil},
		{"two objects", `{"tmdbId":1,"mediaType":"movie"}{"tmdbId":2,"mediaType":"movie"}`, 400, []string{"exactly one"}, nil},
		{"truncated", `{"tmdbId":1,`, 400, []string{"truncated"}, nil},
		{"syntax", `{"tmdbId":1,,}`, 400, []string{"not valid JSON"}, nil},
		{"null", `null`, 400, []string{"JSON object"}, nil},
		{"bad year", `{"tmdbId":1,"mediaType":"movie","year":99}`, 400, []string{"year 99"}, nil},
		{"too large", big, 413, []string{"64 KiB"}, nil},
		{"wrong content type", `{"tmdbId":1,"mediaType":"movie"}`, 415, []string{"application/json"}, []string{"Content-Type", "text/plain"}},
		{"query parameter", `{"tmdbId":1,"mediaType":"movie"}`, 400, []string{"no query parameters"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/v1/subscriptions"
			if tt.name == "query parameter" {
				path += "?dry=1"
			}
			e.do(t, "POST", path, tt.body, tt.hdr...).want(t, tt.status, 1001, tt.has...)
		})
	}
	if st, _ := e.store.Stats(t.Context()); st.Total != 0 {
		t.Fatalf("a bad body stored a task: total %d", st.Total)
	}
}

// Manual subscriptions follow the planner's rules: only specials under TV_SPECIALS=exclude
// would subscribe nothing, so they are refused; under separate they are accepted.
func TestSubscribeFollowsThePlanPolicy(t *testing.T) {
	body := `{"tmdbId":1399,"mediaType":"tv","seasons":[0]}`
	e := newEnv(t, envOpts{policy: plan.Policy{Specials: plan.SpecialsExclude}})
	e.do(t, "POST", "/api/v1/subscriptions", body).want(t, 400, 1001, "nothing would be subscribed", "TV_SPECIALS")
	e.do(t, "POST", "/api/v1/subscriptions", `{"tmdbId":1399,"mediaType":"tv","seasons":[0,1]}`).want(t, 202, 0)

	e = newEnv(t, envOpts{policy: plan.Policy{Specials: plan.SpecialsSeparate}})
	e.do(t, "POST", "/api/v1/subscriptions", body).want(t, 202, 0)

	e = newEnv(t, envOpts{policy: plan.Policy{Specials: "sometimes"}})
	e.do(t, "POST", "/api/v1/subscriptions", body).want(t, 500, 5000, "misconfigured")
}

func TestStats(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.seed(t, task.SourceWebhook, seerrMovie(1, 601)) // created at t0, pending
	e.seed(t, task.SourceWebhook, seerrMovie(2, 602))
	running := e.seed(t, task.SourceWebhook, seerrMovie(3, 603))
	_ = running
	e.claim(t) // the oldest (601) → running; oldest pending is now 602, created t0+1s
	e.clock.Advance(90 * time.Second)

	a := e.do(t, "GET", "/api/v1/stats", "")
	a.want(t, 200, 0, "3 tasks", "2 pending", "1 running", "worker running")
	var st api.Stats
	a.into(t, &st)
	if st.Total != 3 || st.ByStatus[task.StatusPending] != 2 || st.ByStatus[task.StatusRunning] != 1 {
		t.Fatalf("counts %+v", st)
	}
	if _, ok := st.ByStatus[task.StatusCancelled]; !ok {
		t.Fatalf("zero statuses missing: %v", st.ByStatus)
	}
	// 602 was enqueued at t0+1s; the clock is now t0+3s+90s.
	if st.OldestPendingAgeSeconds != 92 || st.NextDue == nil {
		t.Fatalf("oldest age %d, next due %v", st.OldestPendingAgeSeconds, st.NextDue)
	}
	if st.Worker == nil || st.Worker.Status != "running" {
		t.Fatalf("worker %+v", st.Worker)
	}
	if !st.Reconcile.Enabled || st.Reconcile.Last == nil || st.Reconcile.Last.RunID != "run-0" {
		t.Fatalf("reconcile %+v", st.Reconcile)
	}
	if st.Version != "test" {
		t.Fatalf("version %q", st.Version)
	}

	off := newEnv(t, envOpts{noRec: true})
	a = off.do(t, "GET", "/api/v1/stats", "")
	a.want(t, 200, 0)
	var st2 api.Stats
	a.into(t, &st2)
	if st2.Reconcile.Enabled || st2.Reconcile.Last != nil || st2.Total != 0 || st2.OldestPendingAgeSeconds != 0 {
		t.Fatalf("empty/off stats %+v", st2)
	}
	off.do(t, "GET", "/api/v1/stats?verbose=1", "").want(t, 400, 1001)
}

func TestStoreUnavailable(t *testing.T) {
	e := newEnv(t, envOpts{store: brokenStore{err: errDisk}})
	calls := []struct{ method, path, body string }{
		{"GET", "/api/v1/tasks", ""},
		{"GET", "/api/v1/tasks/tsk_1", ""},
		{"POST", "/api/v1/tasks/tsk_1/retry", ""},
		{"POST", "/api/v1/tasks/tsk_1/cancel", ""},
		{"POST", "/api/v1/subscriptions", `{"tmdbId":1,"mediaType":"movie"}`},
		{"GET", "/api/v1/stats", ""},
	}
	for _, c := range calls {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			a := e.do(t, c.method, c.path, c.body)
			a.want(t, 503, 5000, "task store is unavailable")
			if strings.Contains(a.Raw, "/data/seerrpilot.db") {
				t.Fatalf("internal detail leaked: %s", a.Raw)
			}
		})
	}
	if !strings.Contains(e.logs.String(), "input/output error") {
		t.Fatalf("the cause is not logged: %s", e.logs.String())
	}
	// A closed store reads the same.
	e = newEnv(t, envOpts{store: brokenStore{err: taskdb.ErrClosed}})
	e.do(t, "GET", "/api/v1/tasks", "").want(t, 503, 5000)
}

func TestUnknownAPIPath(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, p := range []string{"/api/v1/nope", "/api/v1/tasks/tsk_1/explode", "/api/v1", "/api/v1/"} {
		e.do(t, "GET", p, "").want(t, 404, 1002, "no such endpoint")
	}
	e.do(t, "DELETE", "/api/v1/tasks", "").want(t, 405, 1001, "DELETE")
}

// The token never appears in logs, even when a caller sends it somewhere odd.
func TestTokenNeverLogged(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.do(t, "POST", "/api/v1/tasks/tsk_1/cancel", `{"reason":"`+token+`"}`).want(t, 404, 1002)
	e.do(t, "POST", "/api/v1/subscriptions", `{"tmdbId":1,"mediaType":"`+token+`"}`).want(t, 400, 1001)
	req := httptest.NewRequest("GET", "/api/v1/tasks?status="+token, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 400 || strings.Contains(rec.Body.String(), token) {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if strings.Contains(e.logs.String(), token) {
		t.Fatal("token logged")
	}
}
