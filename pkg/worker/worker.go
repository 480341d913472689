// Package worker drains the task queue into MoviePilot subscriptions.
//
// There is one worker, the queue's only consumer. For each due task it confirms the request
// with Seerr (when configured), plans the subscriptions (pkg/plan), and for each item still
// to do looks the subscription up in MoviePilot and creates it only if it is missing. The
// MoviePilot client paces every call it sends (MP_RATE_LIMIT_PER_SEC, see
// moviepilot.Config.RatePerSec), logins and version detection included. What happened is written back to the task
// (items, attempts, nextAttemptAt, history), so a restart keeps the schedule, and a crash
// between "MoviePilot created it" and "we recorded it" is harmless: the next attempt's lookup
// finds the subscription and links it instead of creating a second one.
//
// When MoviePilot answers 429 or 503 with Retry-After, the whole worker holds: no MoviePilot
// call at all until Retry-After has passed on the worker's clock (at most Schedule.HoldMax),
// and the task goes again exactly then; no attempt is spent, the server said when.
//
// When MoviePilot cannot be reached (connection refused, timeout, 5xx, a 429 without
// Retry-After), the whole worker waits for it instead of each task backing off on its own:
// it probes MoviePilot with one cheap lookup at a short, capped interval (Schedule.ProbeBase
// doubling to ProbeMax), makes no other call, and when a probe is answered every waiting task
// goes at once. Only the task that ran into the outage spends an attempt, so one request that
// MoviePilot always fails on cannot hold the queue forever.
//
// One attempt, in the order the files read: Run or Drain claims a due task (run.go); process
// confirms it with Seerr and plans its items (attempt.go); deliverAll gives each item a verdict
// (deliver.go); the attempt's verdict — an early end, or what its items met — is written back
// by record and settle (record.go). schedule.go holds the retry timing and what holds the whole
// worker: the auth pause, the Retry-After hold and the outage probe.
package worker

import (
	"context"
	"errors"
	"math/rand"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// Store is the task store as the worker uses it.
type Store interface {
	ClaimNext(ctx context.Context, lease time.Duration) (*task.Task, time.Time, error)
	Update(ctx context.Context, id string, fn func(*task.Task) error) (task.Task, error)
	Get(ctx context.Context, id string) (task.Task, error)
	Changed() <-chan struct{}
}

// MoviePilot is the MoviePilot client as the worker uses it.
type MoviePilot interface {
	Lookup(ctx context.Context, tmdbID int, season *int) (*moviepilot.Subscription, error)
	// Subscribe creates the subscription and confirms it by reading it back (type, season,
	// owner), or returns moviepilot.ErrAccepted when MoviePilot adds it in the background.
	Subscribe(ctx context.Context, req moviepilot.SubscribeRequest) (*moviepilot.Created, error)
	Payload(ctx context.Context, req moviepilot.SubscribeRequest) ([]byte, error)
}

// Seerr confirms a request before anything is sent (optional).
type Seerr interface {
	GetRequest(ctx context.Context, id int) (*seerr.Request, error)
}

// Titler finds a title and year for a TMDB id (optional): reconcile-found tasks have none,
// and MoviePilot wants a name with every create.
type Titler interface {
	MediaDetails(ctx context.Context, mediaType string, tmdbID int) (string, int, error)
}

// Options are the worker's dependencies and settings.
type Options struct {
	Store       Store
	MoviePilot  MoviePilot
	Seerr       Seerr  // nil: no confirmation, the webhook's data is used
	Titler      Titler // nil: no title lookup
	Policy      plan.Policy
	MaxAttempts int
	DryRun      bool
	Schedule    Schedule
	Lease       time.Duration // default 10m
	CallTimeout time.Duration // per Seerr call; default 15s (the MoviePilot client has its own)
	Log         zerolog.Logger
	Now         func() time.Time
	Rand        func() float64 // jitter source in [0,1); default math/rand
	// OnState is called whenever the worker's state changes (readiness, metrics).
	OnState func(State)
	// OnOutcome, when set, is called after each recorded attempt with how it ended: "success",
	// "nothing-sent", "retry", "throttled", "failed", "waiting", "cancelled", "interrupted",
	// "paused" or "dry-run" (the task history's outcome).
	OnOutcome func(outcome string)
	// OnDryRun, when set, receives each payload a dry run would have sent.
	OnDryRun func(t *task.Task, item string, payload []byte)
	// UserMap maps a Seerr requester to a MoviePilot user name (MP_USER_MAP); a requester
	// not in it keeps their Seerr name.
	UserMap map[string]string
	// AcceptedPolls and AcceptedWait bound how long a subscription MoviePilot accepted for
	// background adding (moviepilot.ErrAccepted) is looked for: that many lookups, the first
	// after AcceptedWait, doubling (defaults 5 and 1s: about 31s in all).
	AcceptedPolls int
	AcceptedWait  time.Duration
	// Sleep waits d or until ctx ends (false then); default a timer. Tests pass a fake.
	Sleep func(ctx context.Context, d time.Duration) bool
	// NotRecognisedFor bounds how long an item MoviePilot cannot recognise ("未识别到媒体信息":
	// unknown TMDB id, or TMDB unreachable) is retried: the item fails at the attempt after
	// which the next retry would fall later than this after the first failure (default 24h).
	NotRecognisedFor time.Duration
}

// Worker is the queue's single consumer.
type Worker struct {
	o     Options
	sched Schedule
	log   zerolog.Logger

	mu          sync.Mutex
	state       State
	pausedUntil time.Time // auth failing: no MoviePilot call before then
	heldUntil   time.Time // MoviePilot's Retry-After: no MoviePilot call before then
	pauses      int       // auth pauses in a row: the next pause's step
	// MoviePilot unreachable: since when, how many probes failed, when the next one goes, and
	// what it calls (a lookup of the item that ran into the outage).
	downSince time.Time
	probes    int
	probeAt   time.Time
	probe     func(context.Context) error
}

// The worker's statuses (State.Status).
const (
	StatusRunning   = "running"
	StatusDryRun    = "dry-run"
	StatusPaused    = "paused"    // MoviePilot auth failing
	StatusThrottled = "throttled" // holding every MoviePilot call for MoviePilot's Retry-After
	// StatusUnreachable: MoviePilot cannot be reached; the worker probes it at a short,
	// capped interval and every waiting task goes as soon as it answers.
	StatusUnreachable = "unreachable"
	StatusStopped     = "stopped"
)

// New builds a worker.
func New(o Options) (*Worker, error) {
	if o.Store == nil || o.MoviePilot == nil {
		return nil, errors.New("worker: Store and MoviePilot are required")
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Lease <= 0 {
		o.Lease = 10 * time.Minute
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.NotRecognisedFor <= 0 {
		o.NotRecognisedFor = 24 * time.Hour
	}
	if o.AcceptedPolls <= 0 {
		o.AcceptedPolls = 5
	}
	if o.AcceptedWait <= 0 {
		o.AcceptedWait = time.Second
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) bool { return sleep(ctx, d, nil) }
	}
	if err := o.Policy.Validate(); err != nil {
		return nil, err
	}
	s := o.Schedule.withDefaults()
	w := &Worker{o: o, sched: s, log: o.Log}
	w.state = State{Status: w.normalStatus(), Since: o.Now().UTC()}
	return w, nil
}

// State returns what the worker is doing now.
func (w *Worker) State() State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

func (w *Worker) setState(status, reason string, until *time.Time) {
	w.mu.Lock()
	if w.state.Status == status && w.state.Reason == reason && sameTime(w.state.PausedUntil, until) {
		w.mu.Unlock()
		return
	}
	w.state = State{Status: status, Reason: reason, Since: w.o.Now().UTC(), PausedUntil: until,
		Unreachable: w.state.Unreachable, UnreachableSince: w.state.UnreachableSince}
	st := w.state
	w.mu.Unlock()
	if w.o.OnState != nil {
		w.o.OnState(st)
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func (w *Worker) normalStatus() string {
	if w.o.DryRun {
		return StatusDryRun
	}
	return StatusRunning
}
