package reconcile

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// Defaults for Options fields left at zero.
const (
	DefaultPassTimeout = 30 * time.Minute
	DefaultWaitTimeout = reconcilepass.DefaultWait
	// BackoffInitial is the first retry delay after a failed periodic pass; it doubles per
	// failure up to min(Interval, BackoffMax).
	BackoffInitial = 30 * time.Second
	BackoffMax     = 30 * time.Minute
	// JitterFraction is the default spread of the periodic wait: Interval ± 10%.
	JitterFraction = 0.10
)

// ErrStopped is returned by Trigger and Pass once Run has returned (the service is
// shutting down).
var ErrStopped = reconcilepass.ErrStopped

// Seerr is what a pass needs from the Seerr client (*seerr.Client satisfies it).
type Seerr interface {
	Status(ctx context.Context) (seerr.Status, error)
	Walk(ctx context.Context, opts seerr.WalkOptions, fn func(seerr.Request) error) (seerr.WalkStats, error)
}

// Store is what a pass needs from the task store (*taskdb.Store satisfies it).
type Store interface {
	Has(ctx context.Context, key string) (bool, []task.SeasonRequest, error)
	Wants(ctx context.Context, src task.Source, in task.Input) (bool, error)
	Enqueue(ctx context.Context, src task.Source, in task.Input) (taskdb.EnqueueResult, error)
	// Baseline and TakeBaseline keep the RECONCILE_SINCE baseline (see PassOptions.Floor).
	Baseline(ctx context.Context) (ids map[int]struct{}, floor time.Time, taken bool, err error)
	TakeBaseline(ctx context.Context, floor time.Time, ids []int) error
}

// Options configure a Poller. Seerr and Store are required.
type Options struct {
	Seerr Seerr
	Store Store
	// Filter is JELLY_FILTER, sent as filter=. A value the server version does not know
	// falls back to "approved" (logged once per version). The local rule
	// (seerr.Deliverable) decides either way.
	Filter string
	// PageSize is JELLY_PAGE_SIZE; zero means seerr.DefaultWalkTake.
	PageSize int
	// Interval is RECONCILE_INTERVAL. Zero: Run does the start pass only; triggers still work.
	Interval time.Duration
	// Since is RECONCILE_SINCE: the Since of every pass that does not name its own (the
	// start pass, periodic ones, triggers without since). Zero: no floor. Such a pass skips
	// an older request only if it is in the baseline (PassOptions.Floor): the first
	// completed real pass under the floor records the ones it skipped.
	Since time.Time
	// PassTimeout bounds one pass (all its Seerr and store calls); zero means DefaultPassTimeout.
	PassTimeout time.Duration
	// WaitTimeout bounds how long POST /reconcile?wait=true waits before answering 202 with
	// the run id; zero means DefaultWaitTimeout.
	WaitTimeout time.Duration
	Log         zerolog.Logger
	// Report, when set, is called after every pass that is not a dry run: ready=false,
	// status "error" and a short reason while passes fail; ready=true, status "ok" after a
	// good one. last is Last(). It runs on the pass goroutine and must not block.
	Report func(ready bool, status, detail string, last *Summary)
	// OnRun, when set, is called with every finished pass's summary (dry runs included,
	// Summary.DryRun tells), e.g. for metrics. It runs on the pass goroutine.
	OnRun func(s Summary)
	// Now is the clock for Summary.StartedAt, run ids and the backoff; default time.Now.
	Now func() time.Time
	// Jitter turns a planned wait into the actual one; default ± JitterFraction at random.
	// Tests pass an identity function.
	Jitter func(time.Duration) time.Duration
}

// Poller runs reconcile passes: one at start, then periodically, plus on demand. At most
// one pass runs at a time. All methods are safe for concurrent use.
type Poller struct {
	seerr       Seerr
	store       Store
	filter      string
	pageSize    int
	interval    time.Duration
	since       time.Time
	passTimeout time.Duration
	waitTimeout time.Duration
	log         zerolog.Logger
	report      func(ready bool, status, detail string, last *Summary)
	onRun       func(Summary)
	now         func() time.Time
	jitter      func(time.Duration) time.Duration

	life context.Context // ends when Run's context ends; every pass runs under it
	stop context.CancelFunc

	mu         sync.Mutex
	cur        *run // the running pass
	next       *run // a pass queued behind cur (cur could not serve its callers)
	last       *Summary
	seq        uint64
	failing    bool   // the last real pass failed (error streak)
	warnedFor  string // server version the filter fallback was logged for
	runStarted bool
}

// run is one pass and everyone waiting for it.
type run struct {
	id   string
	opts PassOptions
	done chan struct{} // closed when sum and err are final
	sum  Summary
	err  error
	// callers counts the triggers this run serves (guarded by Poller.mu).
	callers int
}

// New returns a Poller. It starts nothing: call Run (once) for the periodic passes, or
// Trigger/Pass for single ones. It panics when Seerr or Store is nil.
func New(o Options) *Poller {
	if o.Seerr == nil || o.Store == nil {
		panic("reconcile.New: Seerr and Store are required")
	}
	p := &Poller{
		seerr:       o.Seerr,
		store:       o.Store,
		filter:      o.Filter,
		pageSize:    o.PageSize,
		interval:    o.Interval,
		since:       o.Since,
		passTimeout: o.PassTimeout,
		waitTimeout: o.WaitTimeout,
		log:         o.Log.With().Str("component", "reconcile").Logger(),
		report:      o.Report,
		onRun:       o.OnRun,
		now:         o.Now,
		jitter:      o.Jitter,
	}
	if p.pageSize <= 0 {
		p.pageSize = seerr.DefaultWalkTake
	}
	if p.interval < 0 {
		p.interval = 0
	}
	if p.passTimeout <= 0 {
		p.passTimeout = DefaultPassTimeout
	}
	if p.waitTimeout <= 0 {
		p.waitTimeout = DefaultWaitTimeout
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.jitter == nil {
		p.jitter = defaultJitter
	}
	p.life, p.stop = context.WithCancel(context.Background())
	switch p.filter {
	case "", seerr.FilterAll, seerr.FilterApproved, seerr.FilterProcessing, seerr.FilterUnavailable:
	default:
		p.log.Warn().Str("filter", p.filter).
			Msg("JELLY_FILTER lists no APPROVED request that still needs delivery; reconcile will find nothing (use approved)")
	}
	return p
}

// defaultJitter spreads d by ± JitterFraction.
func defaultJitter(d time.Duration) time.Duration {
	spread := int64(float64(d) * JitterFraction)
	if spread <= 0 {
		return d
	}
	return d + time.Duration(rand.Int64N(2*spread+1)-spread)
}

// Last returns a copy of the summary of the last finished pass that was not a dry run
// (whatever its outcome), or nil before the first one.
func (p *Poller) Last() *Summary {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		return nil
	}
	s := *p.last
	return &s
}

// Run does one pass at once, then one every Interval ± jitter until ctx ends. After a
// failed pass it retries sooner: BackoffInitial, doubling, capped at min(Interval,
// BackoffMax). The first failure of a streak is logged as a warning, the rest at debug,
// and the first success after it as "recovered". With Interval 0 it does the start pass
// only (no retries) and then waits for ctx; Trigger works throughout.
//
// When ctx ends Run cancels the running pass, waits for it to end and returns nil; the
// Poller is then stopped for good (Trigger and Pass answer ErrStopped), and the store may
// be closed. Call Run at most once.
func (p *Poller) Run(ctx context.Context) error {
	p.mu.Lock()
	if p.runStarted {
		p.mu.Unlock()
		return errors.New("reconcile: Run called twice")
	}
	p.runStarted = true
	p.mu.Unlock()
	defer p.drain()
	unhook := context.AfterFunc(ctx, p.stop)
	defer unhook()

	bo := p.newBackoff()
	for {
		_, err := p.Pass(ctx, PassOptions{})
		if ctx.Err() != nil {
			return nil
		}
		if p.interval == 0 {
			<-ctx.Done()
			return nil
		}
		wait := p.interval
		if err != nil {
			wait = bo.NextBackOff()
			if wait == backoff.Stop {
				wait = p.interval
			}
		} else {
			bo.Reset()
		}
		t := time.NewTimer(p.jitter(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// drain stops the poller and waits until no pass runs, so that the caller may close the
// store once Run has returned.
func (p *Poller) drain() {
	p.stop()
	for {
		p.mu.Lock()
		r := p.cur
		p.mu.Unlock()
		if r == nil {
			return
		}
		<-r.done
	}
}

// clockFunc adapts Options.Now to backoff.Clock.
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// newBackoff is the retry policy after failed periodic passes (no randomisation of its
// own: the jitter is applied to every wait).
func (p *Poller) newBackoff() *backoff.ExponentialBackOff {
	return newBackoff(p.interval, p.now)
}

func newBackoff(interval time.Duration, now func() time.Time) *backoff.ExponentialBackOff {
	maxWait := BackoffMax
	if interval > 0 && interval < maxWait {
		maxWait = interval
	}
	initial := BackoffInitial
	if initial > maxWait {
		initial = maxWait
	}
	return backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(initial),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0),
		backoff.WithMaxInterval(maxWait),
		backoff.WithMaxElapsedTime(0),
		backoff.WithClockProvider(clockFunc(now)),
	)
}

// Pass runs a pass (or joins the one running, see Trigger) and returns its summary. If
// ctx ends first Pass returns ctx's error; the pass itself goes on.
func (p *Poller) Pass(ctx context.Context, opts PassOptions) (Summary, error) {
	res := p.Trigger(ctx, opts, true)
	if res.Summary == nil {
		return Summary{}, res.Err
	}
	return *res.Summary, res.Err
}

// Trigger is the one way to ask for a pass: POST /reconcile and the MCP tool (through
// reconcilepass.Ask), `sync once` and Run (through Pass). It starts a pass and returns its
// run id; with wait it also waits for the pass and returns its summary and error (or ctx's
// error, with a nil summary, if ctx ends first). The pass does not depend on ctx: it ends
// only when finished or when Run's context ends.
//
// Passes never overlap. A trigger while a pass runs JOINS that pass (same run id, same
// summary; Result.Joined) when the running pass does at least what was asked: a real pass
// serves dry-run triggers too (their summary then has DryRun false: it wrote), and a full
// pass serves Since-limited ones. Otherwise (a real trigger during a dry run, a full one
// during a Since-limited one) one follow-up pass is queued to start right after the
// running one; later triggers join the queued pass, which widens to cover all of them.
func (p *Poller) Trigger(ctx context.Context, opts PassOptions, wait bool) reconcilepass.Result {
	r, joined, err := p.start(opts)
	if err != nil {
		return reconcilepass.Result{Err: err}
	}
	res := reconcilepass.Result{RunID: r.id, Joined: joined}
	if !wait {
		return res
	}
	select {
	case <-r.done:
		s := r.sum
		res.Summary, res.Err = &s, r.err
	case <-ctx.Done():
		res.Err = ctx.Err()
	}
	return res
}

// covers reports whether a pass run with have also does everything want asks for.
func covers(have, want PassOptions) bool {
	if have.DryRun && !want.DryRun {
		return false
	}
	if have.Since.IsZero() {
		return true
	}
	if want.Since.IsZero() || want.Since.Before(have.Since) {
		return false
	}
	// A pure date filter skips old requests that the floor's baseline lets through.
	return have.Floor || !want.Floor
}

// widen returns options covering both a and b.
func widen(a, b PassOptions) PassOptions {
	// With Floor, the pass skips a request from before Since only if the baseline holds it;
	// it records the baseline only when Since is the floor itself (see Poller.pass).
	out := PassOptions{DryRun: a.DryRun && b.DryRun, Floor: a.Floor || b.Floor}
	if !a.Since.IsZero() && !b.Since.IsZero() {
		out.Since = a.Since
		if b.Since.Before(a.Since) {
			out.Since = b.Since
		}
	}
	return out
}

// start returns the run serving opts: the running one, the queued one, or a new one.
func (p *Poller) start(opts PassOptions) (r *run, joined bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.life.Err() != nil {
		return nil, false, ErrStopped
	}
	// RECONCILE_SINCE, with its baseline; an explicit since replaces it (a pure date filter).
	opts.Floor = opts.Since.IsZero() && !p.since.IsZero()
	if opts.Since.IsZero() {
		opts.Since = p.since
	}
	if p.cur != nil {
		if covers(p.cur.opts, opts) {
			p.cur.callers++
			return p.cur, true, nil
		}
		if p.next != nil {
			p.next.opts = widen(p.next.opts, opts)
			p.next.callers++
			return p.next, true, nil
		}
		p.next = p.newRunLocked(opts)
		return p.next, false, nil
	}
	p.cur = p.newRunLocked(opts)
	go p.execute(p.cur)
	return p.cur, false, nil
}

func (p *Poller) newRunLocked(opts PassOptions) *run {
	p.seq++
	id := fmt.Sprintf("rc_%s_%d", p.now().UTC().Format("20060102T150405Z"), p.seq)
	return &run{id: id, opts: opts, done: make(chan struct{}), callers: 1}
}

// execute runs r, then whatever was queued behind it.
func (p *Poller) execute(r *run) {
	for r != nil {
		p.mu.Lock()
		opts := r.opts // final from here on: only a queued run's options widen
		p.mu.Unlock()

		ctx, cancel := context.WithTimeout(p.life, p.passTimeout)
		sum, err := p.pass(ctx, r.id, opts)
		cancel()
		p.finish(sum, err)

		p.mu.Lock()
		r.sum, r.err = sum, err
		close(r.done)
		p.cur, p.next = p.next, nil
		r = p.cur
		p.mu.Unlock()
	}
}

// finish records, logs and reports a finished pass.
func (p *Poller) finish(sum Summary, err error) {
	stopping := p.life.Err() != nil
	p.mu.Lock()
	if !sum.DryRun && !stopping {
		s := sum
		p.last = &s
	}
	last := p.last
	if last != nil {
		c := *last
		last = &c
	}
	wasFailing := p.failing
	if !sum.DryRun && !stopping {
		p.failing = err != nil
	}
	p.mu.Unlock()

	if p.onRun != nil {
		p.onRun(sum)
	}
	switch {
	case stopping:
		p.log.Debug().Str("run_id", sum.RunID).Err(err).Msg("reconcile pass ended by shutdown")
		return
	case sum.DryRun && err != nil:
		p.log.Warn().Str("run_id", sum.RunID).Err(err).Msg("reconcile dry run failed")
		return
	case sum.DryRun:
		p.logSummary(p.log.Info(), sum).Msg("reconcile dry run finished")
		return
	case err != nil && !wasFailing:
		p.log.Warn().Str("run_id", sum.RunID).Err(err).
			Msg("reconcile pass failed; retrying with backoff (not logged again until it recovers)")
	case err != nil:
		p.log.Debug().Str("run_id", sum.RunID).Err(err).Msg("reconcile pass failed again")
	case wasFailing:
		p.logSummary(p.log.Info(), sum).Msg("reconcile recovered")
	case sum.Enqueued > 0 || sum.Merged > 0:
		p.logSummary(p.log.Info(), sum).Msg("reconcile pass found requests the webhooks missed")
	default:
		p.logSummary(p.log.Debug(), sum).Msg("reconcile pass found nothing new")
	}
	if p.report == nil {
		return
	}
	if err != nil {
		p.report(false, OutcomeError, reconcilepass.Reason(err), last)
		return
	}
	p.report(true, OutcomeOK, fmt.Sprintf("last pass %s: %d seen, %d enqueued, %d merged",
		sum.StartedAt.Format(time.RFC3339), sum.Seen, sum.Enqueued, sum.Merged), last)
}

func (p *Poller) logSummary(ev *zerolog.Event, s Summary) *zerolog.Event {
	return ev.Str("run_id", s.RunID).Int("pages", s.Pages).Int("seen", s.Seen).
		Int("approved", s.Approved).Int("enqueued", s.Enqueued).Int("merged", s.Merged).
		Int("skipped", s.Skipped).Int("rereads", s.Rereads).Int64("duration_ms", s.DurationMs)
}
