package seerrtest

import (
	"net/http"
)

// WebhookAgent is the fake's webhook notification agent, as Seerr stores it under
// settings.notifications.agents.webhook (server/lib/settings/index.ts). The zero value is
// Seerr's default: disabled, types 0 (only TEST is sent), no URL, no auth header.
type WebhookAgent struct {
	Enabled bool
	// Types is the notification bitmask (seerr.Notify*).
	Types int
	URL   string
	// AuthHeader is sent verbatim as Authorization; empty: the key is absent from the answer,
	// as on a fresh install.
	AuthHeader string
	// CustomHeaders (Seerr 3.2+, PR #2230): sent as options.customHeaders [{key,value}];
	// nil leaves the key out, as 3.1 and older do.
	CustomHeaders    [][2]string
	SupportVariables bool
}

// defaultJSONPayload is the text the settings route returns as options.jsonPayload: the
// default template (shortened), which the route decodes from its base64 storage.
const defaultJSONPayload = "{\n    \"notification_type\": \"{{notification_type}}\",\n    \"event\": \"{{event}}\",\n    \"subject\": \"{{subject}}\",\n    \"{{media}}\": {\n        \"media_type\": \"{{media_type}}\",\n        \"tmdbId\": \"{{media_tmdbid}}\"\n    },\n    \"{{request}}\": {\n        \"request_id\": \"{{request_id}}\"\n    },\n    \"{{extra}}\": []\n}"

// SetWebhookAgent replaces the webhook agent's settings.
func (f *Fake) SetWebhookAgent(a WebhookAgent) {
	f.mu.lockRead()
	f.webhook = a
	f.mu.Unlock()
}

// webhookSettings answers GET /settings/notifications/webhook like
// server/routes/settings/notifications.ts: the stored agent with jsonPayload decoded and
// supportVariables defaulted to false. The /settings router requires ADMIN
// (server/routes/index.ts); the API key acts as user 1, the admin, and anything else gets
// isAuthenticated's 403.
func (f *Fake) webhookSettings(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": r.Method + " method not allowed"})
		return
	}
	if r.Header.Get("X-Api-Key") != f.key {
		forbidden(w)
		return
	}
	f.mu.lockRead()
	a := f.webhook
	f.mu.Unlock()
	opts := map[string]any{"webhookUrl": a.URL, "jsonPayload": defaultJSONPayload, "supportVariables": a.SupportVariables}
	if a.AuthHeader != "" {
		opts["authHeader"] = a.AuthHeader
	}
	if a.CustomHeaders != nil {
		hs := make([]any, 0, len(a.CustomHeaders))
		for _, h := range a.CustomHeaders {
			hs = append(hs, map[string]any{"key": h[0], "value": h[1]})
		}
		opts["customHeaders"] = hs
	}
	writeJSON(w, http.StatusOK, map[string]any{"enabled": a.Enabled, "embedPoster": true, "types": a.Types, "options": opts})
}
