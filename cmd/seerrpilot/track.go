package main

import (
	"fmt"
	"maps"
	"sync"

	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/track"
	"github.com/seerrpilot/seerrpilot/pkg/web"
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
	o.OnRound = func(r track.Round) {
		c.tracked.set(r.Counts)
		if c.metrics != nil {
			c.metrics.TrackRound(r.Counts, r.Err == nil, r.At)
		}
	}
	var err error
	if c.tracker, err = track.New(o); err != nil {
		return fmt.Errorf("tracker: %w", err)
	}
	return nil
}

// trackedCounts keeps the last tracking round's counts for the status page.
type trackedCounts struct {
	mu     sync.Mutex
	counts map[string]int
}

func (t *trackedCounts) set(c map[string]int) {
	t.mu.Lock()
	t.counts = maps.Clone(c)
	t.mu.Unlock()
}

func (t *trackedCounts) get() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.counts)
}

// pageExtras is what the status page shows besides the tasks (web.Extras): the first start's
// backlog and the tracking counts.
type pageExtras struct{ c *components }

func (p pageExtras) Backlog() *web.Backlog {
	b := p.c.backlog.backlog()
	if b == nil {
		return nil
	}
	return &web.Backlog{Found: b.Found, Queued: b.Queued, Since: b.Since}
}

func (p pageExtras) Tracked() map[string]int { return p.c.tracked.get() }
