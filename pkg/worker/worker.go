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
package worker

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
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

// Schedule is the retry timing. Zero fields take the defaults.
type Schedule struct {
	RetryBase, RetryMax       time.Duration // network, timeout, 429, 5xx: 30s doubling to 6h
	BusinessBase, BusinessMax time.Duration // success:false at HTTP 200: 15m doubling to 12h
	ConfirmBase, ConfirmMax   time.Duration // waiting for Seerr to confirm seasons: 1m doubling to 1h
	PauseBase, PauseMax       time.Duration // MoviePilot auth failing: the whole worker, 30s doubling to 15m
	HoldMax                   time.Duration // Retry-After on 429/503 holds every MoviePilot call: at most 5m
	ProbeBase, ProbeMax       time.Duration // MoviePilot unreachable: probe it after 1s doubling to 5s (±20%)
	DryRun                    time.Duration // dry run: look at the task again after 1h
}

func (s Schedule) withDefaults() Schedule {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&s.RetryBase, 30*time.Second)
	def(&s.RetryMax, 6*time.Hour)
	def(&s.BusinessBase, 15*time.Minute)
	def(&s.BusinessMax, 12*time.Hour)
	def(&s.ConfirmBase, time.Minute)
	def(&s.ConfirmMax, time.Hour)
	def(&s.PauseBase, 30*time.Second)
	def(&s.PauseMax, 15*time.Minute)
	def(&s.HoldMax, 5*time.Minute)
	def(&s.ProbeBase, time.Second)
	def(&s.ProbeMax, 5*time.Second)
	def(&s.DryRun, time.Hour)
	return s
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
	pause       *backoff.ExponentialBackOff
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
	pause := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(s.PauseBase), backoff.WithMaxInterval(s.PauseMax),
		backoff.WithMultiplier(2), backoff.WithRandomizationFactor(0.2), backoff.WithMaxElapsedTime(0))
	w := &Worker{o: o, sched: s, log: o.Log, pause: pause}
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

// Run drains due tasks until ctx ends. It sleeps until the next task falls due or the store
// signals new work.
func (w *Worker) Run(ctx context.Context) error {
	w.setState(w.normalStatus(), "", nil)
	defer w.setState(StatusStopped, "", nil)
	storeErrors := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		if until := w.blockedUntil(); !until.IsZero() {
			if !sleep(ctx, until.Sub(w.o.Now()), nil) {
				return nil
			}
			if !w.resume(ctx) {
				continue // MoviePilot still unreachable: the next probe is scheduled
			}
		}
		t, next, err := w.o.Store.ClaimNext(ctx, w.o.Lease)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if storeErrors == 0 {
				w.log.Error().Err(err).Msg("cannot read the task queue; retrying every few seconds")
			}
			storeErrors++
			if !sleep(ctx, 2*time.Second, nil) {
				return nil
			}
			continue
		}
		if storeErrors > 0 {
			w.log.Info().Int("errors", storeErrors).Msg("task queue readable again")
			storeErrors = 0
		}
		if t == nil {
			wait := time.Minute
			if !next.IsZero() {
				wait = next.Sub(w.o.Now())
			}
			if !sleep(ctx, wait, w.o.Store.Changed()) {
				return nil
			}
			continue
		}
		w.process(ctx, t)
	}
}

// DrainReport is what Drain did.
type DrainReport struct {
	Processed int
	Tasks     []task.Task // each task as left after its attempt
}

// Drain tries every task that is due now once, then returns (for `sync once`).
func (w *Worker) Drain(ctx context.Context) (DrainReport, error) {
	var rep DrainReport
	seen := map[string]bool{}
	for ctx.Err() == nil {
		if until := w.blockedUntil(); !until.IsZero() {
			if w.o.Now().Before(until) {
				break // paused, held or waiting for MoviePilot: what is left waits for the next run
			}
			if !w.resume(ctx) {
				break
			}
		}
		t, _, err := w.o.Store.ClaimNext(ctx, w.o.Lease)
		if err != nil {
			return rep, err
		}
		if t == nil {
			break
		}
		if seen[t.ID] {
			// Due again already (e.g. new seasons arrived): leave it for the next run.
			_, err := w.o.Store.Update(context.WithoutCancel(ctx), t.ID, func(x *task.Task) error {
				if x.Status == task.StatusRunning {
					x.Status = task.StatusPending
				}
				return nil
			})
			if err != nil {
				return rep, err
			}
			break
		}
		seen[t.ID] = true
		after := w.process(ctx, t)
		rep.Processed++
		rep.Tasks = append(rep.Tasks, after)
	}
	return rep, ctx.Err()
}

func (w *Worker) paused() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pausedUntil
}

// blockedUntil is when the worker may call MoviePilot again (auth pause, Retry-After hold or
// the next probe of an unreachable MoviePilot, whichever ends last); zero when nothing holds it.
func (w *Worker) blockedUntil() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	until := w.pausedUntil
	for _, t := range []time.Time{w.heldUntil, w.probeAt} {
		if t.After(until) {
			until = t
		}
	}
	return until
}

// resume ends a pause, hold or outage whose time has come, and reports whether tasks may go.
// After an auth pause the next task's call is the probe, and state says running again only
// when it succeeds; a Retry-After hold is simply over; while MoviePilot is unreachable one
// probe goes, and only an answer (of any kind) lets the tasks go.
func (w *Worker) resume(ctx context.Context) bool {
	w.mu.Lock()
	w.pausedUntil, w.heldUntil = time.Time{}, time.Time{}
	throttled := w.state.Status == StatusThrottled
	probe := w.probe
	w.mu.Unlock()
	if probe != nil {
		err := probe(ctx)
		if ctx.Err() != nil {
			return false
		}
		if err != nil && moviepilot.Classify(err) == moviepilot.ClassRetry {
			w.stillDown(err)
			return false
		}
		w.reachable()
		return true
	}
	if throttled {
		w.setState(w.normalStatus(), "", nil)
	}
	return true
}

// unreachable records that MoviePilot could not be reached and schedules the next probe:
// a lookup of the item that ran into the outage.
func (w *Worker) unreachable(err error, probe func(context.Context) error, log zerolog.Logger) {
	w.mu.Lock()
	now := w.o.Now()
	first := w.downSince.IsZero()
	if first {
		w.downSince = now
		w.probes = 0
	}
	w.probe = probe
	w.mu.Unlock()
	if first {
		log.Warn().Err(err).Msg("MoviePilot unreachable: every task waits; probing it until it answers (no attempts are spent)")
	}
	w.stillDown(err)
}

// stillDown schedules the next probe after a failed one: ProbeBase doubling to ProbeMax.
func (w *Worker) stillDown(err error) {
	w.mu.Lock()
	w.probes++
	d := w.delay(w.probes, w.sched.ProbeBase, w.sched.ProbeMax)
	now := w.o.Now()
	w.probeAt = now.Add(d)
	since, until := w.downSince.UTC(), w.probeAt.UTC()
	w.state.Unreachable, w.state.UnreachableSince = err.Error(), &since
	w.mu.Unlock()
	w.setState(StatusUnreachable, fmt.Sprintf("MoviePilot unreachable since %s: %s", since.Format(time.RFC3339), err), &until)
}

// reachable ends an outage: MoviePilot answered.
func (w *Worker) reachable() {
	w.mu.Lock()
	since := w.downSince
	w.downSince, w.probeAt, w.probe, w.probes = time.Time{}, time.Time{}, nil, 0
	w.state.Unreachable, w.state.UnreachableSince = "", nil
	w.mu.Unlock()
	if !since.IsZero() {
		w.log.Info().Dur("down_for", w.o.Now().Sub(since)).Msg("MoviePilot reachable again: waiting tasks go now")
		w.setState(w.normalStatus(), "", nil)
	}
}

// sleep waits d (or until wake fires); false when ctx ended.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

// outcome of one item's delivery.
type outcome int

const (
	outOK       outcome = iota
	outDryRun           // dry run: would have created it
	outRetry            // transient: stop this attempt, back off
	outBusiness         // success:false at 200: try again much later, go on with other items
	outFailed           // permanent for this item, go on with other items
	outAuth             // auth failing: pause the worker
	outStopped          // shutdown or cancellation: stop, no attempt counted
)

// attempt is the running record of one processing of one task.
type attempt struct {
	task        *task.Task
	items       []task.Item
	input       task.Input
	inputSet    bool // confirmation changed the input
	notes       []string
	lastResp    string
	lastErr     string
	retryAfter  time.Duration
	retry       bool // some item needs a transient retry
	throttled   bool // the attempt ended on a 429/503 with Retry-After: no attempt spent, go again then
	outage      bool // the attempt ran into an unreachable MoviePilot (no Retry-After)
	free        bool // with outage: a 429, MoviePilot rate-limited us; no attempt spent
	business    bool // some item got success:false
	dryRun      bool
	auth        bool
	stopped     bool // shutdown or cancelled mid-way
	cancelled   string
	waitReason  string // waiting for Seerr to confirm seasons
	failReason  string // the task cannot be planned at all
	nothingToDo bool   // Seerr says the media is already available
	// seerrAnswered: Seerr confirmed the request in this attempt (so a missing season list
	// is Seerr's answer, not an outage).
	seerrAnswered bool
	outcome       string // how the attempt ended (its history outcome), for Options.OnOutcome
}

// history adds the attempt's outcome to the task's history and remembers it.
func (a *attempt) history(t *task.Task, now time.Time, outcome, summary string) {
	a.outcome = outcome
	t.AddHistory(now, outcome, summary)
}

// maxSeasonWaits bounds how often a TV task whose seasons nobody named waits for Seerr
// (1 min doubling to 1 h: about 7 h in all) before it fails with the fix.
const maxSeasonWaits = 12

// noSeasonsFix is the failure of a TV task whose requested seasons cannot be known.
func noSeasonsFix(why string) string {
	return "cannot tell which seasons were requested: " + why + ". seerrpilot never guesses. Fix: set JELLY_URL " +
		"and JELLY_API_KEY so it can ask Seerr, or keep the \"{{extra}}\" block (\"Requested Seasons\") in Seerr's " +
		"webhook JSON payload (the default template has it); then retry this task"
}

func (w *Worker) process(ctx context.Context, t *task.Task) task.Task {
	log := w.log.With().Str("task_id", t.ID).Str("key", t.Key).Str("title", t.Input.Title).Logger()
	a := &attempt{task: t, input: t.Input}
	w.confirm(ctx, t, a, log)

	if a.cancelled == "" && a.waitReason == "" && a.failReason == "" && !a.stopped && !a.nothingToDo {
		planned, err := plan.Items(a.input, w.o.Policy)
		switch {
		case errors.Is(err, plan.ErrNoSeasons) && w.o.Seerr == nil:
			// Webhook-only: nobody can say which seasons were requested, so waiting cannot help.
			a.failReason = noSeasonsFix("the webhook named no seasons and, without JELLY_URL, seerrpilot cannot ask Seerr")
		case errors.Is(err, plan.ErrNoSeasons) && a.seerrAnswered && trailing(t.History, "waiting") >= maxSeasonWaits:
			a.failReason = noSeasonsFix(fmt.Sprintf("Seerr named no seasons for this request in %d checks over several hours", maxSeasonWaits))
		case errors.Is(err, plan.ErrNoSeasons):
			a.waitReason = "waiting for Seerr to confirm which seasons were requested: the webhook named none, and seerrpilot never guesses"
		case err != nil:
			a.failReason = "cannot plan this request: " + err.Error()
		default:
			a.items, _ = plan.Merge(t.Items, planned)
			w.deliverAll(ctx, t, a, log)
		}
	}
	return w.record(ctx, t, a, log)
}

// confirm checks the request with Seerr: authoritative seasons and 4K, still approved, still
// there. If Seerr cannot be reached, the task goes on with the data it has.
func (w *Worker) confirm(ctx context.Context, t *task.Task, a *attempt, log zerolog.Logger) {
	if w.o.Seerr != nil && t.Input.RequestID > 0 {
		cctx, cancel := context.WithTimeout(ctx, w.o.CallTimeout)
		r, err := w.o.Seerr.GetRequest(cctx, t.Input.RequestID)
		cancel()
		switch {
		case ctx.Err() != nil:
			a.stopped = true
			return
		case errors.Is(err, seerr.ErrNotFound):
			a.cancelled = "the request no longer exists in Seerr"
			return
		case errors.Is(err, seerr.ErrUnauthorized):
			// Seerr answered, and refused the key: not an outage, a setting to fix.
			a.notes = append(a.notes, "Seerr refused the API key (HTTP 401/403), used the data we had; check JELLY_API_KEY")
			log.Warn().Err(err).Msg("Seerr refused JELLY_API_KEY (HTTP 401/403); using the data we have. Fix: copy the key from Seerr → Settings → General → API Key into JELLY_API_KEY")
		case err != nil:
			a.notes = append(a.notes, "Seerr unreachable, used the data we had")
			log.Warn().Err(err).Msg("could not confirm the request with Seerr; using the data we have")
		default:
			switch r.Status {
			case seerr.RequestDeclined:
				a.cancelled = "declined in Seerr"
				return
			case seerr.RequestPending:
				a.waitReason = "the request is pending approval in Seerr again"
				return
			}
			fresh := plan.Input(*r)
			if fresh.TMDBID > 0 && fresh.TMDBID != a.input.TMDBID {
				a.failReason = fmt.Sprintf("Seerr says request %d is TMDB %d, not %d", r.ID, fresh.TMDBID, a.input.TMDBID)
				return
			}
			if fresh.MediaType == task.TypeTV && len(fresh.Seasons) > 0 {
				a.input.Seasons = fresh.Seasons
			}
			a.input.Is4K = fresh.Is4K
			a.input.RequestStatus = fresh.RequestStatus
			a.input.RequestUpdatedAt = fresh.RequestUpdatedAt
			a.inputSet = true
			a.seerrAnswered = true
			if ok, why := seerr.Deliverable(*r); !ok {
				// COMPLETED or AVAILABLE: nothing left to download.
				a.items = skipAll(t.Items, a.input, w.o.Policy, "already available in Seerr: "+why)
				a.notes = append(a.notes, "Seerr: "+why+"; nothing to send")
				a.nothingToDo = true
				return
			}
		}
	}
	if a.input.Title == "" && w.o.Titler != nil {
		cctx, cancel := context.WithTimeout(ctx, w.o.CallTimeout)
		title, year, err := w.o.Titler.MediaDetails(cctx, string(a.input.MediaType), a.input.TMDBID)
		cancel()
		if title = task.CleanTitle(title); err == nil && title != "" {
			a.input.Title, a.inputSet = title, true
			if a.input.Year == 0 {
				a.input.Year = year
			}
		}
	}
}

// skipAll plans the input and marks every item not yet done as skipped.
func skipAll(existing []task.Item, in task.Input, p plan.Policy, reason string) []task.Item {
	planned, err := plan.Items(in, p)
	if err != nil {
		planned = nil
	}
	items, _ := plan.Merge(existing, planned)
	for i := range items {
		if !items[i].State.Done() {
			items[i].State, items[i].Reason, items[i].LastError = task.ItemSkipped, reason, ""
		}
	}
	return items
}

func (w *Worker) deliverAll(ctx context.Context, t *task.Task, a *attempt, log zerolog.Logger) {
	for _, i := range plan.Pending(a.items) {
		// A task cancelled while running stops before its next MoviePilot call.
		if cur, err := w.o.Store.Get(ctx, t.ID); err == nil && cur.Status == task.StatusCancelled {
			a.stopped = true
			return
		}
		switch w.deliver(ctx, a, &a.items[i], log) {
		case outRetry:
			a.retry = true
			return // MoviePilot is struggling: no more calls this attempt
		case outAuth:
			a.auth = true
			return
		case outStopped:
			a.stopped = true
			return
		case outBusiness:
			a.business = true
		case outDryRun:
			a.dryRun = true
		}
	}
}

// deliver brings one item to MoviePilot: look it up, create it only if missing.
func (w *Worker) deliver(ctx context.Context, a *attempt, it *task.Item, log zerolog.Logger) outcome {
	in := a.input
	if it.Season != nil && *it.Season == 0 {
		it.State = task.ItemFailed
		it.LastError = "not sent: MoviePilot cannot hold a season-0 (specials) subscription — it stores season 0 as season 1, " +
			"which would subscribe the wrong season. Subscribe specials by hand, or set TV_SPECIALS=exclude"
		a.notes = append(a.notes, it.Key()+" not sent (specials)")
		return outFailed
	}
	req := moviepilot.SubscribeRequest{
		Name: task.CleanTitle(in.Title), Year: in.Year, MediaType: string(in.MediaType), TMDBID: in.TMDBID,
		Season: it.Season, StartEpisode: it.StartEpisode, TotalEpisode: it.TotalEpisode,
		Username: w.owner(in.RequestedBy),
	}
	if req.Name == "" {
		// MoviePilot recognises by tmdbid; the name is only its fallback. Never leave it empty.
		req.Name = "tmdb:" + strconv.Itoa(in.TMDBID)
	}
	sub, err := w.o.MoviePilot.Lookup(ctx, in.TMDBID, it.Season)
	if err != nil {
		return w.failure(ctx, a, it, "lookup", err, log)
	}
	// Link only a row of the same TMDB id, type and season: a movie lookup matches on the
	// TMDB id alone, and a show can share a movie's number.
	if moviepilot.Matches(sub, req) {
		it.State, it.MPSubscriptionID, it.LastError = task.ItemExisting, sub.ID, ""
		a.notes = append(a.notes, fmt.Sprintf("%s existing #%d", it.Key(), sub.ID))
		w.markHealthy()
		return outOK
	}
	if w.o.DryRun {
		body, err := w.o.MoviePilot.Payload(ctx, req)
		if err != nil {
			return w.failure(ctx, a, it, "payload", err, log)
		}
		log.Info().Str("item", it.Key()).RawJSON("payload", body).Msg("dry run: would create this MoviePilot subscription")
		if w.o.OnDryRun != nil {
			w.o.OnDryRun(a.task, it.Key(), body)
		}
		a.notes = append(a.notes, it.Key()+" would be created (dry run)")
		w.markHealthy()
		return outDryRun
	}
	created, err := w.o.MoviePilot.Subscribe(ctx, req)
	if errors.Is(err, moviepilot.ErrAccepted) {
		created, err = w.awaitAccepted(ctx, req)
	}
	if err != nil {
		return w.failure(ctx, a, it, "create", err, log)
	}
	id := created.ID
	it.State, it.MPSubscriptionID, it.LastError = task.ItemSubscribed, id, ""
	a.lastResp = fmt.Sprintf("create %s: success, id %d", it.Key(), id)
	a.notes = append(a.notes, fmt.Sprintf("%s subscribed #%d", it.Key(), id))
	log.Info().Str("item", it.Key()).Int("mp_id", id).Int("tmdb_id", in.TMDBID).Str("mp_user", created.Username).Msg("subscribed in MoviePilot")
	w.markHealthy()
	if created.OwnerErr != nil {
		a.notes = append(a.notes, fmt.Sprintf("%s owner not set: %v", it.Key(), created.OwnerErr))
		log.Warn().Str("item", it.Key()).Err(created.OwnerErr).Msg("subscribed, but not as the requester")
		var mpErr *moviepilot.Error
		if errors.As(created.OwnerErr, &mpErr) && mpErr.RetryAfter > 0 {
			// The owner update was answered 429/503 with Retry-After: the subscription
			// stands, but no further MoviePilot call may go before Retry-After.
			a.throttled, a.retryAfter = true, max(a.retryAfter, mpErr.RetryAfter)
			w.holdFor(mpErr.Status, mpErr.RetryAfter, log)
			if mpErr.Status == http.StatusTooManyRequests {
				log.Warn().Str("item", it.Key()).Str("op", "update").Err(mpErr).Msg("MoviePilot rate-limited this call (429); no call before its Retry-After, no attempt counted")
			}
			return outRetry
		}
	}
	return outOK
}

// owner is the MoviePilot user a Seerr requester's subscriptions belong to.
func (w *Worker) owner(requester string) string {
	if u, ok := w.o.UserMap[requester]; ok {
		return u
	}
	return requester
}

// awaitAccepted looks a subscription MoviePilot accepted for background adding up until it
// appears with the right type and season: a bounded number of lookups on the worker's clock,
// the wait doubling. Never seen → a retryable error that says where to look.
func (w *Worker) awaitAccepted(ctx context.Context, req moviepilot.SubscribeRequest) (*moviepilot.Created, error) {
	wait, total := w.o.AcceptedWait, time.Duration(0)
	for i := 0; i < w.o.AcceptedPolls; i++ {
		if !w.o.Sleep(ctx, wait) {
			return nil, &moviepilot.Error{Op: "create", Class: moviepilot.ClassCanceled, Message: "stopped while waiting for MoviePilot's background add"}
		}
		total += wait
		wait *= 2
		sub, err := w.o.MoviePilot.Lookup(ctx, req.TMDBID, req.Season)
		if err != nil {
			return nil, err
		}
		if moviepilot.Matches(sub, req) {
			c := &moviepilot.Created{Subscription: *sub}
			if sub.Username != req.Username {
				c.OwnerErr = fmt.Errorf("MoviePilot stored %q as the subscription's user, not %q", sub.Username, req.Username)
			}
			return c, nil
		}
	}
	what := fmt.Sprintf("TMDB %s %d", req.MediaType, req.TMDBID)
	if req.Season != nil {
		what += " season " + strconv.Itoa(*req.Season)
	}
	return nil, &moviepilot.Error{Op: "create", Class: moviepilot.ClassRetry, Message: fmt.Sprintf(
		"MoviePilot accepted %s on /api/v1/subscribe/seerr (it adds in the background and only logs failures), "+
			"but no such subscription appeared after %d lookups over %s: see MoviePilot's log (TMDB unreachable? unknown id?); will retry",
		what, w.o.AcceptedPolls, total)}
}

// failure classifies a MoviePilot error into what the item and the attempt do next.
func (w *Worker) failure(ctx context.Context, a *attempt, it *task.Item, op string, err error, log zerolog.Logger) outcome {
	msg := err.Error()
	var mpErr *moviepilot.Error
	if errors.As(err, &mpErr) {
		a.lastResp = op + ": " + mpErr.Error()
		if mpErr.RetryAfter > a.retryAfter {
			a.retryAfter = mpErr.RetryAfter
		}
	}
	if ctx.Err() != nil {
		return outStopped
	}
	switch moviepilot.Classify(err) {
	case moviepilot.ClassAuth:
		a.lastErr = msg
		w.pauseFor(msg, log)
		return outAuth
	case moviepilot.ClassRetry:
		it.LastError, a.lastErr = msg, msg
		if mpErr != nil && mpErr.RetryAfter > 0 {
			// MoviePilot said when: hold every call until then, and go again exactly then.
			a.throttled = true
			w.holdFor(mpErr.Status, mpErr.RetryAfter, log)
			msg := "MoviePilot asked to wait (503 Retry-After); will retry then, no attempt counted"
			if mpErr.Status == http.StatusTooManyRequests {
				msg = "MoviePilot rate-limited this call (429); will retry at its Retry-After, no attempt counted"
			}
			log.Warn().Str("item", it.Key()).Str("op", op).Err(err).Msg(msg)
			return outRetry
		}
		a.outage = true
		a.free = mpErr != nil && mpErr.Status == http.StatusTooManyRequests
		tmdb, season := a.input.TMDBID, it.Season
		w.unreachable(err, func(ctx context.Context) error {
			_, err := w.o.MoviePilot.Lookup(ctx, tmdb, season)
			return err
		}, log)
		log.Warn().Str("item", it.Key()).Str("op", op).Err(err).Msg("MoviePilot call failed; the task goes again as soon as MoviePilot answers")
		return outRetry
	case moviepilot.ClassBusiness:
		it.LastError, a.lastErr = msg, msg
		if mpErr != nil && mpErr.Reason == moviepilot.ReasonNotRecognised {
			if failing, giveUp := w.recognitionBudget(a.task); giveUp {
				it.State = task.ItemFailed
				it.LastError = fmt.Sprintf("gave up after %s of failed attempts (the next retry would be more than %s after the first): %s",
					failing.Round(time.Minute), w.o.NotRecognisedFor, msg)
				a.lastErr = it.LastError
				log.Error().Str("item", it.Key()).Err(err).Msg("MoviePilot still cannot recognise this TMDB id; giving up")
				return outFailed
			}
		}
		log.Warn().Str("item", it.Key()).Str("op", op).Err(err).Msg("MoviePilot refused (success:false); will retry much later")
		return outBusiness
	case moviepilot.ClassCanceled:
		return outStopped
	default:
		it.State, it.LastError, a.lastErr = task.ItemFailed, msg, msg
		log.Error().Str("item", it.Key()).Str("op", op).Err(err).Msg("MoviePilot rejected this subscription; not retrying")
		return outFailed
	}
}

// recognitionBudget says how long the task has been failing (since the first of its trailing
// "retry" attempts, or now) and whether the next business retry — base·2^attempts, capped,
// plus the full +20% jitter — would come later than NotRecognisedFor after that.
func (w *Worker) recognitionBudget(t *task.Task) (time.Duration, bool) {
	now := w.o.Now()
	since := now
	if n := trailing(t.History, "retry"); n > 0 {
		since = t.History[len(t.History)-n].At
	}
	next := w.sched.BusinessBase
	for i := 0; i < t.Attempts && next < w.sched.BusinessMax; i++ {
		next *= 2
	}
	next = min(next, w.sched.BusinessMax) * 6 / 5
	failing := now.Sub(since)
	return failing, failing+next > w.o.NotRecognisedFor
}

// pauseFor pauses the whole worker after an auth failure that survived a re-login: every task
// would fail the same way, so no task's attempts are spent on it.
func (w *Worker) pauseFor(reason string, log zerolog.Logger) {
	w.mu.Lock()
	d := w.pause.NextBackOff()
	until := w.o.Now().Add(d)
	w.pausedUntil = until
	w.mu.Unlock()
	log.Error().Str("reason", reason).Dur("retry_in", d).Msg("MoviePilot auth failing: worker paused (no task attempts are spent)")
	u := until.UTC()
	w.setState(StatusPaused, "moviepilot auth failing: "+reason, &u)
}

// holdFor stops every MoviePilot call, for every task, until MoviePilot's Retry-After has
// passed on the worker's clock. The hold is capped at Schedule.HoldMax, so a hostile or broken
// header cannot stall the queue for hours; the throttled task itself still waits the full
// Retry-After through its own schedule. A hold is not a failure: no attempt is spent on it,
// and the worker stays ready.
func (w *Worker) holdFor(status int, retryAfter time.Duration, log zerolog.Logger) {
	d := min(retryAfter, w.sched.HoldMax)
	w.mu.Lock()
	if until := w.o.Now().Add(d); until.After(w.heldUntil) {
		w.heldUntil = until
	}
	until := w.heldUntil
	w.mu.Unlock()
	reason := fmt.Sprintf("MoviePilot asked to wait (%d Retry-After %s)", status, retryAfter)
	if d < retryAfter {
		reason += fmt.Sprintf("; holding %s, the most seerrpilot waits", d)
	}
	log.Warn().Int("status", status).Dur("retry_after", retryAfter).Time("until", until).
		Msg("MoviePilot asked to wait: no MoviePilot call until then")
	u := until.UTC()
	w.setState(StatusThrottled, reason, &u)
}

// markHealthy records a MoviePilot call that worked: an auth pause is over.
func (w *Worker) markHealthy() {
	w.mu.Lock()
	w.pause.Reset()
	w.mu.Unlock()
	w.reachable()
	w.setState(w.normalStatus(), "", nil)
}

// delay is base·2^(n-1), capped, with ±20% jitter.
func (w *Worker) delay(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	j := 0.8 + 0.4*w.o.Rand()
	return time.Duration(float64(d) * j)
}

// record writes the attempt back: items, input corrections, status, schedule and history.
func (w *Worker) record(ctx context.Context, claimed *task.Task, a *attempt, log zerolog.Logger) task.Task {
	// Write even when ctx ended (shutdown): a bounded, uncancelled context of its own.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var summary string
	out, err := w.o.Store.Update(wctx, claimed.ID, func(t *task.Task) error {
		now := w.o.Now().UTC()
		if a.items != nil {
			t.Items = a.items
		}
		if a.inputSet {
			t.Input.Seasons = a.input.Seasons
			t.Input.Is4K = a.input.Is4K
			t.Input.RequestStatus = a.input.RequestStatus
			if u := a.input.RequestUpdatedAt; u != nil && (t.Input.RequestUpdatedAt == nil || u.After(*t.Input.RequestUpdatedAt)) {
				t.Input.RequestUpdatedAt = u
			}
			if t.Input.Title == "" {
				t.Input.Title, t.Input.Year = a.input.Title, a.input.Year
			}
		}
		if a.lastResp != "" {
			t.LastResponse = a.lastResp
		}
		notes := strings.Join(a.notes, "; ")
		if t.Status == task.StatusCancelled {
			// Cancelled by an operator or Seerr while running: keep what was done, stop.
			summary = joinNonEmpty("stopped: cancelled while running", notes)
			a.history(t, now, "cancelled", summary)
			return nil
		}
		newer := t.Revision > claimed.Revision // new seasons arrived meanwhile
		switch {
		case a.cancelled != "":
			t.Status, t.Reason, t.LastError = task.StatusCancelled, a.cancelled, ""
			t.CancelledBy = task.CancelledBySeerr
			summary = a.cancelled
			a.history(t, now, "cancelled", summary)
		case a.failReason != "":
			t.Status, t.Reason, t.LastError = task.StatusFailed, a.failReason, a.failReason
			summary = a.failReason
			a.history(t, now, "failed", summary)
		case a.stopped:
			t.Status, t.NextAttemptAt = task.StatusPending, now
			summary = joinNonEmpty("interrupted (shutdown or cancel); will resume", notes)
			a.history(t, now, "interrupted", summary)
		case a.auth:
			t.Status = task.StatusPending
			t.NextAttemptAt = w.paused()
			if t.NextAttemptAt.Before(now) {
				t.NextAttemptAt = now
			}
			t.LastError = a.lastErr
			summary = "MoviePilot auth failing; worker paused, no attempt counted"
			a.history(t, now, "paused", summary)
		case a.waitReason != "":
			// Waiting is not failing: it spends no attempts and never gives up, but backs off.
			t.Status, t.Reason = task.StatusPending, a.waitReason
			t.NextAttemptAt = now.Add(w.delay(trailing(t.History, "waiting")+1, w.sched.ConfirmBase, w.sched.ConfirmMax))
			summary = a.waitReason
			a.history(t, now, "waiting", summary)
		default:
			w.settle(t, a, newer, now, notes, &summary)
		}
		return nil
	})
	if err != nil {
		log.Error().Err(err).Msg("could not record the outcome; the task is reclaimed at the next start")
		return *claimed
	}
	if w.o.OnOutcome != nil && a.outcome != "" {
		w.o.OnOutcome(a.outcome)
	}
	log.Info().Str("status", string(out.Status)).Int("attempts", out.Attempts).Str("summary", summary).Msg("task attempt done")
	return out
}

// settle decides the status after items were delivered (or not).
func (w *Worker) settle(t *task.Task, a *attempt, newer bool, now time.Time, notes string, summary *string) {
	sum := plan.Outcome(t.Items)
	t.Reason = ""
	switch {
	case sum.Pending > 0 && a.dryRun && !a.retry && !a.business:
		t.Status = task.StatusPending
		t.NextAttemptAt = now.Add(w.sched.DryRun)
		*summary = joinNonEmpty("dry run", notes)
		t.Reason = "MP_DRY_RUN=true: nothing is sent; the task stays pending"
		a.history(t, now, "dry-run", *summary)
	case sum.Pending > 0 && a.throttled && !a.business:
		// MoviePilot said when (429/503 with Retry-After): the task did nothing wrong, so no
		// attempt is spent, and it goes again exactly then — the full Retry-After, beyond
		// the worker-wide hold's cap, and not a moment later.
		d := a.retryAfter
		t.Status, t.NextAttemptAt = task.StatusPending, now.Add(d)
		t.LastError = a.lastErr
		*summary = joinNonEmpty(fmt.Sprintf("MoviePilot asked to wait; retry in %s, no attempt counted: %s",
			d.Round(time.Second), a.lastErr), notes)
		a.history(t, now, "throttled", *summary)
	case sum.Pending > 0 && a.outage && !a.business:
		// MoviePilot unreachable: the worker probes it and every task goes as soon as it
		// answers, so this task stays due. It spends one attempt (a 429 spends none), so a
		// request MoviePilot always fails on still ends.
		if !a.free {
			t.Attempts++
		}
		t.LastError = a.lastErr
		if t.Attempts >= w.o.MaxAttempts {
			w.giveUp(t, a, now, notes, summary)
			return
		}
		t.Status, t.NextAttemptAt = task.StatusPending, now
		*summary = joinNonEmpty("MoviePilot unreachable; the task goes again as soon as it answers: "+a.lastErr, notes)
		a.history(t, now, "retry", *summary)
	case sum.Pending > 0:
		t.Attempts++
		t.LastError = a.lastErr
		if t.Attempts >= w.o.MaxAttempts {
			w.giveUp(t, a, now, notes, summary)
			return
		}
		var d time.Duration
		if a.retry {
			d = w.delay(t.Attempts, w.sched.RetryBase, w.sched.RetryMax)
		} else {
			d = w.delay(t.Attempts, w.sched.BusinessBase, w.sched.BusinessMax)
		}
		if a.retryAfter > d {
			d = a.retryAfter
		}
		t.Status, t.NextAttemptAt = task.StatusPending, now.Add(d)
		*summary = joinNonEmpty(fmt.Sprintf("retry in %s: %s", d.Round(time.Second), a.lastErr), notes)
		a.history(t, now, "retry", *summary)
	case sum.Failed > 0:
		t.Attempts++
		t.Status = task.StatusFailed
		t.LastError = firstItemError(t.Items)
		*summary = joinNonEmpty("failed", notes)
		a.history(t, now, "failed", *summary)
	default:
		// Attempts counts this one too: a delivered task was tried at least once.
		t.Attempts++
		t.Status, t.LastError = task.StatusSuccess, ""
		if sum.NothingSent() {
			// Finished, but MoviePilot was given nothing: say so, in the task and the outcome.
			t.Reason = "nothing was subscribed: " + skipReasons(t.Items)
			*summary = joinNonEmpty(t.Reason, notes)
			a.history(t, now, OutcomeNothingSent, *summary)
			break
		}
		*summary = joinNonEmpty("success", notes)
		a.history(t, now, "success", *summary)
	}
	if newer && t.Status != task.StatusPending {
		// New seasons were merged while this attempt ran: go again for them.
		t.Status, t.NextAttemptAt = task.StatusPending, now
		t.AddHistory(now, "reopened", "new seasons arrived during the attempt")
	}
}

// giveUp fails every item not done yet: the task spent its attempts.
func (w *Worker) giveUp(t *task.Task, a *attempt, now time.Time, notes string, summary *string) {
	for i := range t.Items {
		if !t.Items[i].State.Done() && t.Items[i].State != task.ItemFailed {
			t.Items[i].State = task.ItemFailed
			if t.Items[i].LastError == "" {
				t.Items[i].LastError = a.lastErr
			}
		}
	}
	t.Status = task.StatusFailed
	*summary = joinNonEmpty(fmt.Sprintf("gave up after %d attempts: %s", t.Attempts, a.lastErr), notes)
	a.history(t, now, "failed", *summary)
}

// OutcomeNothingSent is the history outcome of a task that finished with every item skipped
// (only specials under TV_SPECIALS=exclude, or already available in Seerr): a success in
// which MoviePilot was given nothing.
const OutcomeNothingSent = "nothing-sent"

// skipReasons joins the distinct reasons of the skipped items.
func skipReasons(items []task.Item) string {
	var out []string
	for _, it := range items {
		if it.State == task.ItemSkipped && it.Reason != "" && !slices.Contains(out, it.Reason) {
			out = append(out, it.Reason)
		}
	}
	if len(out) == 0 {
		return "every item was skipped"
	}
	return strings.Join(out, "; ")
}

// trailing counts the newest history entries with that outcome, in a row.
func trailing(h []task.HistoryEntry, outcome string) int {
	n := 0
	for i := len(h) - 1; i >= 0 && h[i].Outcome == outcome; i-- {
		n++
	}
	return n
}

func firstItemError(items []task.Item) string {
	for _, it := range items {
		if it.State == task.ItemFailed && it.LastError != "" {
			return it.Key() + ": " + it.LastError
		}
	}
	return ""
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ": ")
}
