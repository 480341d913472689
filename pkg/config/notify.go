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
