package metrics

import "github.com/prometheus/client_golang/prometheus"

// Label values of seerrpilot_notifications_total (notify.Event names, "test").
var (
	notifyEvents   = set("failed", "paused", "unreachable", "reconcile", "delivered", "downloaded", "test")
	notifyOutcomes = set("sent", "failed")
)

func registerNotifications(reg *prometheus.Registry) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seerrpilot_notifications_total",
		Help: "Notices sent through NOTIFY_URLS, per event they reported and per target, by outcome (sent; failed: given up after its retries).",
	}, []string{"event", "outcome"})
	for _, o := range []string{"sent", "failed"} {
		c.WithLabelValues("failed", o) // from the first scrape, so rate() and alerts work
	}
	reg.MustRegister(c)
	return c
}

// Notification counts one notice for one event and target. It matches notify.Options.Observe.
func (m *Metrics) Notification(event, outcome string) {
	m.notifications.WithLabelValues(label(event, notifyEvents), label(outcome, notifyOutcomes)).Inc()
}
