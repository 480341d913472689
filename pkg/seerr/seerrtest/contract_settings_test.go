package seerrtest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// TestContractWebhookSettings checks the fake's GET /settings/notifications/webhook against
// the spec's WebhookSettings, fresh and configured, and that a drifted answer fails.
func TestContractWebhookSettings(t *testing.T) {
	doc := loadSpec(t, "seerr-api.yml", true)
	rt := route(t, doc, "/settings/notifications/webhook")
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	for _, a := range []seerrtest.WebhookAgent{
		{}, // a fresh install
		{Enabled: true, Types: seerr.NotifyMediaApproved | seerr.NotifyMediaAutoApproved, URL: "http://seerrpilot:8770/webhook/jellyseerr",
			AuthHeader: "secret-value", CustomHeaders: [][2]string{{"X-Seerrpilot-Secret", "v"}}},
	} {
		srv.SetWebhookAgent(a)
		f := fetch(t, srv, "/settings/notifications/webhook", nil)
		if f.status != http.StatusOK {
			t.Fatalf("status %d: %s", f.status, f.body)
		}
		if err := validate(doc, rt, nil, f); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(f.body, &m); err != nil {
			t.Fatal(err)
		}
		m["types"] = "4"
		b, _ := json.Marshal(m)
		drift := f
		drift.body = b
		if err := validate(doc, rt, nil, drift); err == nil {
			t.Fatal("a drifted answer (types as a string) passed validation")
		}
	}
}
