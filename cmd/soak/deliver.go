package main

import (
	"context"
	"fmt"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
)

// settleGrace is how long to keep watching after a drain, so that a late duplicate shows.
const settleGrace = 300 * time.Millisecond

// subsByTMDB counts the fake MoviePilot's subscriptions per TMDB id.
func subsByTMDB(mp *mptest.Server) map[int]int {
	n := map[int]int{}
	for _, s := range mp.Subscriptions() {
		n[s.TMDBID]++
	}
	return n
}

// verdict is what became of a set of webhooks at MoviePilot.
type verdict struct {
	acked, delivered, lost, duplicated int
	unacked, unackedDelivered          int // sent without a 2xx: may or may not be delivered
}

// judge compares outcomes (nil: all acked) with the subscriptions MoviePilot holds.
func judge(hooks []webhook, out []proc.Outcome, subs map[int]int) verdict {
	var v verdict
	for i, w := range hooks {
		o := proc.Acked
		if out != nil {
			o = out[i]
		}
		n := subs[tmdbBase+w.id]
		if n > 1 {
			v.duplicated++
		}
		switch o {
		case proc.Acked:
			v.acked++
			if n == 0 {
				v.lost++
			} else {
				v.delivered++
			}
		case proc.Rejected, proc.Broken:
			v.unacked++
			if n > 0 {
				v.unackedDelivered++
			}
		}
	}
	return v
}

// allAcked is n acked outcomes.
func allAcked(n int) []proc.Outcome {
	out := make([]proc.Outcome, n)
	for i := range out {
		out[i] = proc.Acked
	}
	return out
}

// ackedIDs are the TMDB ids of the acknowledged webhooks (out nil: all).
func ackedIDs(hooks []webhook, out []proc.Outcome) []int {
	var ids []int
	for i, w := range hooks {
		if out == nil || out[i] == proc.Acked {
			ids = append(ids, tmdbBase+w.id)
		}
	}
	return ids
}

// waitFor polls cond every 100 ms until it holds, ctx ends or budget passes.
func waitFor(ctx context.Context, budget time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(budget)
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		last = err
		if time.Now().After(deadline) {
			if last != nil {
				return fmt.Errorf("timed out after %s waiting for %s (last error: %v)", budget, what, last)
			}
			return fmt.Errorf("timed out after %s waiting for %s", budget, what)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// drain waits until every TMDB id in want has a subscription and the service has no task
// pending or running, then a short grace. It returns how long that took and the last stats.
func drain(ctx context.Context, svc *service, mp *mptest.Server, want []int, budget time.Duration) (time.Duration, stats, error) {
	start := time.Now()
	var st stats
	err := waitFor(ctx, budget, fmt.Sprintf("%d subscriptions and an idle queue", len(want)), func() (bool, error) {
		subs := subsByTMDB(mp)
		missing := 0
		for _, id := range want {
			if subs[id] == 0 {
				missing++
			}
		}
		var err error
		if st, err = svc.stats(ctx); err != nil {
			return false, err
		}
		if missing > 0 {
			return false, fmt.Errorf("%d not delivered yet; %s", missing, st)
		}
		return st.settled(), fmt.Errorf("queue: %s", st)
	})
	took := time.Since(start)
	if err == nil {
		time.Sleep(settleGrace)
	}
	return took, st, err
}

// checkIdle records that no task is running (the /metrics gauge) and none failed.
func checkIdle(ctx context.Context, r *report, svc *service) {
	running, err := svc.runningGauge(ctx)
	r.check(err == nil && running == 0, "nothing stuck running (seerrpilot_tasks{status=\"running\"} %d%s)", running, errSuffix(err))
	st, err := svc.stats(ctx)
	r.check(err == nil && st.ByStatus["failed"] == 0, "no task failed (%s%s)", st, errSuffix(err))
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return "; " + err.Error()
}

// checkDelivery records the exactly-once check for a verdict.
func checkDelivery(r *report, v verdict) {
	r.check(v.lost == 0 && v.duplicated == 0 && v.acked > 0,
		"every acked webhook delivered exactly once (acked %d, delivered %d, lost %d, duplicated %d)",
		v.acked, v.delivered, v.lost, v.duplicated)
}
