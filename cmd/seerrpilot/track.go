package main

import (
	"fmt"

	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/track"
)

// buildTracker makes the tracker that follows delivered subscriptions in MoviePilot
// (MP_TRACK_INTERVAL; off with 0, in a dry run, and without MP_URL). It shares the worker's
// MoviePilot client, so MP_RATE_LIMIT_PER_SEC paces both together.
func (c *components) buildTracker() error {
	if c.cfg.Track.Interval <= 0 || c.cfg.MPURL == "" || c.cfg.MPDryRun {
		return nil
	}
	stalled := c.cfg.Track.StalledAfter
	if stalled == 0 {
		stalled = -1 // STALLED_AFTER=0: never flag
	}
	o := track.Options{
		Store: c.store, MoviePilot: c.mp, Interval: c.cfg.Track.Interval, StalledAfter: stalled,
		Log: logging.Component(c.log, "track"), OnDownloaded: c.notifier.Downloaded,
	}
	if c.metrics != nil {
		o.OnRound = func(r track.Round) { c.metrics.TrackRound(r.Counts, r.Err == nil, r.At) }
	}
	var err error
	if c.tracker, err = track.New(o); err != nil {
		return fmt.Errorf("tracker: %w", err)
	}
	return nil
}
