package config

import (
	"strconv"
	"strings"
	"time"
)

// Track is the validated tracking settings (pkg/track).
type Track struct {
	// Interval is how often delivered subscriptions are followed in MoviePilot
	// (MP_TRACK_INTERVAL); 0: tracking is off.
	Interval time.Duration
	// StalledAfter flags a subscription still not downloaded this long after delivery
	// (STALLED_AFTER); 0: never flagged.
	StalledAfter time.Duration
}

// Limits: tracking more often than every minute only adds MoviePilot calls; a stall shorter
// than an hour would flag every new subscription.
const (
	minTrackInterval = time.Minute
	minStalledAfter  = time.Hour
	maxStalledAfter  = 365 * 24 * time.Hour
)

// load validates MP_TRACK_INTERVAL and STALLED_AFTER.
func (t *Track) load(c *collector, interval, stalledAfter string) {
	if d, ok := days(interval); !ok || (d != 0 && d < minTrackInterval) {
		c.add("MP_TRACK_INTERVAL", "%q: want a duration of at least %v like 30m or 2h, or 0 to turn tracking off", interval, minTrackInterval)
	} else {
		t.Interval = d
	}
	if d, ok := days(stalledAfter); !ok || (d != 0 && (d < minStalledAfter || d > maxStalledAfter)) {
		c.add("STALLED_AFTER", "%q: want a duration from 1h to 365d like 14d or 72h, or 0 to never flag a subscription stalled", stalledAfter)
	} else {
		t.StalledAfter = d
	}
}

// days parses a Go duration or a whole number of days ("14d"); "0" is 0. Negative is not ok.
func days(raw string) (time.Duration, bool) {
	s := strings.TrimSpace(raw)
	if s == "0" {
		return 0, true
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 || v > 100000 {
			return 0, false
		}
		return time.Duration(v) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}
