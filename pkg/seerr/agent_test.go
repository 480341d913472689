package seerr_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// Read, change, save: the template goes back JSON.stringify'd (as Seerr's UI sends it),
// reads back as the same text, and what the caller did not change stays.
func TestWebhookAgentRoundTrip(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.2.0"})
	defer srv.Close()
	srv.SetWebhookAgent(seerrtest.WebhookAgent{Types: seerr.NotifyMediaAvailable, NoEmbedPoster: true,
		CustomHeaders: [][2]string{{"X-Other", "keep"}}})
	c := clientFor(t, srv)
	ctx := context.Background()
	a, err := c.ReadWebhookAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text, ok := a.Options()["jsonPayload"].(string)
	if !ok || seerr.TemplateProblem(text) != "" {
		t.Fatalf("template %#v", a.Options()["jsonPayload"])
	}
	a["enabled"] = true
	a["types"] = seerr.NotifyMediaAvailable | seerr.NotifyMediaApproved
	a.Options()["webhookUrl"] = "http://sp:8770/webhook/jellyseerr"
	if err := c.SaveWebhookAgent(ctx, a); err != nil {
		t.Fatal(err)
	}
	got := srv.WebhookAgentNow()
	if !got.Enabled || got.Types != 12 || !got.NoEmbedPoster || got.URL != "http://sp:8770/webhook/jellyseerr" ||
		len(got.CustomHeaders) != 1 || got.CustomHeaders[0] != [2]string{"X-Other", "keep"} {
		t.Fatalf("stored %+v", got)
	}
	var stored string
	if err := json.Unmarshal([]byte(got.StoredPayload), &stored); err != nil || stored != text {
		t.Fatalf("stored payload %q (%v), want the stringified template", got.StoredPayload, err)
	}
	s, err := c.WebhookSettings(ctx)
	if err != nil || s.TemplateProblem != "" {
		t.Fatalf("settings after save %+v %v", s, err)
	}

	// A template to be saved must be text.
	a.Options()["jsonPayload"] = map[string]any{"notification_type": "{{notification_type}}"}
	if err := c.SaveWebhookAgent(ctx, a); err == nil {
		t.Fatal("a non-text template was saved")
	}
}

// A template saved as raw JSON (not stringified) comes back as an object: that is the
// broken state behind Seerr's `"[object Object]" is not valid JSON`.
func TestTemplateProblem(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	srv.SetWebhookAgent(seerrtest.WebhookAgent{Enabled: true, StoredPayload: `{"notification_type":"{{notification_type}}"}`})
	s, err := clientFor(t, srv).WebhookSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.TemplateProblem, "[object Object]") {
		t.Fatalf("problem %q", s.TemplateProblem)
	}
	for payload, want := range map[any]string{
		"{\"notification_type\": \"{{notification_type}}\"}": "",
		"{\"notification_type\": ":                           "not valid JSON",
		"[1]":                                                "not a JSON object",
		"{\"a\": 1}":                                         "no {{notification_type}}",
	} {
		got := seerr.TemplateProblem(payload)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("TemplateProblem(%q) = %q, want %q", payload, got, want)
		}
	}
	if seerr.TemplateProblem(nil) == "" {
		t.Error("no template passed")
	}
}

// The test send goes to the given settings' URL with the auth header verbatim; 204 when
// the receiver answered 2xx, an error (Seerr's 500) otherwise.
func TestWebhookAgentTest(t *testing.T) {
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Header.Get("Authorization")+" "+string(b))
		if r.Header.Get("Authorization") != "right-secret" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer hook.Close()
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	c := clientFor(t, srv)
	ctx := context.Background()
	a, err := c.ReadWebhookAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Options()["webhookUrl"] = hook.URL + "/webhook/jellyseerr"
	a.Options()["authHeader"] = "right-secret"
	if err := c.TestWebhookAgent(ctx, a); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], `right-secret {`) || !strings.Contains(got[0], `"notification_type":"TEST_NOTIFICATION"`) ||
		!strings.Contains(got[0], `"request":null`) {
		t.Fatalf("receiver got %q", got)
	}
	a.Options()["authHeader"] = "wrong"
	if err := c.TestWebhookAgent(ctx, a); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("a 401 at the receiver: %v", err)
	}
	if srv.WebhookAgentNow().URL != "" {
		t.Fatal("a test saved the settings")
	}
}
