package seerrtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
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
	// NoEmbedPoster is embedPoster false (Seerr's default is true).
	NoEmbedPoster bool
	// StoredPayload is options.jsonPayload as the last POST gave it (Seerr stores it as
	// base64 of exactly that text): JSON.stringify(template) when saved the way the UI does.
	// GET answers JSON.parse of it, so a template saved as raw JSON comes back as an
	// object. Empty: the default template.
	StoredPayload string
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
	if r.Method == http.MethodPost {
		f.saveWebhookSettings(w, r)
		return
	}
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
	var payload any = defaultJSONPayload
	if a.StoredPayload != "" {
		if err := json.Unmarshal([]byte(a.StoredPayload), &payload); err != nil {
			// Seerr's GET throws on JSON.parse: an HTML 500 from express.
			writeJSON(w, http.StatusInternalServerError, map[string]any{"message": err.Error()})
			return
		}
	}
	opts := map[string]any{"webhookUrl": a.URL, "jsonPayload": payload, "supportVariables": a.SupportVariables}
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
	writeJSON(w, http.StatusOK, map[string]any{"enabled": a.Enabled, "embedPoster": !a.NoEmbedPoster, "types": a.Types, "options": opts})
}

// wireAgent is the body of POST /settings/notifications/webhook and /test.
type wireAgent struct {
	Enabled     bool `json:"enabled"`
	EmbedPoster bool `json:"embedPoster"`
	Types       int  `json:"types"`
	Options     struct {
		JSONPayload      any    `json:"jsonPayload"`
		WebhookURL       string `json:"webhookUrl"`
		AuthHeader       string `json:"authHeader"`
		SupportVariables bool   `json:"supportVariables"`
		CustomHeaders    []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"customHeaders"`
	} `json:"options"`
}

// readAgent reads a POST body the way the route does: JSON.parse(options.jsonPayload) must
// succeed, else a 500 with the parse error (server/routes/settings/notifications.ts).
func (f *Fake) readAgent(w http.ResponseWriter, r *http.Request) (WebhookAgent, bool) {
	if r.Header.Get("X-Api-Key") != f.key {
		forbidden(w)
		return WebhookAgent{}, false
	}
	var in wireAgent
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
		return WebhookAgent{}, false
	}
	text, ok := in.Options.JSONPayload.(string)
	var probe any
	if !ok || json.Unmarshal([]byte(text), &probe) != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"message": "Unexpected token in JSON"})
		return WebhookAgent{}, false
	}
	a := WebhookAgent{Enabled: in.Enabled, NoEmbedPoster: !in.EmbedPoster, Types: in.Types, URL: in.Options.WebhookURL,
		AuthHeader: in.Options.AuthHeader, SupportVariables: in.Options.SupportVariables, StoredPayload: text}
	if f.prof.major > 3 || (f.prof.major == 3 && f.prof.minor >= 2) { // PR #2230; 3.1 drops them
		for _, h := range in.Options.CustomHeaders {
			a.CustomHeaders = append(a.CustomHeaders, [2]string{h.Key, h.Value})
		}
	}
	return a, true
}

// saveWebhookSettings answers POST /settings/notifications/webhook: the whole agent is
// replaced by the body's known fields and the stored form is answered (jsonPayload base64).
func (f *Fake) saveWebhookSettings(w http.ResponseWriter, r *http.Request) {
	a, ok := f.readAgent(w, r)
	if !ok {
		return
	}
	f.mu.lockRead()
	f.webhook = a
	f.mu.Unlock()
	opts := map[string]any{"jsonPayload": base64.StdEncoding.EncodeToString([]byte(a.StoredPayload)),
		"webhookUrl": a.URL, "authHeader": a.AuthHeader, "supportVariables": a.SupportVariables}
	writeJSON(w, http.StatusOK, map[string]any{"enabled": a.Enabled, "embedPoster": !a.NoEmbedPoster, "types": a.Types, "options": opts})
}

// webhookTest answers POST /settings/notifications/webhook/test: it sends the
// TEST_NOTIFICATION with the body's settings (saved or not) to their URL, with the auth
// header verbatim as Authorization, and answers 204 when the receiver answered 2xx, else
// 500 "Failed to send webhook notification.".
func (f *Fake) webhookTest(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": r.Method + " method not allowed"})
		return
	}
	a, ok := f.readAgent(w, r)
	if !ok {
		return
	}
	body, err := testPayload(a.StoredPayload)
	if err == nil {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		var req *http.Request
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			if a.AuthHeader != "" {
				req.Header.Set("Authorization", a.AuthHeader)
			}
			var resp *http.Response
			if resp, err = http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					err = &httpStatusError{resp.StatusCode}
				}
			}
		}
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"message": "Failed to send webhook notification."})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type httpStatusError struct{ code int }

func (e *httpStatusError) Error() string { return "HTTP " + strconv.Itoa(e.code) }

// testPayload renders a stored template for TEST_NOTIFICATION like the agent: JSON.parse
// twice (a template saved as raw JSON fails here, as Seerr's "[object Object]" does), then
// the agent's substitution (seerrhook's renderer).
func testPayload(stored string) ([]byte, error) {
	var text string
	if err := json.Unmarshal([]byte(stored), &text); err != nil {
		return nil, err
	}
	return seerrhook.Renderer{Template: []byte(text)}.Render(seerrhook.Test())
}

// WebhookAgentNow returns the agent as stored now (for tests).
func (f *Fake) WebhookAgentNow() WebhookAgent {
	f.mu.lockRead()
	defer f.mu.Unlock()
	return f.webhook
}
