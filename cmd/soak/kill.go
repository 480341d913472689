package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
)

// killRate is MP_RATE_LIMIT_PER_SEC in the kill scenario: the highest the service accepts,
// so a round drains in seconds.
const killRate = 100

// runKill: rounds of burst → SIGKILL mid-burst → restart on the same data → drain. One
// DATA_DIR and one fake MoviePilot serve every round; request and TMDB ids never repeat.
func runKill(ctx context.Context, h *harness, r *benchkit.Report) {
	mp, env := benchkit.NewMP(killRate)
	defer mp.Close()
	svc, err := h.start(ctx, "kill", env)
	if err != nil {
		r.Fail(err)
		return
	}
	defer func() { svc.Kill() }()
	r.Fact("setup", "%d rounds × %d webhooks, %d senders, SIGKILL after a random 10–90%% of the burst was acked; "+
		"one DATA_DIR and one fake MoviePilot for all rounds; MP_RATE_LIMIT_PER_SEC=%d", h.cfg.rounds, h.cfg.burst, h.cfg.senders, killRate)

	rng := newRand(h.cfg.seed, "kill")
	r.Row("round", "kill@", "sent", "acked", "unacked", "refused", "unsent", "delivered", "lost", "dup", "unacked→delivered", "reclaimed", "drain")
	var hooks []webhook
	var out []proc.Outcome
	for round := 1; round <= h.cfg.rounds; round++ {
		rh, err := movieWebhooks((round-1)*h.cfg.burst+1, h.cfg.burst)
		if err != nil {
			r.Fail(err)
			break
		}
		killAt := h.cfg.burst/10 + rng.IntN(h.cfg.burst*8/10+1)
		ro, next, reclaimed, took, err := killRound(ctx, h, svc, mp, rh, killAt)
		hooks, out = append(hooks, rh...), append(out, ro...)
		c, v := proc.CountOutcomes(ro), judge(rh, ro, subsByTMDB(mp)) // also after a failed drain: the figures are the evidence
		r.Row(round, killAt, c.Sent(), c.Acked, c.Unacked(), c.Refused, c.Unsent, v.delivered, v.lost, v.duplicated, v.unackedDelivered, reclaimed, took.Round(100*time.Millisecond))
		if next != nil {
			svc = next
		}
		if err != nil {
			r.Fail(fmt.Errorf("round %d: %w", round, err))
			r.Note("service log tail:\n%s", svc.LogTail(15))
			break
		}
	}
	c, v := proc.CountOutcomes(out), judge(hooks, out, subsByTMDB(mp))
	r.Row("total", "-", c.Sent(), c.Acked, c.Unacked(), c.Refused, c.Unsent, v.delivered, v.lost, v.duplicated, v.unackedDelivered, "", "")
	checkDelivery(r, v)
	checkIdle(ctx, r, svc)
	r.Fact("MoviePilot", "%d subscriptions, %d creates, %d calls", len(mp.Subscriptions()), mp.CreateCount(), len(mp.Calls()))
	r.Note("unacked = sent but no 2xx (cut off by the kill): each may or may not be delivered, never twice; " +
		"refused = sent to the dead process before the senders stopped: never reached it")
	svc.StopClean(r)
}

// killRound sends one burst, SIGKILLs svc once killAt webhooks were acked, restarts on the
// same data and drains (every round's drain also waits for nothing left running). It
// returns the outcomes, the restarted service (nil if it did not start), how many tasks it
// found left running and how long the drain took.
func killRound(ctx context.Context, h *harness, svc *service, mp *mptest.Server, hooks []webhook, killAt int) ([]proc.Outcome, *service, int, time.Duration, error) {
	fire, stop := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var acks atomic.Int64
	b := proc.Burst{Senders: h.cfg.senders, Stop: stop, Done: func(_ int, o proc.Outcome, _ time.Duration) {
		if o == proc.Acked && acks.Add(1) >= int64(killAt) {
			once.Do(func() { close(fire) })
		}
	}}
	done := make(chan []proc.Outcome, 1)
	go func() {
		out, _ := send(ctx, svc, hooks, b) // a webhook cut off by the kill gets no answer: expected
		done <- out
	}()
	var out []proc.Outcome
	select {
	case <-fire:
	case out = <-done: // the burst ended without reaching killAt (everything refused?)
	case <-ctx.Done():
	}
	svc.Kill()
	close(stop)
	if out == nil {
		out = <-done
	}
	if ctx.Err() != nil {
		return out, nil, 0, 0, context.Cause(ctx)
	}
	next, err := svc.restart(ctx)
	if err != nil {
		return out, nil, 0, 0, fmt.Errorf("restart after SIGKILL: %w", err)
	}
	took, err := drain(ctx, next, mp, ackedIDs(hooks, out), drainBudget(proc.CountOutcomes(out).Sent(), killRate))
	return out, next, next.reclaimed(), took, err
}
