// Package notify sends short plain-text notices about what needs a person — a failed task, a
// paused worker, MoviePilot down for long, reconcile failing — and, opt-in, delivered and
// downloaded requests, through shoutrrr URLs (NOTIFY_URLS: Telegram, Discord, ntfy, Bark,
// WeCom, generic webhooks, …).
//
// It watches, it is never in the way: the inputs (TaskChanged, MoviePilot, Reconcile,
// Downloaded) only record and return; one goroutine (Run) batches what arrived within a window
// into one message, sends it with a few retries, and logs a target that keeps failing. A state
// is announced once (a worker that stays paused is one notice) and its end once ("back to
// normal"). Every notice passes the redaction guard.
package notify

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// Options configure a Notifier. Zero values take the defaults.
type Options struct {
	Senders []Sender // none: notifications are off (inputs are ignored, Test says so)
	Events  Events   // nil: DefaultEvents
	// UnreachableAfter is how long MoviePilot must stay unreachable before it is announced
	// (NOTIFY_UNREACHABLE_AFTER, default 10m).
	UnreachableAfter time.Duration
	// Window is how long the batch stays open after the latest event (default 10s); MaxDelay
	// bounds how long the first event of a batch waits while events keep coming (default 60s).
	Window, MaxDelay time.Duration
	MaxListed        int // items listed per event before "…and N more" (default 10)
	MaxQueued        int // items held while a batch is open; the rest are only counted (default 1000)
	// Attempts per target and message (default 4: the first and 3 retries), RetryBase the
	// first backoff (default 2s, doubling), SendTimeout each attempt's bound (default 15s).
	Attempts    int
	RetryBase   time.Duration
	SendTimeout time.Duration
	Now         func() time.Time
	// After is the timer Run waits on (default time.After); tests pass a fake clock's.
	After func(time.Duration) <-chan time.Time
	Log   zerolog.Logger
	// Redact masks every configured secret in the notices and in logged errors.
	Redact *redact.Redactor
	// Observe, when set, counts each notice per event and target: outcome "sent" or "failed".
	Observe func(event, outcome string)
}

// item is one thing a notice reports.
type item struct {
	event     Event
	recovered bool   // the state ended ("back to normal")
	head      string // what: a request's title and requester, or a state
	reason    string // why, in plain words
	id        string // task id, when there is one
}

// Notifier batches events into notices. Its input methods never block.
type Notifier struct {
	o    Options
	wake chan struct{}

	mu       sync.Mutex
	queue    []item
	dropped  map[Event]int // beyond MaxQueued
	first    time.Time     // when the open batch started (zero: none)
	due      time.Time     // when the open batch goes
	paused   bool          // announced: MoviePilot auth failing
	down     time.Time     // MoviePilot unreachable since (zero: reachable)
	downWhy  string
	downSaid bool // announced
	recBad   bool // announced: reconcile failing
}

// New builds a Notifier; call Run to send.
func New(o Options) *Notifier {
	if o.Events == nil {
		o.Events, _ = ParseEvents(DefaultEvents)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.UnreachableAfter, 10*time.Minute)
	def(&o.Window, 10*time.Second)
	def(&o.MaxDelay, time.Minute)
	def(&o.RetryBase, 2*time.Second)
	def(&o.SendTimeout, 15*time.Second)
	if o.MaxListed <= 0 {
		o.MaxListed = 10
	}
	if o.MaxQueued <= 0 {
		o.MaxQueued = 1000
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	return &Notifier{o: o, wake: make(chan struct{}, 1), dropped: map[Event]int{}}
}

// Enabled reports whether any target is configured.
func (n *Notifier) Enabled() bool { return n != nil && len(n.o.Senders) > 0 }

// add queues an item of an enabled event and opens or extends the batch. Callers hold mu.
func (n *Notifier) add(it item) {
	if !n.o.Events[it.event] || len(n.o.Senders) == 0 {
		return
	}
	now := n.o.Now()
	if len(n.queue) < n.o.MaxQueued {
		n.queue = append(n.queue, it)
	} else {
		n.dropped[it.event]++
	}
	if n.first.IsZero() {
		n.first = now
	}
	n.due = now.Add(n.o.Window)
	if latest := n.first.Add(n.o.MaxDelay); n.due.After(latest) {
		n.due = latest
	}
	n.poke()
}

// poke makes Run look at the queue and its timers again; it never blocks.
func (n *Notifier) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// TaskChanged takes a task after a status change from prev: failed and success (delivered)
// are announced when they are new. Wire it where the worker records outcomes.
func (n *Notifier) TaskChanged(prev task.Status, t task.Task) {
	if n == nil || prev == t.Status {
		return
	}
	var it item
	switch t.Status {
	case task.StatusFailed:
		why := t.Reason
		if why == "" {
			why = t.LastError
		}
		it = item{event: EventFailed, head: describe(t), reason: why, id: t.ID}
	case task.StatusSuccess:
		it = item{event: EventDelivered, head: describe(t), id: t.ID}
	default:
		return
	}
	n.mu.Lock()
	n.add(it)
	n.mu.Unlock()
}

// Downloaded announces that MoviePilot finished downloading a task's media (opt-in event
// "downloaded"). The caller says each download once.
func (n *Notifier) Downloaded(t task.Task) {
	if n == nil {
		return
	}
	n.mu.Lock()
	n.add(item{event: EventDownloaded, head: describe(t), id: t.ID})
	n.mu.Unlock()
}

// MoviePilotState is the worker's view of MoviePilot, as the notifier needs it.
type MoviePilotState struct {
	Paused           bool   // auth failing: the worker sends nothing
	PausedReason     string // why
	UnreachableSince time.Time
	Unreachable      string // the last error while unreachable
}

// MoviePilot takes the worker's state whenever it changes. A pause is announced at once, an
// outage once it lasted UnreachableAfter (Run's timer fires then if no state arrives), each
// once, and their end once.
func (n *Notifier) MoviePilot(s MoviePilotState) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case s.Paused && !n.paused:
		n.paused = true
		n.add(item{event: EventPaused, head: "MoviePilot sign-in is failing: seerrpilot paused sending (no task spends attempts meanwhile)", reason: s.PausedReason})
	case !s.Paused && n.paused:
		n.paused = false
		n.add(item{event: EventPaused, recovered: true, head: "MoviePilot sign-in works again: the queue resumed"})
	}
	switch {
	case !s.UnreachableSince.IsZero():
		if n.down.IsZero() {
			n.down = s.UnreachableSince
			n.poke() // Run's timer now includes the threshold
		}
		n.downWhy = s.Unreachable
		n.checkDown()
	case !n.down.IsZero():
		if n.downSaid {
			n.add(item{event: EventUnreachable, recovered: true,
				head: "MoviePilot answers again after " + roundDur(n.o.Now().Sub(n.down)) + ": waiting tasks are going"})
		}
		n.down, n.downWhy, n.downSaid = time.Time{}, "", false
	}
}

// checkDown announces an outage that has lasted UnreachableAfter. Callers hold mu.
func (n *Notifier) checkDown() {
	if n.down.IsZero() || n.downSaid || n.o.Now().Before(n.down.Add(n.o.UnreachableAfter)) {
		return
	}
	n.downSaid = true
	n.add(item{event: EventUnreachable,
		head:   "MoviePilot has been unreachable for over " + roundDur(n.o.UnreachableAfter) + " (since " + n.down.UTC().Format("15:04 UTC") + ")",
		reason: n.downWhy})
}

// Reconcile takes the outcome of each reconcile pass: the first failure is announced, and the
// first success after it.
func (n *Notifier) Reconcile(failed bool, detail string) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case failed && !n.recBad:
		n.recBad = true
		n.add(item{event: EventReconcile, head: "Reconcile with Seerr is failing: requests whose webhook was lost are not caught up", reason: detail})
	case !failed && n.recBad:
		n.recBad = false
		n.add(item{event: EventReconcile, recovered: true, head: "Reconcile with Seerr works again"})
	}
}

// lastFlush bounds the send of what is still queued when Run's context ends.
const lastFlush = 3 * time.Second

// Run sends batches until ctx ends; what is still queued then is sent once more, briefly.
// First, on the side, it checks the targets that can be checked without sending (moviepilot://)
// and logs a warning for one that cannot work.
func (n *Notifier) Run(ctx context.Context) error {
	go n.checkTargets(ctx)
	for {
		n.mu.Lock()
		next := n.due
		if !n.down.IsZero() && !n.downSaid && n.o.Events[EventUnreachable] {
			if at := n.down.Add(n.o.UnreachableAfter); next.IsZero() || at.Before(next) {
				next = at
			}
		}
		n.mu.Unlock()
		var timer <-chan time.Time
		if !next.IsZero() {
			timer = n.o.After(next.Sub(n.o.Now()))
		}
		select {
		case <-ctx.Done():
			// One short try: the service's whole shutdown has 10 s.
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(n.o.SendTimeout, lastFlush))
			n.flush(last, 1, true)
			cancel()
			return nil
		case <-n.wake:
		case <-timer:
			n.mu.Lock()
			n.checkDown()
			n.mu.Unlock()
			n.flush(ctx, n.o.Attempts, false)
		}
	}
}

// flush sends the open batch when it is due (or now, with force).
func (n *Notifier) flush(ctx context.Context, attempts int, force bool) {
	n.mu.Lock()
	if n.first.IsZero() || (!force && n.o.Now().Before(n.due)) {
		n.mu.Unlock()
		return
	}
	items, dropped := n.queue, n.dropped
	n.queue, n.dropped, n.first, n.due = nil, map[Event]int{}, time.Time{}, time.Time{}
	n.mu.Unlock()
	if len(items) == 0 {
		return
	}
	title, body := compose(items, dropped, n.o.MaxListed)
	n.send(ctx, n.o.Redact.String(title), n.o.Redact.String(body), eventsOf(items), attempts)
}

// send delivers one notice to every target, each with its own retries.
func (n *Notifier) send(ctx context.Context, title, body string, events []Event, attempts int) []error {
	var errs []error
	for _, s := range n.o.Senders {
		err := n.sendOne(ctx, s, title, body, attempts)
		outcome := "sent"
		if err != nil {
			outcome = "failed"
			err = errors.New(s.Name() + ": " + n.o.Redact.Error(err))
			errs = append(errs, err)
			n.o.Log.Error().Str("service", s.Name()).Int("attempts", attempts).Str("error", err.Error()).
				Msg("notification not delivered; giving up on this notice")
		}
		if n.o.Observe != nil {
			for _, e := range events {
				n.o.Observe(string(e), outcome)
			}
		}
	}
	return errs
}

func (n *Notifier) sendOne(ctx context.Context, s Sender, title, body string, attempts int) error {
	exp := backoff.NewExponentialBackOff(backoff.WithInitialInterval(n.o.RetryBase), backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0.2), backoff.WithMaxElapsedTime(0))
	b := backoff.WithContext(backoff.WithMaxRetries(exp, uint64(attempts-1)), ctx)
	return backoff.RetryNotify(func() error {
		actx, cancel := context.WithTimeout(ctx, n.o.SendTimeout)
		defer cancel()
		return s.Send(actx, title, body)
	}, b, func(err error, wait time.Duration) {
		n.o.Log.Warn().Str("service", s.Name()).Str("error", n.o.Redact.Error(err)).Dur("retryIn", wait).
			Msg("notification failed; retrying")
	})
}

// checker is a target that can say, without sending, whether it can work.
type checker interface {
	Check(ctx context.Context) error
}

// checkTargets logs, once, whether each checkable target can work: a MoviePilot without MCP
// is said at the start, not at the first failure.
func (n *Notifier) checkTargets(ctx context.Context) {
	for _, s := range n.o.Senders {
		c, ok := s.(checker)
		if !ok {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, n.o.SendTimeout)
		err := c.Check(cctx)
		cancel()
		if err != nil {
			n.o.Log.Warn().Str("service", s.Name()).Str("error", n.o.Redact.Error(err)).
				Msg("notification target cannot work now; notices to it will fail (the others are not affected)")
			continue
		}
		n.o.Log.Info().Str("service", s.Name()).Msg("notification target ready")
	}
}

// ErrOff is returned by Test when NOTIFY_URLS is not set.
var ErrOff = errors.New("notifications are off: set NOTIFY_URLS (see README → Notifications)")

// Test sends a test notice to every target now, once each, and returns what failed (each error
// names the service; no URL, no secret).
func (n *Notifier) Test(ctx context.Context) error {
	if !n.Enabled() {
		return ErrOff
	}
	title := "seerrpilot: test notice"
	body := "Notifications from seerrpilot reach you here. Events: " + n.o.Events.String() + ".\n" +
		"seerrpilot 通知已送达。"
	return errors.Join(n.send(ctx, title, n.o.Redact.String(body), []Event{eventTest}, 1)...)
}
