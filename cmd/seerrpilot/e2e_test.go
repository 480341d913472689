package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

// Distinctive secrets: the e2e output is searched for them in every encoding.
const (
	e2eMPToken  = "E2E-mp-token-5f2a9c71"
	e2eSeerrKey = "E2E-seerr-key-8d13b0e4"
	e2eHookSec  = "E2E-hook-secret-27c6ad"
	e2eAdmin    = "E2E-admin-token-9e44f1"
	e2eMPPass   = "E2E-mp-password-b7310c"
)

func postJSON(t *testing.T, url, auth string, body []byte) (int, map[string]any) {
	t.Helper()
	return doJSON(t, http.MethodPost, url, auth, body)
}

func doJSON(t *testing.T, method, url, auth string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func render(t *testing.T, n seerrhook.Notification) []byte {
	t.Helper()
	b, err := seerrhook.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitFor waits for background work (delivery, a restart) that is not itself under test:
// its budget is what is left of the test's own deadline, so a slow machine is never a failure.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testbudget.Eventually(t, what, cond)
}

func subsOf(mp *mptest.Server) []string {
	var out []string
	for _, s := range mp.Subscriptions() {
		season := "-"
		if s.Season != nil {
			season = fmt.Sprint(*s.Season)
		}
		out = append(out, fmt.Sprintf("%d/%s", s.TMDBID, season))
	}
	return out
}

// assertNoSecrets searches text for every secret, plain, URL-encoded and base64.
func assertNoSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s), base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))} {
			if strings.Contains(text, form) {
				t.Errorf("output contains a secret (%q form of %q)", form, s)
			}
		}
	}
}

// TestEndToEndWebhookToSubscription runs the real binary against the fakes over loopback.
func TestEndToEndWebhookToSubscription(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	type mpSide struct {
		name string
		opts mptest.Options
		env  map[string]string
	}
	mps := []mpSide{
		{"mp-v2 x-api-key", mptest.Options{Version: mptest.V2, APIToken: e2eMPToken, AcceptAPIKey: true}, map[string]string{"MP_TOKEN": e2eMPToken}},
		{"mp-v2 login", mptest.Options{Version: mptest.V2, APIToken: e2eMPToken, Users: map[string]string{"admin": e2eMPPass}},
			map[string]string{"MP_USERNAME": "admin", "MP_PASSWORD": e2eMPPass}},
		{"mp-v3 query-token", mptest.Options{Version: mptest.V3, APIToken: e2eMPToken, AcceptAPIKey: true},
			map[string]string{"MP_TOKEN": e2eMPToken, "MP_AUTH_SCHEME": "query-token"}},
	}
	type testCase struct {
		name   string
		mp     mptest.Options
		env    map[string]string
		seerrV string
	}
	var cases []testCase
	for _, v := range []string{"1.34.0", "2.7.3", "3.1.0"} {
		for _, m := range mps {
			cases = append(cases, testCase{"seerr" + v + " x " + m.name, m.opts, m.env, v})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mptest.New(c.mp)
			defer mp.Close()
			js := seerrtest.New(seerrtest.Options{Version: c.seerrV, APIKey: e2eSeerrKey})
			defer js.Close()
			// The requests exist in Seerr, as they would when it sends the webhooks.
			js.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: "movie", Media: seerr.Media{TMDBID: 27205, MediaType: "movie", Status: seerr.MediaProcessing}})
			js.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: "tv", Media: seerr.Media{TMDBID: 1396, MediaType: "tv", Status: seerr.MediaProcessing},
				Seasons: []seerr.SeasonRequest{{SeasonNumber: 0}, {SeasonNumber: 1}, {SeasonNumber: 2}}})
			js.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: "movie", Media: seerr.Media{TMDBID: 550, MediaType: "movie", Status: seerr.MediaProcessing}})

			env := map[string]string{
				"MP_URL": mp.URL(), "JELLY_URL": js.URL(), "JELLY_API_KEY": e2eSeerrKey,
				"WEBHOOK_SECRET": e2eHookSec, "ADMIN_TOKEN": e2eAdmin, "DATA_DIR": t.TempDir(),
				"LOG_LEVEL": "debug", "MP_RATE_LIMIT_PER_SEC": "50", "RECONCILE_INTERVAL": "0",
			}
			for k, v := range c.env {
				env[k] = v
			}
			svc := startService(t, env)
			hook := "http://" + svc.addr + "/webhook/jellyseerr"

			// Wrong secret: 401, nothing stored.
			if code, body := postJSON(t, hook, "wrong", render(t, seerrhook.MovieApproved(1, 27205, "Inception", 2010))); code != 401 {
				t.Fatalf("wrong secret: %d %v", code, body)
			}
			// Movie, and the same approval again (Seerr re-sends on every update). The first may
			// already have been found by reconcile's start pass; the repeat never creates.
			for i := 0; i < 2; i++ {
				code, body := postJSON(t, hook, e2eHookSec, render(t, seerrhook.MovieApproved(1, 27205, "Inception", 2010)))
				data, _ := body["data"].(map[string]any)
				if code != 202 || (i == 1 && data["created"] != false) {
					t.Fatalf("movie approval #%d: %d %v", i+1, code, body)
				}
			}
			// TV with specials (default policy excludes them), with the Bearer form of the secret.
			if code, body := postJSON(t, hook, "Bearer "+e2eHookSec, render(t, seerrhook.TVApproved(2, 1396, "Breaking Bad", 2008, []int{0, 1, 2}))); code != 202 {
				t.Fatalf("tv approval: %d %v", code, body)
			}
			// Test notification: 200, nothing stored.
			if code, body := postJSON(t, hook, e2eHookSec, render(t, seerrhook.Test())); code != 200 || !strings.Contains(fmt.Sprint(body["msg"]), "test") {
				t.Fatalf("test notification: %d %v", code, body)
			}
			// Request 3 (tmdb 550) never sent a webhook: reconcile's start pass finds it.
			waitFor(t, "four subscriptions", func() bool { return len(mp.Subscriptions()) == 4 })
			time.Sleep(300 * time.Millisecond) // nothing more may arrive
			got := subsOf(mp)
			sort.Strings(got)
			if strings.Join(got, ",") != "1396/1,1396/2,27205/-,550/-" {
				t.Fatalf("MoviePilot has %v", got)
			}
			// A manual reconcile pass finds nothing new and changes nothing.
			code, body := postJSON(t, "http://"+svc.addr+"/reconcile?wait=true", "Bearer "+e2eAdmin, nil)
			data, _ := body["data"].(map[string]any)
			if code != 200 || data["enqueued"] != float64(0) || data["seen"] != float64(3) {
				t.Fatalf("reconcile?wait=true: %d %v", code, body)
			}
			if code, body := postJSON(t, "http://"+svc.addr+"/reconcile", "", nil); code != 401 {
				t.Fatalf("reconcile without token: %d %v", code, body)
			}
			// Decline after delivery: answered, nothing cancelled (already sent).
			decl := seerrhook.MovieApproved(1, 27205, "Inception", 2010).WithType("MEDIA_DECLINED")
			if code, body := postJSON(t, hook, e2eHookSec, render(t, decl)); code != 200 {
				t.Fatalf("decline: %d %v", code, body)
			}

			// Poke the operator endpoints with wrong and right tokens and odd queries (they must
			// not echo secrets), then stop the service and scan everything it wrote.
			for _, p := range []string{"/readyz", "/api/v1/tasks?token=" + e2eMPToken, "/metrics"} {
				req, _ := http.NewRequest(http.MethodGet, "http://"+svc.addr+p, nil)
				req.Header.Set("Authorization", "Bearer "+e2eAdmin)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					assertNoSecrets(t, string(b), e2eMPToken, e2eSeerrKey, e2eHookSec, e2eAdmin, e2eMPPass)
				}
			}
			_ = svc.Signal(interruptSignal)
			<-svc.Done()
			out := svc.Log()
			if !strings.Contains(out, `"level":"debug"`) {
				t.Fatalf("not at debug level?\n%s", out)
			}
			assertNoSecrets(t, out, e2eMPToken, e2eSeerrKey, e2eHookSec, e2eAdmin, e2eMPPass)
		})
	}
}

// TestEndToEndDeclineAndSpecialsSeparate: a decline before delivery cancels the task and
// MoviePilot never gets it; under TV_SPECIALS=separate season 0 is its own failed item while
// the other seasons are delivered.
func TestEndToEndDeclineAndSpecialsSeparate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	mp := mptest.New(mptest.Options{APIToken: e2eMPToken, AcceptAPIKey: true})
	defer mp.Close()
	mp.SetDown(true) // nothing is delivered until the decline has arrived
	svc := startService(t, map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "DATA_DIR": t.TempDir(),
		"ADMIN_TOKEN": e2eAdmin, "TV_SPECIALS": "separate", "MP_RATE_LIMIT_PER_SEC": "50"})
	hook := "http://" + svc.addr + "/webhook/jellyseerr"

	if code, body := postJSON(t, hook, "", render(t, seerrhook.MovieApproved(10, 603, "The Matrix", 1999))); code != 202 {
		t.Fatalf("approval: %d %v", code, body)
	}
	decl := seerrhook.MovieApproved(10, 603, "The Matrix", 1999).WithType("MEDIA_DECLINED")
	code, body := postJSON(t, hook, "", render(t, decl))
	if code != 200 || !strings.Contains(fmt.Sprint(body["msg"]), "cancelled") {
		t.Fatalf("decline: %d %v", code, body)
	}
	if code, body := postJSON(t, hook, "", render(t, seerrhook.TVApproved(11, 1396, "Breaking Bad", 2008, []int{0, 1}))); code != 202 {
		t.Fatalf("tv approval: %d %v", code, body)
	}
	mp.SetDown(false)
	// The TV task was tried while MoviePilot was down; ask for it now instead of waiting 30 s.
	tasks := func() []map[string]any {
		req, _ := http.NewRequest(http.MethodGet, "http://"+svc.addr+"/api/v1/tasks?limit=10", nil)
		req.Header.Set("Authorization", "Bearer "+e2eAdmin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct {
			Data struct {
				Tasks []map[string]any `json:"tasks"`
			} `json:"data"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&env)
		return env.Data.Tasks
	}
	for _, tk := range tasks() {
		if tk["key"] == "seerr:11" && tk["status"] == "pending" {
			// cancel+retry resets the schedule: the worker takes it at once.
			for _, op := range []string{"cancel", "retry"} {
				if code, body := postJSON(t, "http://"+svc.addr+"/api/v1/tasks/"+fmt.Sprint(tk["id"])+"/"+op, "Bearer "+e2eAdmin, nil); code != 200 {
					t.Fatalf("%s: %d %v", op, code, body)
				}
			}
		}
	}
	waitFor(t, "the TV task to finish", func() bool {
		for _, tk := range tasks() {
			if tk["key"] == "seerr:11" && tk["status"] == "failed" {
				return true
			}
		}
		return false
	})
	if got := strings.Join(subsOf(mp), ","); got != "1396/1" {
		t.Fatalf("MoviePilot has %s (want only season 1: the declined movie and season 0 never sent)", got)
	}
	for _, tk := range tasks() {
		switch tk["key"] {
		case "seerr:10":
			if tk["status"] != "cancelled" {
				t.Fatalf("declined task: %v", tk)
			}
		case "seerr:11":
			items := fmt.Sprint(tk["items"])
			if !strings.Contains(items, "mpSubscriptionId:1 season:1") || !strings.Contains(items, "season 0") {
				t.Fatalf("tv items: %s", items)
			}
		}
	}
}

// Declined, then approved again, while MoviePilot is down: the second approval re-opens the
// same task (no "nothing new to store"), and once MoviePilot is back the worker's probe lets
// every waiting task go without anyone touching them.
func TestEndToEndApprovedAgainAndRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	mp := mptest.New(mptest.Options{APIToken: e2eMPToken, AcceptAPIKey: true})
	defer mp.Close()
	mp.SetDown(true)
	svc := startService(t, map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "DATA_DIR": t.TempDir(),
		"ADMIN_TOKEN": e2eAdmin, "MP_RATE_LIMIT_PER_SEC": "50"})
	hook := "http://" + svc.addr + "/webhook/jellyseerr"
	approve := seerrhook.MovieApproved(30, 604, "The Matrix Reloaded", 2003)
	if code, body := postJSON(t, hook, "", render(t, approve)); code != 202 {
		t.Fatalf("approval: %d %v", code, body)
	}
	if code, body := postJSON(t, hook, "", render(t, approve.WithType("MEDIA_DECLINED"))); code != 200 {
		t.Fatalf("decline: %d %v", code, body)
	}
	code, body := postJSON(t, hook, "", render(t, approve))
	if code != 202 || !strings.Contains(fmt.Sprint(body["msg"]), "re-opened") {
		t.Fatalf("approved again: %d %v", code, body)
	}
	if code, body := postJSON(t, hook, "", render(t, seerrhook.MovieApproved(31, 605, "The Matrix Revolutions", 2003))); code != 202 {
		t.Fatalf("second approval: %d %v", code, body)
	}
	// The worker runs into the outage and waits; readiness stays up and names it.
	waitFor(t, "the worker to see MoviePilot down", func() bool {
		_, ready := get(t, "http://"+svc.addr+"/readyz")
		return strings.Contains(ready, "unreachable")
	})
	mp.SetDown(false)
	deadline := time.Now().Add(60 * time.Second) // a budget for a loaded machine, not the figure under test
	for len(mp.Subscriptions()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("waiting tasks not delivered after MoviePilot recovered: %v", subsOf(mp))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := strings.Join(subsOf(mp), ","); got != "604/-,605/-" {
		t.Fatalf("MoviePilot has %s", got)
	}
}

// TestEndToEndRequesterAndNumberCollision: the subscription belongs to the requester, renamed
// by MP_USER_MAP, on both MoviePilot versions (v2 through the update endpoint, v3 through
// /subscribe/seerr); and a movie whose TMDB number a subscribed show shares is never recorded
// as subscribed on v2 (which answers with the show's id), while v3 holds both.
func TestEndToEndRequesterAndNumberCollision(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	for _, c := range []struct {
		name string
		opts mptest.Options
		env  map[string]string
	}{
		{"mp-v2 login", mptest.Options{Version: mptest.V2, Users: map[string]string{"admin": e2eMPPass}},
			map[string]string{"MP_USERNAME": "admin", "MP_PASSWORD": e2eMPPass}},
		{"mp-v3 x-api-key", mptest.Options{Version: mptest.V3, APIToken: e2eMPToken, AcceptAPIKey: true},
			map[string]string{"MP_TOKEN": e2eMPToken}},
	} {
		t.Run(c.name, func(t *testing.T) {
			mp := mptest.New(c.opts)
			defer mp.Close()
			env := map[string]string{
				"MP_URL": mp.URL(), "WEBHOOK_SECRET": e2eHookSec, "ADMIN_TOKEN": e2eAdmin, "DATA_DIR": t.TempDir(),
				"MP_RATE_LIMIT_PER_SEC": "50", "MP_USER_MAP": "alice:alice_mp",
			}
			for k, v := range c.env {
				env[k] = v
			}
			svc := startService(t, env)
			hook := "http://" + svc.addr + "/webhook/jellyseerr"
			for _, n := range []seerrhook.Notification{
				seerrhook.TVApproved(1, 1396, "Breaking Bad", 2008, []int{1}),
				seerrhook.MovieApproved(2, 1396, "Mirror", 1975),
			} {
				if code, body := postJSON(t, hook, e2eHookSec, render(t, n)); code != 202 {
					t.Fatalf("approval: %d %v", code, body)
				}
			}
			v2 := c.opts.Version == mptest.V2
			wantOK := 2
			if v2 {
				wantOK = 1
			}
			waitFor(t, "the tasks delivered", func() bool {
				code, body := getJSON(t, "http://"+svc.addr+"/api/v1/tasks?status=success", "Bearer "+e2eAdmin)
				data, _ := body["data"].(map[string]any)
				return code == 200 && data["total"] == float64(wantOK)
			})
			got := subsOf(mp)
			sort.Strings(got)
			want := "1396/-,1396/1"
			if v2 {
				want = "1396/1"
			}
			if strings.Join(got, ",") != want {
				t.Fatalf("MoviePilot has %v, want %s", got, want)
			}
			for _, s := range mp.Subscriptions() {
				if s.Username != "alice_mp" {
					t.Fatalf("subscription %d belongs to %q, want alice_mp", s.ID, s.Username)
				}
			}
			if v2 {
				waitFor(t, "the movie failed", func() bool {
					_, body := getJSON(t, "http://"+svc.addr+"/api/v1/tasks?status=failed", "Bearer "+e2eAdmin)
					return strings.Contains(fmt.Sprint(body), "MoviePilot 2.x keys a movie")
				})
			}
			_ = svc.Signal(interruptSignal)
			<-svc.Done()
		})
	}
}

func getJSON(t *testing.T, url, auth string) (int, map[string]any) {
	t.Helper()
	return doJSON(t, http.MethodGet, url, auth, nil)
}

// TestEndToEndUnrecognisedTMDBID: MoviePilot's bare "未识别到媒体信息" reaches the operator
// with the TMDB id and both possible causes, and the task stays pending for a retry.
func TestEndToEndUnrecognisedTMDBID(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	mp := mptest.New(mptest.Options{Version: mptest.V2, APIToken: e2eMPToken, AcceptAPIKey: true,
		KnownTMDB: map[int]mptest.Media{27205: {Title: "Inception", Year: "2010", Type: "movie"}}})
	defer mp.Close()
	svc := startService(t, map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "WEBHOOK_SECRET": e2eHookSec,
		"ADMIN_TOKEN": e2eAdmin, "DATA_DIR": t.TempDir(), "MP_RATE_LIMIT_PER_SEC": "50"})
	if code, body := postJSON(t, "http://"+svc.addr+"/webhook/jellyseerr", e2eHookSec,
		render(t, seerrhook.MovieApproved(9, 12345, "Nothing", 2001))); code != 202 {
		t.Fatalf("approval: %d %v", code, body)
	}
	waitFor(t, "the explained error", func() bool {
		_, body := getJSON(t, "http://"+svc.addr+"/api/v1/tasks?status=pending", "Bearer "+e2eAdmin)
		s := fmt.Sprint(body)
		return strings.Contains(s, `could not recognise TMDB movie 12345 ("未识别到媒体信息")`) &&
			strings.Contains(s, "the id may not exist on TMDB") && strings.Contains(s, "cannot reach TMDB right now")
	})
	_ = svc.Signal(interruptSignal)
	<-svc.Done()
}
