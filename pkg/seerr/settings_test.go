package seerr_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

func TestWebhookSettings(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	c := clientFor(t, srv)

	// A fresh install: disabled, types 0, no URL, no auth header.
	s, err := c.WebhookSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, seerr.WebhookSettings{}) {
		t.Fatalf("fresh settings %+v", s)
	}

	srv.SetWebhookAgent(seerrtest.WebhookAgent{Enabled: true, Types: 4 | 32 | 128, URL: "http://sp:8770/webhook/seerr",
		AuthHeader: "auth-value", CustomHeaders: [][2]string{{"X-Seerrpilot-Secret", "custom-value"}, {"Authorization", "custom-auth"}}})
	s, err = c.WebhookSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.Enabled || !s.Has(seerr.NotifyMediaApproved) || !s.Has(seerr.NotifyMediaAutoApproved) || s.Has(seerr.NotifyMediaDeclined) ||
		s.URL != "http://sp:8770/webhook/seerr" || len(s.CustomHeaders) != 2 {
		t.Fatalf("settings %+v", s)
	}
	// authHeader wins for Authorization; custom headers by name, case-insensitively.
	if v, ok := s.SentHeader("authorization"); !ok || v != "auth-value" {
		t.Fatalf("Authorization sent %q %v", v, ok)
	}
	if v, ok := s.SentHeader("x-seerrpilot-secret"); !ok || v != "custom-value" {
		t.Fatalf("custom header sent %q %v", v, ok)
	}
	if _, ok := s.SentHeader("X-Other"); ok {
		t.Fatal("a header that is not configured is sent")
	}
	s.AuthHeader = ""
	if v, _ := s.SentHeader("Authorization"); v != "custom-auth" {
		t.Fatalf("without authHeader a custom Authorization is sent; got %q", v)
	}

	bad := newClient(t, srv.URL(), "wrong-key")
	if _, err := bad.WebhookSettings(context.Background()); !errors.Is(err, seerr.ErrUnauthorized) {
		t.Fatalf("wrong key: %v", err)
	}
}

// TestWebhookSettingsErrorsHoldNoSecret: an answer that does not decode must not put the
// auth header into the error.
func TestWebhookSettingsErrorsHoldNoSecret(t *testing.T) {
	const secret = "Auth-Header-Secret-42"
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"enabled":"yes","types":4,"options":{"authHeader":"` + secret + `"}}`))
	}))
	defer hs.Close()
	c := newClient(t, hs.URL, "k")
	_, err := c.WebhookSettings(context.Background())
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("err %v", err)
	}
}
