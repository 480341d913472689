package main

import (
	"context"
	"fmt"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

// callRate drains a backlog through MoviePilot at MP_RATE_LIMIT_PER_SEC=-rate and measures
// the calls per second that reach the fake, from their arrival times.
func (b *bench) callRate(ctx context.Context) error {
	limit, backlog := b.cfg.rate, b.cfg.backlog
	dataDir, err := b.scenarioDir("rate")
	if err != nil {
		return err
	}
	mp := newFakeMP()
	defer mp.Close()
	svc, err := b.launch(ctx, baseEnv(dataDir, mp.URL(), limit))
	if err != nil {
		return err
	}
	defer svc.Kill()
	const conns = 16
	snd := newSender(svc.Base, conns)
	start := time.Now()
	if err := snd.acceptAll(ctx, 1, backlog, 100000, conns); err != nil {
		return fmt.Errorf("enqueue the backlog: %w", err)
	}
	enqueued := time.Since(start)
	expect := time.Duration(float64(2*backlog) / limit * float64(time.Second)) // lookup + create per movie
	b.logf("rate: %d movies enqueued in %s; draining at MP_RATE_LIMIT_PER_SEC=%s (about %s)", backlog, enqueued.Round(time.Millisecond), num(limit), expect.Round(time.Second))
	if err := waitCreates(ctx, svc, mp, backlog, expect*3/2+30*time.Second); err != nil {
		return err
	}
	if _, err := svc.Stop(15 * time.Second); err != nil {
		return err
	}
	b.noteLog("call rate", svc)
	calls := mp.Calls()
	st := analyzeRate(calls, time.Second)
	if st.SteadyCalls < 2 {
		return fmt.Errorf("only %d calls in the steady part of the drain: raise -backlog", st.SteadyCalls)
	}
	scen := "2 MP call rate, limit " + num(limit) + "/s"
	b.add(
		fig(scen, "mean rate, steady part", st.Mean, "calls/s").atLeast(0.95*limit).
			note("%d calls over %.1fs (drain minus its first and last second)", st.SteadyCalls, st.SteadySpan.Seconds()),
		fig(scen, "mean rate / limit", st.Mean/limit, "").atLeast(0.95),
		fig(scen, "max calls in any 1 s window", float64(st.MaxWindow), "calls").atMost(limit+1).
			note("limit + burst 1 (the MoviePilot client's token bucket paces every request); that window (at +%.2fs): %s",
				st.MaxWindowAt.Seconds(), st.MaxWindowOps),
	)
	b.notef("call rate: every HTTP request that reached MoviePilot counts (%d: %s), timed as the fake handled it; %d movies enqueued by webhook in %s, drained in %.1fs",
		st.Calls, st.Ops, backlog, enqueued.Round(time.Millisecond), st.Span.Seconds())
	b.logf("  mean %.3f/s (%.1f%% of %s), max %d in 1 s; %s", st.Mean, 100*st.Mean/limit, num(limit), st.MaxWindow, st.Ops)
	return nil
}

// waitCreates waits until the fake holds want successful creates.
func waitCreates(ctx context.Context, svc *service, mp *mptest.Server, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for mp.CreateCount() < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d subscriptions created after %s; log:\n%s", mp.CreateCount(), want, timeout, svc.LogTail(40))
		}
		select {
		case <-svc.Done():
			return fmt.Errorf("seerrpilot exited (%v); log:\n%s", svc.Err(), svc.LogTail(40))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
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
