package config

import "time"

// Track is the validated tracking settings (pkg/track).
type Track struct {
	// Interval is how often delivered subscriptions are followed in MoviePilot
	// (MP_TRACK_INTERVAL); 0: tracking is off.
	Interval time.Duration
	// StalledAfter flags a subscription still not downloaded this long after delivery
	// (STALLED_AFTER); 0: never flagged.
	StalledAfter time.Duration
}

// trackInterval is MP_TRACK_INTERVAL: following more often than every minute only adds
// MoviePilot calls.
type trackInterval time.Duration

func (d *trackInterval) Decode(s string) error {
	return limits{min: time.Minute, off: true, days: true,
		want: "%[1]q: want a duration of at least %[2]v like 30m or 2h, or 0 to turn tracking off"}.decode((*time.Duration)(d), s)
}

// stalledAfter is STALLED_AFTER: a stall shorter than an hour would flag every new
// subscription.
type stalledAfter time.Duration

func (d *stalledAfter) Decode(s string) error {
	return limits{min: time.Hour, max: 365 * 24 * time.Hour, off: true, days: true,
		want: "%[1]q: want a duration from 1h to 365d like 14d or 72h, or 0 to never flag a subscription stalled"}.decode((*time.Duration)(d), s)
}
