package config

import (
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/notify"
)

// Notify is the validated notification settings.
type Notify struct {
	// URLs are the shoutrrr notification URLs (NOTIFY_URLS, secret); empty: notifications off.
	URLs []string
	// Events are the enabled events (NOTIFY_EVENTS).
	Events notify.Events
	// UnreachableAfter is how long MoviePilot must be unreachable before it is announced.
	UnreachableAfter time.Duration

	rawURLs string
}

// maxNotifyURLs bounds NOTIFY_URLS.
const maxNotifyURLs = 20

// load checks NOTIFY_URLS and takes the other NOTIFY_* variables from e: each URL is built by
// shoutrrr now, so a typo stops the start (exit 2) naming the URL's position and service,
// never its token.
func (n *Notify) load(c *collector, e env) {
	urls := notify.SplitURLs(n.rawURLs)
	if len(urls) > maxNotifyURLs {
		c.add("NOTIFY_URLS", "holds %d URLs: at most %d", len(urls), maxNotifyURLs)
		urls = nil
	}
	for i, u := range urls {
		if err := notify.CheckURL(u); err != nil {
			c.add("NOTIFY_URLS", "URL %d of %d: %v (URLs are separated by spaces or line breaks)", i+1, len(urls), err)
			continue
		}
		n.URLs = append(n.URLs, u)
	}
	n.Events = notify.Events(e.NotifyEvents)
	n.UnreachableAfter = time.Duration(e.NotifyUnreachableAfter)
}

// checkMoviePilot refuses moviepilot:// in NOTIFY_URLS when it cannot work: it sends through
// the MoviePilot of MP_URL with MP_TOKEN, which must be MoviePilot's API_TOKEN (its MCP
// endpoint accepts nothing else). scheme is the resolved MP_AUTH_SCHEME.
func (n *Notify) checkMoviePilot(c *collector, mpURL, scheme, token string) {
	used := false
	for _, u := range n.URLs {
		used = used || notify.Service(u) == notify.MoviePilotService
	}
	switch {
	case !used:
	case mpURL == "":
		c.add("NOTIFY_URLS", "moviepilot:// sends through MoviePilot: set MP_URL (without MoviePilot, in a dry run, it cannot work)")
	case scheme == "bearer":
		c.add("NOTIFY_URLS", "moviepilot:// needs MoviePilot's API_TOKEN in MP_TOKEN, but with MP_AUTH_SCHEME=bearer MP_TOKEN is a JWT: "+
			"use MP_AUTH_SCHEME=x-api-key with the API_TOKEN, or remove moviepilot://")
	case token == "":
		c.add("NOTIFY_URLS", "moviepilot:// needs MP_TOKEN (or MP_TOKEN_FILE) = MoviePilot's API_TOKEN (Settings → 基础设置 → API令牌): "+
			"its MCP endpoint accepts nothing else; with MP_AUTH_SCHEME=%s set MP_TOKEN as well", scheme)
	}
}

// Services names the configured notification services, for the log-safe summary.
func (n *Notify) Services() []string {
	out := []string{}
	for _, u := range n.URLs {
		out = append(out, notify.Service(u))
	}
	return out
}

// notifySecrets is every part of NOTIFY_URLS that may be secret.
func notifySecrets(raw string) []string {
	var out []string
	for _, u := range notify.SplitURLs(raw) {
		out = append(out, notify.URLSecrets(u)...)
	}
	return out
}
