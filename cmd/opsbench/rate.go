package main

import (
	"context"
	"fmt"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

// callRate drains a backlog through MoviePilot at MP_RATE_LIMIT_PER_SEC=-rate and measures
// the calls per second that reach the fake, from their arrival times.
func (b *bench) callRate(ctx context.Context, r *benchkit.Report) {
	limit, backlog := b.cfg.rate, b.cfg.backlog
	mp, env := benchkit.NewMP(limit)
	defer mp.Close()
	svc, err := b.Start(ctx, "rate", env)
	if err != nil {
		r.Fail(err)
		return
	}
	defer svc.Kill()
	start := time.Now()
	if err := svc.Webhooks(16).SendAll(ctx, backlog, 16, approvals(1)); err != nil {
		r.Fail(fmt.Errorf("enqueue the backlog: %w", err))
		return
	}
	enqueued := time.Since(start)
	expect := time.Duration(float64(2*backlog) / limit * float64(time.Second)) // lookup + create per movie
	benchkit.Logf("rate: %d movies enqueued in %s; draining at MP_RATE_LIMIT_PER_SEC=%g (about %s)", backlog, enqueued.Round(time.Millisecond), limit, expect.Round(time.Second))
	if err := waitCreates(ctx, svc, mp, backlog, expect*3/2+30*time.Second); err != nil {
		r.Fail(err)
		return
	}
	svc.StopClean(r)
	noteProblems(r, svc)
	st := analyzeRate(mp.Calls(), time.Second)
	if st.SteadyCalls < 2 {
		r.Fail(fmt.Errorf("only %d calls in the steady part of the drain: raise -backlog", st.SteadyCalls))
		return
	}
	r.Check(st.Mean >= 0.95*limit, "mean rate over the steady part %.3f/s = %.1f%% of the limit %g/s (≥ 95%%; %d calls over %.1fs, the drain minus its first and last second)",
		st.Mean, 100*st.Mean/limit, limit, st.SteadyCalls, st.SteadySpan.Seconds())
	r.Check(float64(st.MaxWindow) <= limit+1, "busiest 1 s window %d calls ≤ limit + burst 1 (at +%.2fs: %s)", st.MaxWindow, st.MaxWindowAt.Seconds(), st.MaxWindowOps)
	r.Fact("calls", "every HTTP request that reached MoviePilot counts (%d: %s), timed as the fake handled it; %d movies enqueued by webhook in %s, drained in %.1fs",
		st.Calls, st.Ops, backlog, enqueued.Round(time.Millisecond), st.Span.Seconds())
}

// rateStats describes calls spread over time.
type rateStats struct {
	Calls        int
	Ops          string
	Span         time.Duration // first → last call
	SteadyCalls  int
	SteadySpan   time.Duration
	Mean         float64 // calls per second over the steady part
	MaxWindow    int     // most calls in any window [t, t+1s)
	MaxWindowAt  time.Duration
	MaxWindowOps string
}

// analyzeRate reads calls (sorted by arrival) with the first and last trim of the span left
// out of the mean: the start (API-version probe, the first webhooks still arriving) and the
// tail are not the steady state.
func analyzeRate(calls []mptest.Call, trim time.Duration) rateStats {
	st := rateStats{Calls: len(calls), Ops: countOps(calls)}
	if len(calls) == 0 {
		return st
	}
	first, last := calls[0].Time, calls[len(calls)-1].Time
	st.Span = last.Sub(first)
	var steady []mptest.Call
	for _, c := range calls {
		if !c.Time.Before(first.Add(trim)) && !c.Time.After(last.Add(-trim)) {
			steady = append(steady, c)
		}
	}
	st.SteadyCalls = len(steady)
	if len(steady) >= 2 {
		st.SteadySpan = steady[len(steady)-1].Time.Sub(steady[0].Time)
		st.Mean = float64(len(steady)-1) / st.SteadySpan.Seconds()
	}
	j, at := 0, 0
	for i := range calls {
		for j < len(calls) && calls[j].Time.Sub(calls[i].Time) < time.Second {
			j++
		}
		if j-i > st.MaxWindow {
			st.MaxWindow, at = j-i, i
		}
	}
	st.MaxWindowAt = calls[at].Time.Sub(first)
	st.MaxWindowOps = countOps(calls[at : at+st.MaxWindow])
	return st
}
