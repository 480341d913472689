package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/seerrpilot/seerrpilot/pkg/config"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/server"
)

// webhookSettingsReader is what doctor needs to read Seerr's webhook agent.
type webhookSettingsReader interface {
	WebhookSettings(ctx context.Context) (seerr.WebhookSettings, error)
}

// webhookPaths are the paths seerrpilot's webhook answers on (under BASE_PATH).
var webhookPaths = []string{"/webhook/jellyseerr", "/webhook/seerr", "/webhook/overseerr"}

// doctorSeerrWebhook reads Seerr's webhook agent with the API key and says exactly what to
// change there so that approvals reach this service. Neither Seerr's auth header nor
// WEBHOOK_SECRET is ever printed: they are only compared.
func doctorSeerrWebhook(ctx context.Context, r *report, cfg *config.Config, c webhookSettingsReader) {
	cctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	s, err := c.WebhookSettings(cctx)
	cancel()
	const where = "Seerr → Settings → Notifications → Webhook"
	switch {
	case errors.Is(err, seerr.ErrUnauthorized):
		r.warn("Seerr webhook settings not readable with JELLY_API_KEY (admin only): "+err.Error(),
			"check by hand in "+where+": Enable Agent, the Webhook URL, Request Approved and Request Automatically Approved")
		return
	case err != nil:
		r.warn("Seerr webhook settings not readable: "+err.Error(),
			"check by hand in "+where+": Enable Agent, the Webhook URL, Request Approved and Request Automatically Approved")
		return
	}
	want := "http://<seerrpilot host>:" + listenPort(cfg.ListenAddr) + cfg.BasePath + "/webhook/jellyseerr"

	if s.Enabled {
		r.ok("Seerr webhook agent is enabled")
	} else {
		r.fail("Seerr's webhook agent is disabled: no approval reaches seerrpilot until reconcile's next pass",
			where+": tick Enable Agent")
	}

	checkWebhookURL(r, cfg, s.URL, want, where)

	var missing []string
	if !s.Has(seerr.NotifyMediaApproved) {
		missing = append(missing, "Request Approved")
	}
	if !s.Has(seerr.NotifyMediaAutoApproved) {
		missing = append(missing, "Request Automatically Approved")
	}
	if len(missing) == 0 {
		r.ok("Seerr webhook sends Request Approved and Request Automatically Approved")
	} else {
		r.fail("Seerr webhook does not send "+strings.Join(missing, " nor ")+
			" (requests by admins and auto-approve users only send Request Automatically Approved)",
			where+" → Notification Types: tick "+strings.Join(missing, " and "))
	}
	if !s.Has(seerr.NotifyMediaDeclined) {
		r.warn("Seerr webhook does not send Request Declined: a decline in Seerr does not cancel a task that was not sent yet",
			where+" → Notification Types: tick Request Declined (optional)")
	}

	checkWebhookSecret(r, cfg, s, where)

	if s.TemplateProblem != "" {
		r.fail("Seerr webhook: "+s.TemplateProblem,
			"run `seerrpilot setup seerr` (it puts back the default template), or "+where+" → JSON Payload: reset it to the default and save")
	} else {
		r.ok("Seerr's webhook JSON payload template parses")
	}
}

// checkWebhookURL compares Seerr's Webhook URL with where this service answers. The host
// cannot be judged from here (container names, proxies); the path must be one of the
// webhook's, under BASE_PATH; another port is only a warning (a proxy or a port mapping).
func checkWebhookURL(r *report, cfg *config.Config, raw, want, where string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		r.fail("Seerr webhook has no Webhook URL", where+": set Webhook URL to "+want)
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail("Seerr's Webhook URL is not an http(s) URL", where+": set Webhook URL to "+want)
		return
	}
	shown := redactedURL(u)
	suffix := ""
	for _, p := range webhookPaths {
		if strings.HasSuffix(u.Path, p) {
			suffix = p
		}
	}
	switch {
	case suffix == "":
		r.fail("Seerr's Webhook URL "+shown+" does not end in /webhook/jellyseerr (or /webhook/seerr, /webhook/overseerr): seerrpilot answers 404 there",
			where+": set Webhook URL to "+want)
		return
	case cfg.BasePath != "" && u.Path != cfg.BasePath+suffix:
		r.fail("Seerr's Webhook URL "+shown+" is not under BASE_PATH "+cfg.BasePath,
			where+": set Webhook URL to "+want+" (or correct BASE_PATH)")
		return
	case cfg.BasePath == "" && u.Path != suffix:
		r.warn("Seerr's Webhook URL "+shown+" has the prefix "+strings.TrimSuffix(u.Path, suffix)+" and BASE_PATH is not set",
			"fine if a reverse proxy strips that prefix; otherwise set BASE_PATH="+strings.TrimSuffix(u.Path, suffix))
	default:
		r.ok("Seerr's Webhook URL " + shown + " has the webhook's path")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if lp := listenPort(cfg.ListenAddr); port != lp {
		r.warn(fmt.Sprintf("Seerr's Webhook URL uses port %s, seerrpilot listens on %s", port, lp),
			"fine behind a reverse proxy or a port mapping; otherwise use port "+lp+" in the Webhook URL")
	}
}

// checkWebhookSecret compares what Seerr sends in the secret's header with WEBHOOK_SECRET,
// in constant time, the way the webhook does (verbatim or "Bearer <secret>").
func checkWebhookSecret(r *report, cfg *config.Config, s seerr.WebhookSettings, where string) {
	if cfg.WebhookSecret == "" {
		return // warned about with the other secrets
	}
	header := cfg.WebhookSecretHeader
	if header == "" {
		header = "Authorization"
	}
	fix := where + ": set Authorization Header to the value of WEBHOOK_SECRET"
	if !strings.EqualFold(header, "Authorization") {
		fix = where + ": add the custom header " + header + " with the value of WEBHOOK_SECRET (Seerr 3.2+), or unset WEBHOOK_SECRET_HEADER and use the Authorization Header"
	}
	got, ok := s.SentHeader(header)
	switch {
	case !ok:
		r.fail("Seerr's webhook sends no "+header+" header: seerrpilot answers 401 to every webhook", fix)
	case !secretMatches(got, cfg.WebhookSecret):
		r.fail("Seerr's webhook "+header+" header does not match WEBHOOK_SECRET (neither value is shown): seerrpilot answers 401", fix)
	default:
		r.ok("Seerr's webhook " + header + " header matches WEBHOOK_SECRET")
	}
}

// secretMatches reports whether got is secret or "Bearer <secret>" (scheme case-insensitive),
// evaluating both comparisons in constant time.
func secretMatches(got, secret string) bool {
	verbatim := subtle.ConstantTimeCompare([]byte(got), []byte(secret))
	bearer := 0
	const p = "Bearer "
	if len(got) > len(p) && strings.EqualFold(got[:len(p)], p) {
		bearer = subtle.ConstantTimeCompare([]byte(got[len(p):]), []byte(secret))
	}
	return verbatim|bearer == 1
}

// redactedURL shows a URL without user info or query values (Seerr's URL may carry a token).
func redactedURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}

// listenPort is the port of LISTEN_ADDR ("8770" for ":8770").
func listenPort(addr string) string {
	if _, port, err := net.SplitHostPort(addr); err == nil && port != "" {
		return port
	}
	return "8770"
}

// readyzURL is where the service on this machine answers /readyz: LISTEN_ADDR's port on
// loopback when it listens on every address, under BASE_PATH.
func readyzURL(cfg *config.Config) string {
	host, port, err := net.SplitHostPort(cfg.ListenAddr)
	if err != nil {
		host, port = "", "8770"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + cfg.BasePath + "/readyz"
}

// maxReadyzBody bounds the /readyz answer doctor reads.
const maxReadyzBody = 64 << 10

// askRunningService asks the service holding the database lock for its /readyz. It returns
// an error when nothing (or something that is not seerrpilot) answers there.
func askRunningService(ctx context.Context, target string) (server.ReadyzBody, int, error) {
	var a server.ReadyzBody
	cctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, target, nil)
	if err != nil {
		return a, 0, err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return a, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReadyzBody))
	if err != nil {
		return a, resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return a, resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Components == nil {
		return a, resp.StatusCode, fmt.Errorf("HTTP %d, not seerrpilot's readiness answer", resp.StatusCode)
	}
	return a, resp.StatusCode, nil
}

// doctorLockedDatabase reports on a database whose lock is held: normally by the service
// itself, which is then asked for its /readyz instead of opening the file.
func doctorLockedDatabase(ctx context.Context, r *report, path, target string) {
	a, _, err := askRunningService(ctx, target)
	if err != nil {
		r.fail("database "+path+" is locked by another process, and no seerrpilot answers "+target+": "+err.Error(),
			"if seerrpilot runs with another LISTEN_ADDR or BASE_PATH, run doctor with the same values; otherwise stop whatever holds the file")
		return
	}
	store, ok := a.Components["store"]
	if ok && !store.Ready {
		r.fail("database "+path+" is in use by the running seerrpilot, which says it is unusable: "+store.Detail,
			"check the service's logs and the disk under DATA_DIR")
		return
	}
	r.ok("database " + path + " is in use by the running seerrpilot (" + target + " answers)")
	if a.Status == "ready" {
		r.ok("the running seerrpilot is ready")
		return
	}
	var parts []string
	for name, c := range a.Components {
		if !c.Ready {
			s := name + ": " + c.Status
			if c.Detail != "" {
				s += " (" + c.Detail + ")"
			}
			parts = append(parts, s)
		}
	}
	sort.Strings(parts)
	r.warn("the running seerrpilot is not ready: "+strings.Join(parts, "; "),
		"see the checks above and GET "+target)
}
