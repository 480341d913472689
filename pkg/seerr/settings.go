package seerr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// OpWebhookSettings names GET /api/v1/settings/notifications/webhook in Error.Op and Observe.
const OpWebhookSettings = "webhook settings"

// maxSettingsBody bounds the webhook settings answer (it carries the JSON payload template).
const maxSettingsBody = 1 << 20

// maxCustomHeaders bounds the custom headers kept from the answer.
const maxCustomHeaders = 64

// Notification types of the webhook agent's Types bitmask (server/lib/notifications).
const (
	NotifyMediaPending       = 2
	NotifyMediaApproved      = 4
	NotifyMediaAvailable     = 8
	NotifyMediaFailed        = 16
	NotifyTest               = 32
	NotifyMediaDeclined      = 64
	NotifyMediaAutoApproved  = 128
	NotifyMediaAutoRequested = 4096
)

// WebhookSettings is Seerr's webhook notification agent as GET
// /api/v1/settings/notifications/webhook returns it (admin only; the API key acts as the
// first admin). AuthHeader and the custom header values are secrets: compare them, never
// print them.
type WebhookSettings struct {
	Enabled bool
	// Types is the bitmask of Notify* types the agent sends (TEST always goes out).
	Types int
	// URL is options.webhookUrl.
	URL string
	// AuthHeader is options.authHeader, sent verbatim as Authorization when not empty.
	AuthHeader string
	// CustomHeaders is options.customHeaders (Seerr 3.2+, PR #2230); authHeader wins over
	// a custom Authorization. At most maxCustomHeaders are kept.
	CustomHeaders []Header
	// SupportVariables: placeholders in URL are replaced per notification.
	SupportVariables bool
	// TemplateProblem is TemplateProblem(options.jsonPayload): why Seerr cannot send with
	// its JSON payload template, or "".
	TemplateProblem string
}

// Header is one custom header of the webhook agent.
type Header struct {
	Key, Value string
}

// Has reports whether the agent sends notification type t.
func (s WebhookSettings) Has(t int) bool { return s.Types&t == t }

// SentHeader returns the value the agent sends in header name (case-insensitive) and whether
// it sends one: authHeader for Authorization when it is set, else the first custom header of
// that name with a value.
func (s WebhookSettings) SentHeader(name string) (string, bool) {
	if equalFoldASCII(name, "Authorization") && s.AuthHeader != "" {
		return s.AuthHeader, true
	}
	for _, h := range s.CustomHeaders {
		if equalFoldASCII(h.Key, name) && h.Value != "" {
			return h.Value, true
		}
	}
	return "", false
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// wireWebhookSettings decodes strictly: settings that do not read as expected are an error,
// not a guess.
type wireWebhookSettings struct {
	Enabled bool `json:"enabled"`
	Types   int  `json:"types"`
	Options struct {
		WebhookURL       string `json:"webhookUrl"`
		AuthHeader       string `json:"authHeader"`
		SupportVariables bool   `json:"supportVariables"`
		JSONPayload      any    `json:"jsonPayload"`
		CustomHeaders    []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"customHeaders"`
	} `json:"options"`
}

func (*wireWebhookSettings) strict() {}

// WebhookSettings reads the webhook agent's settings. A key without admin rights gets an
// error matching ErrUnauthorized (403). No part of the answer (the auth header!) ever
// appears in an error.
func (c *Client) WebhookSettings(ctx context.Context) (WebhookSettings, error) {
	var w wireWebhookSettings
	if err := c.get(ctx, OpWebhookSettings, "/settings/notifications/webhook", nil, true, maxSettingsBody, &w); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Decode {
			e.Body = "" // a 2xx answer holds the auth header
		}
		return WebhookSettings{}, err
	}
	s := WebhookSettings{Enabled: w.Enabled, Types: w.Types, URL: w.Options.WebhookURL,
		AuthHeader: w.Options.AuthHeader, SupportVariables: w.Options.SupportVariables,
		TemplateProblem: TemplateProblem(w.Options.JSONPayload)}
	for i, h := range w.Options.CustomHeaders {
		if i == maxCustomHeaders {
			break
		}
		s.CustomHeaders = append(s.CustomHeaders, Header{Key: h.Key, Value: h.Value})
	}
	return s, nil
}

// Ops of the webhook agent's write and test calls (Error.Op, Observe).
const (
	OpSaveWebhookSettings = "save webhook settings"
	OpTestWebhook         = "test webhook"
)

// WebhookAgent is the webhook agent's settings object as GET
// /api/v1/settings/notifications/webhook answers it, kept whole (numbers as json.Number,
// fields seerrpilot does not know included), so that writing it back changes only what the
// caller changed. options.jsonPayload is the template text the route decoded from its
// base64 storage; a template saved broken comes back as an object or another non-string
// (see TemplateProblem). It holds the auth header: never print it.
type WebhookAgent map[string]any

// Options returns the agent's options object, creating it when missing.
func (a WebhookAgent) Options() map[string]any {
	o, ok := a["options"].(map[string]any)
	if !ok {
		o = map[string]any{}
		a["options"] = o
	}
	return o
}

// ReadWebhookAgent reads the webhook agent's settings whole (admin only, like WebhookSettings).
func (c *Client) ReadWebhookAgent(ctx context.Context) (WebhookAgent, error) {
	var raw json.RawMessage
	if err := c.get(ctx, OpWebhookSettings, "/settings/notifications/webhook", nil, true, maxSettingsBody, &raw); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Decode {
			e.Body = "" // a 2xx answer holds the auth header
		}
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var a WebhookAgent
	if err := dec.Decode(&a); err != nil {
		return nil, &Error{Op: OpWebhookSettings, Decode: true, Err: err}
	}
	return a, nil
}

// SaveWebhookAgent writes the agent with POST /api/v1/settings/notifications/webhook. The
// route replaces the whole agent and stores options.jsonPayload as base64 of what it is
// given, which its sender parses twice: so the template text (a string) is sent
// JSON-encoded, the way Seerr's UI sends JSON.stringify(text). A non-string jsonPayload is
// refused here (Seerr would store it and fail every send).
func (c *Client) SaveWebhookAgent(ctx context.Context, a WebhookAgent) error {
	body, err := wireAgent(a)
	if err != nil {
		return &Error{Op: OpSaveWebhookSettings, Err: err}
	}
	return c.call(ctx, OpSaveWebhookSettings, http.MethodPost, "/settings/notifications/webhook", nil, body, true, maxSettingsBody, nil)
}

// TestWebhookAgent asks Seerr to send its test notification with the agent's settings as
// given (not necessarily saved): POST /api/v1/settings/notifications/webhook/test answers
// 204 when the receiver answered 2xx, 500 otherwise (unreachable, 401, 404 …).
func (c *Client) TestWebhookAgent(ctx context.Context, a WebhookAgent) error {
	body, err := wireAgent(a)
	if err != nil {
		return &Error{Op: OpTestWebhook, Err: err}
	}
	return c.call(ctx, OpTestWebhook, http.MethodPost, "/settings/notifications/webhook/test", nil, body, true, maxSettingsBody, nil)
}

// wireAgent is the body of a save or test: the agent with options.jsonPayload encoded.
func wireAgent(a WebhookAgent) ([]byte, error) {
	opts, _ := a["options"].(map[string]any)
	text, ok := opts["jsonPayload"].(string)
	if !ok {
		return nil, errors.New("options.jsonPayload must be the template text")
	}
	enc, err := json.Marshal(text)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	o := make(map[string]any, len(opts))
	for k, v := range opts {
		o[k] = v
	}
	o["jsonPayload"] = string(enc)
	out["options"] = o
	return json.Marshal(out)
}

// TemplateProblem says why a JSON payload template, as GET answers options.jsonPayload,
// makes Seerr fail every send ("" when it is usable): Seerr parses the stored text twice,
// so it must come back as a string holding a JSON object. A template saved as raw JSON
// comes back as an object, and Seerr then logs `"[object Object]" is not valid JSON`.
func TemplateProblem(payload any) string {
	text, ok := payload.(string)
	if !ok {
		if payload == nil {
			return "Seerr has no JSON payload template"
		}
		return `the JSON payload template is stored as JSON, not as text: Seerr logs "[object Object]" is not valid JSON and sends nothing`
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return "the JSON payload template is not valid JSON (" + err.Error() + "): Seerr sends nothing"
	}
	if _, ok := v.(map[string]any); !ok {
		return "the JSON payload template is not a JSON object: seerrpilot answers 400 to what Seerr sends"
	}
	if !strings.Contains(text, "{{notification_type}}") {
		return "the JSON payload template has no {{notification_type}}: seerrpilot answers 400 to what Seerr sends"
	}
	return ""
}
