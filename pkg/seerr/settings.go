package seerr

import (
	"context"
	"errors"
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
		AuthHeader: w.Options.AuthHeader, SupportVariables: w.Options.SupportVariables}
	for i, h := range w.Options.CustomHeaders {
		if i == maxCustomHeaders {
			break
		}
		s.CustomHeaders = append(s.CustomHeaders, Header{Key: h.Key, Value: h.Value})
	}
	return s, nil
}
