package main

import (
	"context"
	"fmt"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
)

// webhook is one approval to send.
type webhook struct {
	id   int // Seerr request id; the TMDB id is tmdbBase+id
	body []byte
}

// movieWebhooks renders a "request approved" movie webhook for ids first…first+n-1, as Seerr does.
func movieWebhooks(first, n int) ([]webhook, error) {
	out := make([]webhook, n)
	for i := range out {
		id := first + i
		b, err := seerrhook.Render(seerrhook.MovieApproved(id, tmdbBase+id, movieTitle(id), 1990+id%35))
		if err != nil {
			return nil, err
		}
		out[i] = webhook{id: id, body: b}
	}
	return out, nil
}

func movieTitle(id int) string { return fmt.Sprintf("Soak Movie %d", id) }

// send posts hooks to svc's webhook endpoint as b says (proc.Sender.Send).
func send(ctx context.Context, svc *service, hooks []webhook, b proc.Burst) ([]proc.Outcome, error) {
	return svc.Webhooks(b.Senders).Send(ctx, len(hooks), func(i int) ([]byte, error) { return hooks[i].body, nil }, b)
}

// sendAll sends every webhook and fails unless all were acknowledged.
func (h *harness) sendAll(ctx context.Context, svc *service, hooks []webhook) error {
	return svc.Webhooks(h.cfg.senders).SendAll(ctx, len(hooks), h.cfg.senders, func(i int) ([]byte, error) { return hooks[i].body, nil })
}

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
	unackedDelivered                   int // sent without a 2xx: may or may not be delivered
}

// judge compares outcomes (nil: all acked) with the subscriptions MoviePilot holds.
func judge(hooks []webhook, out []proc.Outcome, subs map[int]int) verdict {
	var v verdict
	for i, w := range hooks {
		n := subs[tmdbBase+w.id]
		if n > 1 {
			v.duplicated++
		}
		switch {
		case out == nil || out[i] == proc.Acked:
			v.acked++
			if n == 0 {
				v.lost++
			} else {
				v.delivered++
			}
		case n > 0 && (out[i] == proc.Rejected || out[i] == proc.Broken):
			v.unackedDelivered++
		}
	}
	return v
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
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s (last: %v)", budget, what, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitCreates waits until MoviePilot has received n create calls.
func waitCreates(ctx context.Context, mp *mptest.Server, n int) error {
	return waitFor(ctx, 2*time.Minute, fmt.Sprintf("%d MoviePilot creates", n), func() (bool, error) {
		return mp.CreateCount() >= n, nil
	})
}

// drain waits until every TMDB id in want has a subscription and the service has no task
// pending or running, then 300 ms more, so that a late duplicate shows. It returns how long
// that took.
func drain(ctx context.Context, svc *service, mp *mptest.Server, want []int, budget time.Duration) (time.Duration, error) {
	start := time.Now()
	err := waitFor(ctx, budget, fmt.Sprintf("%d subscriptions and an idle queue", len(want)), func() (bool, error) {
		subs := subsByTMDB(mp)
		missing := 0
		for _, id := range want {
			if subs[id] == 0 {
				missing++
			}
		}
		st, err := svc.Stats(ctx)
		if err != nil {
			return false, err
		}
		if missing > 0 {
			return false, fmt.Errorf("%d not delivered yet; %s", missing, st)
		}
		return st.Settled(), fmt.Errorf("queue: %s", st)
	})
	took := time.Since(start)
	if err == nil {
		time.Sleep(300 * time.Millisecond)
	}
	return took, err
}

// drainBudget bounds a drain of tasks movie tasks (a lookup and a create each) at rate calls/s.
func drainBudget(tasks int, rate float64) time.Duration {
	return 30*time.Second + 3*time.Duration(float64(2*tasks)/rate*float64(time.Second))
}

// checkIdle records that no task is left running and none failed.
func checkIdle(ctx context.Context, r *benchkit.Report, svc *service) {
	st, err := svc.Stats(ctx)
	r.Check(err == nil && st.ByStatus["running"] == 0 && st.ByStatus["failed"] == 0, "nothing stuck running, no task failed (%s%s)", st, errSuffix(err))
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return "; " + err.Error()
}

// checkDelivery records the exactly-once check for a verdict.
func checkDelivery(r *benchkit.Report, v verdict) {
	r.Check(v.lost == 0 && v.duplicated == 0 && v.acked > 0,
		"every acked webhook delivered exactly once (acked %d, delivered %d, lost %d, duplicated %d)",
		v.acked, v.delivered, v.lost, v.duplicated)
}
