package main

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/reconcile"
)

// Backlog is what the first reconcile pass of a first start (an empty database) found in
// Seerr: /readyz shows it under components.reconcile.info.backlog, and the log says it, so
// that delivering an existing backlog surprises nobody.
type Backlog struct {
	// Found is the approved requests the pass found deliverable (after the local filter and
	// RECONCILE_SINCE); Queued how many became tasks for delivery to MoviePilot.
	Found  int `json:"found"`
	Queued int `json:"queued"`
	// Skipped counts requests read but not queued (not approved, already available, or
	// created and last updated before Since: the first pass records those as the backlog).
	Skipped int `json:"skipped"`
	// Since is RECONCILE_SINCE as the pass applied it; absent: the whole history.
	Since *time.Time `json:"since,omitempty"`
	// EstimatedMinutes is a lower bound for delivering Queued at MP_RATE_LIMIT_PER_SEC
	// (two MoviePilot calls per task: lookup and create).
	EstimatedMinutes int       `json:"estimatedMinutes"`
	At               time.Time `json:"at"`
}

// backlogWatch turns the first successful real pass after a first start into a Backlog.
type backlogWatch struct {
	mu      sync.Mutex
	pending bool // a first start whose backlog is not known yet
	got     *Backlog
	rate    float64
	log     zerolog.Logger
}

// start is called once at start with whether the database was empty.
func (b *backlogWatch) start(empty bool, since time.Time) {
	b.mu.Lock()
	b.pending = empty
	b.mu.Unlock()
	if !empty {
		return
	}
	ev := b.log.Info()
	if since.IsZero() {
		ev.Msg("first start (empty database): the first reconcile pass queues every approved request in Seerr for delivery to MoviePilot; set RECONCILE_SINCE (a date or e.g. 720h) to start from a date instead")
		return
	}
	ev.Time("since", since).Msg("first start (empty database): the first reconcile pass queues the approved requests in Seerr created or updated since RECONCILE_SINCE")
}

// pass sees every finished pass (reconcile OnRun).
func (b *backlogWatch) pass(s reconcile.Summary) {
	if s.DryRun || s.Outcome != reconcile.OutcomeOK {
		return
	}
	b.mu.Lock()
	if !b.pending {
		b.mu.Unlock()
		return
	}
	b.pending = false
	bl := &Backlog{Found: s.Approved, Queued: s.Enqueued, Skipped: s.Skipped, Since: s.Since,
		At: s.StartedAt.Add(time.Duration(s.DurationMs) * time.Millisecond)}
	if b.rate > 0 {
		bl.EstimatedMinutes = int(math.Ceil(float64(2*s.Enqueued) / b.rate / 60))
	}
	b.got = bl
	b.mu.Unlock()

	ev := b.log.Info().Int("found", bl.Found).Int("queued", bl.Queued).Int("skipped", bl.Skipped)
	from := "in Seerr's whole history"
	if bl.Since != nil {
		ev = ev.Time("since", *bl.Since)
		from = "since RECONCILE_SINCE " + bl.Since.Format(time.RFC3339)
	}
	if bl.Queued == 0 {
		ev.Msg("first start: no approved request " + from + " needs delivery")
		return
	}
	ev.Int("estimated_minutes", bl.EstimatedMinutes).Msg(fmt.Sprintf(
		"first start: found %d approved requests %s; %d queued for delivery to MoviePilot (at least %d min at MP_RATE_LIMIT_PER_SEC); set RECONCILE_SINCE and start again on an empty DATA_DIR to begin from a later date",
		bl.Found, from, bl.Queued, bl.EstimatedMinutes))
}

// backlog returns the first start's backlog, or nil (not a first start, or not known yet).
func (b *backlogWatch) backlog() *Backlog {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.got == nil {
		return nil
	}
	c := *b.got
	return &c
}
