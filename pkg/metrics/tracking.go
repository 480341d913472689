package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// trackStates are the label values of seerrpilot_tracked_subscriptions (track.Round.Counts).
var trackStates = []string{"subscribed", "stalled", "downloaded", "removed"}

// tracking is the tracker's gauges.
type tracking struct {
	subs *prometheus.GaugeVec
	last prometheus.Gauge
}

func registerTracking(reg *prometheus.Registry) tracking {
	t := tracking{
		subs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "seerrpilot_tracked_subscriptions",
			Help: "Delivered subscriptions by their state in MoviePilot at the last tracking round (MP_TRACK_INTERVAL): subscribed (waiting, not stalled), stalled (still not downloaded after STALLED_AFTER), downloaded, removed (gone from MoviePilot without history).",
		}, []string{"state"}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seerrpilot_track_last_success_timestamp_seconds",
			Help: "Unix time the last tracking round that asked MoviePilot about every item finished; 0 before the first (or with tracking off).",
		}),
	}
	for _, s := range trackStates {
		t.subs.WithLabelValues(s) // from the first scrape, so alerts on stalled work
	}
	reg.MustRegister(t.subs, t.last)
	return t
}

// TrackRound records a tracking round: the items by state (keys of trackStates; others are
// ignored), and, when complete (it asked about every item), its time as the last success.
func (m *Metrics) TrackRound(counts map[string]int, complete bool, at time.Time) {
	for _, s := range trackStates {
		m.tracking.subs.WithLabelValues(s).Set(float64(counts[s]))
	}
	if complete {
		if at.IsZero() {
			at = m.now()
		}
		m.tracking.last.Set(float64(at.UnixNano()) / 1e9)
	}
}
