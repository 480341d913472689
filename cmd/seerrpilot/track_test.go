package main

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/config"
	"github.com/seerrpilot/seerrpilot/pkg/track"
	"github.com/seerrpilot/seerrpilot/reconcile"
)

// The tracker runs only when it can ask MoviePilot: not with MP_TRACK_INTERVAL=0, not in a
// dry run, not without MP_URL.
func TestBuildTrackerOnlyWhenItCanAsk(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  config.Config
		on   bool
	}{
		{"on", config.Config{MPURL: "http://mp:3001", Track: config.Track{Interval: time.Hour}}, true},
		{"interval 0", config.Config{MPURL: "http://mp:3001"}, false},
		{"dry run", config.Config{MPURL: "http://mp:3001", MPDryRun: true, Track: config.Track{Interval: time.Hour}}, false},
		{"no MP_URL", config.Config{Track: config.Track{Interval: time.Hour}}, false},
	} {
		cfg := c.cfg
		comp := &components{cfg: &cfg, log: zerolog.Nop()}
		if err := comp.buildTracker(); err != nil {
			t.Fatal(err)
		}
		if (comp.tracker != nil) != c.on {
			t.Errorf("%s: tracker built = %v", c.name, comp.tracker != nil)
		}
	}
}

// The status page sees the first start's backlog and the last round's counts (nil before it).
func TestPageExtras(t *testing.T) {
	comp := &components{log: zerolog.Nop()}
	comp.backlog.log = zerolog.Nop()
	p := pageExtras{comp}
	if p.Backlog() != nil || p.Tracked() != nil {
		t.Fatal("extras before anything happened")
	}
	comp.backlog.start(true, time.Time{})
	comp.backlog.pass(reconcile.Summary{Outcome: reconcile.OutcomeOK, Approved: 12, Enqueued: 10})
	comp.tracked.set(map[string]int{track.CountDownloaded: 3})
	if b := p.Backlog(); b == nil || b.Found != 12 || b.Queued != 10 {
		t.Fatalf("backlog %+v", b)
	}
	if got := p.Tracked(); got[track.CountDownloaded] != 3 {
		t.Fatalf("tracked %v", got)
	}
}
