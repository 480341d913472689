package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// setupEnv is a dry-run service's environment against the fake Seerr js.
func setupEnv(t *testing.T, js *seerrtest.Server) map[string]string {
	return map[string]string{"MP_DRY_RUN": "true", "JELLY_URL": js.URL(), "JELLY_API_KEY": e2eSeerrKey,
		"WEBHOOK_SECRET": e2eHookSec, "DATA_DIR": t.TempDir(), "RECONCILE_INTERVAL": "0"}
}

// setup seerr against a running (dry-run) seerrpilot: refused without a terminal and
// without --yes; with --yes it fixes the agent (keeping what is not ours), sends Seerr's
// test and sees it arrive; a second run changes nothing and confirms again.
func TestSetupSeerrEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	js := seerrtest.New(seerrtest.Options{Version: "3.1.0", APIKey: e2eSeerrKey})
	defer js.Close()
	broken := seerrtest.WebhookAgent{Types: seerr.NotifyMediaAvailable, URL: "http://old-host:9999/api/v1/subscribe/seerr",
		AuthHeader: "Old-auth-value-42", StoredPayload: `{"notification_type":"{{notification_type}}"}`}
	js.SetWebhookAgent(broken)
	env := setupEnv(t, js)
	svc := startService(t, env)
	env["LISTEN_ADDR"] = svc.addr
	hook := "http://" + svc.addr + "/webhook/jellyseerr"

	r := runBin(t, env, "setup", "seerr", "--url", hook)
	if r.code != 1 || !strings.Contains(r.stdout, "stdin is not a terminal. Run again with --yes") {
		t.Fatalf("without --yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := js.WebhookAgentNow(); got.URL != broken.URL || got.Enabled {
		t.Fatalf("refused setup changed Seerr: %+v", got)
	}
	for _, want := range []string{
		"Enable Agent:            off → on",
		"Notification Types:      Request Available → Request Approved, Request Automatically Approved, Request Available, Request Declined",
		"Webhook URL:             http://old-host:9999/api/v1/subscribe/seerr → " + hook,
		"Authorization Header:    ******** (another value) → ******** (WEBHOOK_SECRET)",
		`JSON Payload:            broken (the JSON payload template is stored as JSON, not as text: Seerr logs "[object Object]" is not valid JSON and sends nothing) → Seerr's default`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the diff lacks %q:\n%s", want, r.stdout)
		}
	}

	r = runBin(t, env, "setup", "seerr", "--url", hook, "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "Saved.") || !strings.Contains(r.stdout, "OK: seerrpilot (http://"+svc.addr+"/readyz) received Seerr's test notification.") {
		t.Fatalf("--yes: exit %d\n%s%s\nservice:\n%s", r.code, r.stdout, r.stderr, svc.Log())
	}
	assertNoSecrets(t, r.stdout+r.stderr, e2eHookSec, "Old-auth-value-42", e2eSeerrKey)
	got := js.WebhookAgentNow()
	if !got.Enabled || got.Types != seerr.NotifyMediaAvailable|seerr.NotifyMediaApproved|seerr.NotifyMediaAutoApproved|seerr.NotifyMediaDeclined ||
		got.URL != hook || got.AuthHeader != e2eHookSec || got.NoEmbedPoster {
		t.Fatalf("Seerr's agent after setup: %+v", got)
	}
	s, err := seerr.New(seerr.Config{BaseURL: js.URL(), APIKey: e2eSeerrKey})
	if err != nil {
		t.Fatal(err)
	}
	if ws, err := s.WebhookSettings(context.Background()); err != nil || ws.TemplateProblem != "" {
		t.Fatalf("template after setup: %+v %v", ws, err)
	}
	if !strings.Contains(svc.Log(), "TEST_NOTIFICATION") {
		t.Fatalf("the service did not log the test:\n%s", svc.Log())
	}

	r = runBin(t, env, "setup", "seerr") // default URL: Seerr's host and port now, our path
	if r.code != 0 || !strings.Contains(r.stdout, "already set up for seerrpilot; nothing to change") ||
		!strings.Contains(r.stdout, "OK: seerrpilot") {
		t.Fatalf("second run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// When Seerr cannot deliver the test (nothing listens at the URL), setup says so and what
// to check, and exits 1; the settings are saved all the same.
func TestSetupSeerrTestNotDelivered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	js := seerrtest.New(seerrtest.Options{Version: "3.1.0", APIKey: e2eSeerrKey})
	defer js.Close()
	env := setupEnv(t, js)
	env["LISTEN_ADDR"] = freeAddr(t) // no service runs
	nowhere := "http://" + freeAddr(t) + "/webhook/jellyseerr"
	r := runBin(t, env, "setup", "seerr", "--url", nowhere, "--yes")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL: Seerr could not deliver its test notification") ||
		!strings.Contains(r.stdout, "cannot be confirmed") || !strings.Contains(r.stdout, "reachable from where Seerr runs") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if js.WebhookAgentNow().URL != nowhere {
		t.Fatal("settings not saved")
	}
	r = runBin(t, env, "setup", "seerr", "--url", "http://x:8770/wrong/path")
	if r.code != 2 || !strings.Contains(r.stderr, "the path must be /webhook/jellyseerr") {
		t.Fatalf("bad --url: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// On a terminal setup asks; anything but y/yes changes nothing.
func TestSetupSeerrAsksOnATerminal(t *testing.T) {
	js := seerrtest.New(seerrtest.Options{Version: "3.1.0", APIKey: e2eSeerrKey})
	defer js.Close()
	for k, v := range setupEnv(t, js) {
		t.Setenv(k, v)
	}
	t.Setenv("LISTEN_ADDR", freeAddr(t))
	hook := "http://seerrpilot:8770/webhook/jellyseerr"
	var out, errb bytes.Buffer
	err := setupSeerr(context.Background(), []string{"--url", hook}, setupTerminal{in: strings.NewReader("n\n"), tty: true}, &out, &errb)
	if err != errCheckFailed || !strings.Contains(out.String(), "Apply these changes to Seerr? [y/N] Nothing was changed.") {
		t.Fatalf("answer n: %v\n%s%s", err, out.String(), errb.String())
	}
	if js.WebhookAgentNow().Enabled {
		t.Fatal("changed after n")
	}
	out.Reset()
	_ = setupSeerr(context.Background(), []string{"--url", hook, "--wait", "0s"}, setupTerminal{in: strings.NewReader("yes\n"), tty: true}, &out, &errb)
	if a := js.WebhookAgentNow(); !a.Enabled || a.URL != hook || !strings.Contains(out.String(), "Saved.") {
		t.Fatalf("answer yes: %+v\n%s", a, out.String())
	}
}
