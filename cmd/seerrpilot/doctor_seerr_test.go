package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/config"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// goodWebhookAgent is Seerr's webhook agent set up as the README says, for doctorEnv.
func goodWebhookAgent() seerrtest.WebhookAgent {
	return seerrtest.WebhookAgent{Enabled: true, URL: "http://seerrpilot:8770/webhook/jellyseerr", AuthHeader: e2eHookSec,
		Types: seerr.NotifyMediaApproved | seerr.NotifyMediaAutoApproved | seerr.NotifyMediaDeclined}
}

// runDoctorSeerrWebhook runs the webhook check against a fake Seerr holding agent.
func runDoctorSeerrWebhook(t *testing.T, cfg *config.Config, agent seerrtest.WebhookAgent, key string) (string, int) {
	t.Helper()
	js := seerrtest.New(seerrtest.Options{Version: "3.1.0", APIKey: e2eSeerrKey})
	defer js.Close()
	js.SetWebhookAgent(agent)
	c, err := seerr.New(seerr.Config{BaseURL: js.URL(), APIKey: key, Timeout: doctorTimeout})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	r := &report{w: &buf, red: redact.New(cfg.WebhookSecret, agent.AuthHeader)}
	doctorSeerrWebhook(context.Background(), r, cfg, c)
	out := buf.String()
	for _, s := range []string{e2eHookSec, "Wrong-auth-value-81", "custom-secret-value"} {
		if strings.Contains(out, s) {
			t.Fatalf("doctor printed a header value:\n%s", out)
		}
	}
	return out, r.failed
}

// TestDoctorSeerrWebhook: doctor reads Seerr's webhook agent and says exactly what to fix.
func TestDoctorSeerrWebhook(t *testing.T) {
	base := func() *config.Config {
		return &config.Config{ListenAddr: ":8770", WebhookSecret: e2eHookSec, WebhookSecretHeader: "Authorization"}
	}
	with := func(f func(*seerrtest.WebhookAgent)) seerrtest.WebhookAgent {
		a := goodWebhookAgent()
		f(&a)
		return a
	}
	cases := []struct {
		name   string
		cfg    func(*config.Config)
		agent  seerrtest.WebhookAgent
		key    string
		failed int
		want   []string
	}{
		{"as the README says", nil, goodWebhookAgent(), "", 0, []string{
			"[ OK ] Seerr webhook agent is enabled", "[ OK ] Seerr's Webhook URL http://seerrpilot:8770/webhook/jellyseerr has the webhook's path",
			"[ OK ] Seerr webhook sends Request Approved and Request Automatically Approved",
			"[ OK ] Seerr's webhook Authorization header matches WEBHOOK_SECRET",
			"[ OK ] Seerr's webhook JSON payload template parses"}},
		{"bearer form", nil, with(func(a *seerrtest.WebhookAgent) { a.AuthHeader = "Bearer " + e2eHookSec }), "", 0,
			[]string{"Authorization header matches WEBHOOK_SECRET"}},
		{"a fresh Seerr: agent off, nothing set", nil, seerrtest.WebhookAgent{}, "", 4, []string{
			"[FAIL] Seerr's webhook agent is disabled", "→ fix: Seerr → Settings → Notifications → Webhook: tick Enable Agent",
			"[FAIL] Seerr webhook has no Webhook URL → fix: Seerr → Settings → Notifications → Webhook: set Webhook URL to http://<seerrpilot host>:8770/webhook/jellyseerr",
			"[FAIL] Seerr webhook does not send Request Approved nor Request Automatically Approved",
			"tick Request Approved and Request Automatically Approved",
			"[WARN] Seerr webhook does not send Request Declined",
			"[FAIL] Seerr's webhook sends no Authorization header: seerrpilot answers 401 to every webhook → fix: Seerr → Settings → Notifications → Webhook: set Authorization Header to the value of WEBHOOK_SECRET"}},
		{"only auto-approved missing", nil, with(func(a *seerrtest.WebhookAgent) { a.Types = seerr.NotifyMediaApproved | seerr.NotifyMediaDeclined }), "", 1,
			[]string{"[FAIL] Seerr webhook does not send Request Automatically Approved (requests by admins", "tick Request Automatically Approved"}},
		{"wrong path", nil, with(func(a *seerrtest.WebhookAgent) { a.URL = "http://seerrpilot:8770/api/v1/subscribe/seerr" }), "", 1,
			[]string{"[FAIL] Seerr's Webhook URL http://seerrpilot:8770/api/v1/subscribe/seerr does not end in /webhook/jellyseerr"}},
		{"not under BASE_PATH", func(c *config.Config) { c.BasePath = "/sp" }, goodWebhookAgent(), "", 1,
			[]string{"is not under BASE_PATH /sp", "set Webhook URL to http://<seerrpilot host>:8770/sp/webhook/jellyseerr"}},
		{"under BASE_PATH", func(c *config.Config) { c.BasePath = "/sp" },
			with(func(a *seerrtest.WebhookAgent) { a.URL = "https://example.com/sp/webhook/seerr?x=Wrong-auth-value-81" }), "", 0,
			[]string{"[ OK ] Seerr's Webhook URL https://example.com/sp/webhook/seerr has the webhook's path",
				"[WARN] Seerr's Webhook URL uses port 443, seerrpilot listens on 8770"}},
		{"wrong secret", nil, with(func(a *seerrtest.WebhookAgent) { a.AuthHeader = "Wrong-auth-value-81" }), "", 1,
			[]string{"[FAIL] Seerr's webhook Authorization header does not match WEBHOOK_SECRET (neither value is shown)"}},
		{"custom header configured, Seerr sends it", func(c *config.Config) { c.WebhookSecretHeader = "X-Seerrpilot-Secret" },
			with(func(a *seerrtest.WebhookAgent) {
				a.AuthHeader = "Basic proxy-auth"
				a.CustomHeaders = [][2]string{{"x-seerrpilot-secret", e2eHookSec}}
			}), "", 0, []string{"[ OK ] Seerr's webhook X-Seerrpilot-Secret header matches WEBHOOK_SECRET"}},
		{"custom header configured, Seerr 3.1 has none", func(c *config.Config) { c.WebhookSecretHeader = "X-Seerrpilot-Secret" },
			goodWebhookAgent(), "", 1, []string{"[FAIL] Seerr's webhook sends no X-Seerrpilot-Secret header",
				"add the custom header X-Seerrpilot-Secret with the value of WEBHOOK_SECRET (Seerr 3.2+)"}},
		{"custom Authorization loses to authHeader", nil, with(func(a *seerrtest.WebhookAgent) {
			a.AuthHeader = "Wrong-auth-value-81"
			a.CustomHeaders = [][2]string{{"Authorization", e2eHookSec}}
		}), "", 1, []string{"Authorization header does not match WEBHOOK_SECRET"}},
		{"no WEBHOOK_SECRET: the header is not judged", func(c *config.Config) { c.WebhookSecret = "" },
			with(func(a *seerrtest.WebhookAgent) { a.AuthHeader = "" }), "", 0, nil},
		{"template saved as raw JSON", nil, with(func(a *seerrtest.WebhookAgent) {
			a.StoredPayload = `{"notification_type":"{{notification_type}}"}`
		}), "", 1, []string{`[FAIL] Seerr webhook: the JSON payload template is stored as JSON, not as text: Seerr logs "[object Object]" is not valid JSON`,
			"run `seerrpilot setup seerr`"}},
		{"template not valid JSON", nil, with(func(a *seerrtest.WebhookAgent) { a.StoredPayload = `"{\"notification_type\": "` }), "", 1,
			[]string{"JSON payload template is not valid JSON"}},
		{"key cannot read settings", nil, goodWebhookAgent(), "Wrong-seerr-key-1", 0,
			[]string{"[WARN] Seerr webhook settings not readable with JELLY_API_KEY (admin only)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			key := tc.key
			if key == "" {
				key = e2eSeerrKey
			}
			out, failed := runDoctorSeerrWebhook(t, cfg, tc.agent, key)
			if failed != tc.failed {
				t.Errorf("%d failures, want %d:\n%s", failed, tc.failed, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestDoctorDataDirNextToRunningStore runs doctor's database check while a store is open in
// this process (so its lock is held, as by the running service) and a /readyz answers for it.
func TestDoctorDataDirNextToRunningStore(t *testing.T) {
	dir := t.TempDir()
	store, err := taskdb.Open(filepath.Join(dir, taskdb.FileName), taskdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ready := server.NewReadiness(func() time.Time { return time.Unix(0, 0) })
	red := redact.New()
	log, err := logging.New(io.Discard, "info", "json", red)
	if err != nil {
		t.Fatal(err)
	}
	h := server.NewRouter(server.Options{Log: log, Envelope: envelope.Writer{Scrub: red}, DB: store, Readiness: ready})
	ts := httptest.NewServer(h)
	defer ts.Close()

	check := func(readyz string) (string, int) {
		var buf bytes.Buffer
		r := &report{w: &buf, red: red}
		doctorDataDir(context.Background(), r, dir, readyz)
		return buf.String(), r.failed
	}
	path := filepath.Join(dir, taskdb.FileName)

	ready.Set("worker", true, "ok", "", nil)
	out, failed := check(ts.URL + "/readyz")
	if failed != 0 || !strings.Contains(out, "[ OK ] database "+path+" is in use by the running seerrpilot") ||
		!strings.Contains(out, "[ OK ] the running seerrpilot is ready") || strings.Contains(out, "locked") {
		t.Fatalf("%d failed:\n%s", failed, out)
	}

	ready.Set("moviepilot", false, "paused", "moviepilot auth failing", nil)
	out, failed = check(ts.URL + "/readyz")
	if failed != 0 || !strings.Contains(out, "[WARN] the running seerrpilot is not ready: moviepilot: paused (moviepilot auth failing)") {
		t.Fatalf("%d failed:\n%s", failed, out)
	}

	// Something else answers there, or nothing: the lock is someone else's.
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	for _, target := range []string{other.URL + "/readyz", "http://" + freeAddr(t) + "/readyz"} {
		out, failed = check(target)
		if failed != 1 || !strings.Contains(out, "[FAIL] database "+path+" is locked by another process, and no seerrpilot answers "+target) {
			t.Fatalf("%s: %d failed:\n%s", target, failed, out)
		}
	}
}

// TestDoctorFailsWithWebhookAgentOff: the whole command, against a Seerr whose webhook agent
// is as a fresh install leaves it, fails and says what to tick.
func TestDoctorFailsWithWebhookAgentOff(t *testing.T) {
	mp, js := doctorFakes(t)
	js.SetWebhookAgent(seerrtest.WebhookAgent{})
	r := runBin(t, doctorEnv(t, mp, js), "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "[FAIL] Seerr's webhook agent is disabled") ||
		!strings.Contains(r.stdout, "tick Request Approved and Request Automatically Approved") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertDoctorClean(t, r)
}
