package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
)

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

// The retry timing, in one place. Every schedule is exponential — base, doubling at each step,
// capped at max — and is stepped by backoff/v4 without its own randomisation (which draws from
// the global source); the ±20% jitter comes from Options.Rand, so tests can pin every wait.

// step is the n-th wait (n ≥ 1) of base doubling to max, before jitter.
func step(n int, base, max time.Duration) time.Duration {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(base), backoff.WithMaxInterval(max), backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0), backoff.WithMaxElapsedTime(0))
	d := b.NextBackOff()
	for i := 1; i < n && d < max; i++ {
		d = b.NextBackOff()
	}
	return min(d, max)
}

// delay is the n-th wait (n ≥ 1) of base doubling to max, with ±20% jitter.
func (w *Worker) delay(n int, base, max time.Duration) time.Duration {
	return time.Duration(float64(step(n, base, max)) * (0.8 + 0.4*w.o.Rand()))
}

// longest is the most the n-th wait of base doubling to max can be: the full +20% jitter.
func longest(n int, base, max time.Duration) time.Duration {
	return step(n, base, max) * 6 / 5
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
	wasThrottled := w.state.Status == StatusThrottled
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
	if wasThrottled {
		w.setState(w.normalStatus(), "", nil)
	}
	return true
}

// pauseFor pauses the whole worker after an auth failure that survived a re-login: every task
// would fail the same way, so no task's attempts are spent on it.
func (w *Worker) pauseFor(reason string, log zerolog.Logger) {
	w.mu.Lock()
	w.pauses++
	d := w.delay(w.pauses, w.sched.PauseBase, w.sched.PauseMax)
	until := w.o.Now().Add(d)
	w.pausedUntil = until
	w.mu.Unlock()
	log.Error().Str("reason", reason).Dur("retry_in", d).Msg("MoviePilot auth failing: worker paused (no task attempts are spent)")
	u := until.UTC()
	w.setState(StatusPaused, "moviepilot auth failing: "+reason, &u)
}

// pauseEnd is when an auth pause ends (zero: not paused).
func (w *Worker) pauseEnd() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pausedUntil
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

// outage records that MoviePilot could not be reached and schedules the next probe:
// a lookup of the item that ran into the outage.
func (w *Worker) outage(err error, probe func(context.Context) error, log zerolog.Logger) {
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

// markHealthy records a MoviePilot call that worked: an auth pause is over.
func (w *Worker) markHealthy() {
	w.mu.Lock()
	w.pauses = 0
	w.mu.Unlock()
	w.reachable()
	w.setState(w.normalStatus(), "", nil)
}
