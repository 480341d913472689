package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
)

// killRate is MP_RATE_LIMIT_PER_SEC in the kill scenario: the highest the service accepts,
// so a round drains in seconds.
const killRate = 100

// killRound is one round's figures.
type killRound struct {
	killAt    int // the ack count that triggered SIGKILL
	sent      proc.Count
	v         verdict
	reclaimed int // tasks the restarted process found left running
	drain     time.Duration
	running   int
}

// runKill: rounds of burst → SIGKILL mid-burst → restart on the same data → drain. One
// DATA_DIR and one fake MoviePilot serve every round; request and TMDB ids never repeat.
func runKill(ctx context.Context, h *harness, r *report) {
	mp := mptest.New(mptest.Options{APIToken: mpToken, AcceptAPIKey: true})
	defer mp.Close()
	env := map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": mpToken, "MP_RATE_LIMIT_PER_SEC": fmt.Sprint(killRate)}
	svc, err := startScenario(ctx, h, "kill", env)
	if err != nil {
		r.fail(err)
		return
	}
	defer func() { svc.Kill() }()
	r.fact("setup", "%d rounds × %d webhooks, %d senders, SIGKILL after a random 10–90%% of the burst was acked; "+
		"one DATA_DIR and one fake MoviePilot for all rounds; MP_RATE_LIMIT_PER_SEC=%d", h.cfg.rounds, h.cfg.burst, h.cfg.senders, killRate)

	rng := newRand(h.cfg.seed, "kill")
	r.row("round", "kill@", "sent", "acked", "unacked", "refused", "unsent", "delivered", "lost", "dup", "unacked→delivered", "reclaimed", "drain")
	var tot killRound
	stuck := 0
	for round := 1; round <= h.cfg.rounds; round++ {
		var res killRound
		res, svc, err = doKillRound(ctx, h, svc, mp, round, rng)
		addRound(&tot, res)
		r.row(killRow(fmt.Sprint(round), res)...)
		if err != nil {
			r.fail(fmt.Errorf("round %d: %w", round, err))
			r.note("service log tail:\n%s", svc.LogTail(15))
			break
		}
		if res.running != 0 {
			stuck++
		}
	}
	r.row(killRow("total", tot)...)
	checkDelivery(r, tot.v)
	r.check(stuck == 0, "no task left running after any round's drain (rounds with running > 0: %d)", stuck)
	checkIdle(ctx, r, svc)
	r.fact("MoviePilot", "%d subscriptions, %d creates, %d calls", len(mp.Subscriptions()), mp.CreateCount(), len(mp.Calls()))
	r.note("unacked = sent but no 2xx (cut off by the kill): each may or may not be delivered, never twice; " +
		"refused = sent to the dead process before the senders stopped: never reached it")
	svc.stopClean(r)
}

func killRow(label string, k killRound) []any {
	killAt := "-"
	if k.killAt > 0 {
		killAt = fmt.Sprint(k.killAt)
	}
	return []any{label, killAt, k.sent.Sent(), k.sent.Acked, k.sent.Unacked(), k.sent.Refused, k.sent.Unsent,
		k.v.delivered, k.v.lost, k.v.duplicated, k.v.unackedDelivered, k.reclaimed, k.drain.Round(100 * time.Millisecond)}
}

func addRound(t *killRound, k killRound) {
	t.sent.Acked += k.sent.Acked
	t.sent.Rejected += k.sent.Rejected
	t.sent.Broken += k.sent.Broken
	t.sent.Refused += k.sent.Refused
	t.sent.Unsent += k.sent.Unsent
	t.v.acked += k.v.acked
	t.v.delivered += k.v.delivered
	t.v.lost += k.v.lost
	t.v.duplicated += k.v.duplicated
	t.v.unacked += k.v.unacked
	t.v.unackedDelivered += k.v.unackedDelivered
	t.reclaimed += k.reclaimed
	t.drain += k.drain
	t.running += k.running
}

// doKillRound sends one burst, SIGKILLs svc once killAt webhooks were acked, restarts on the
// same data and drains. It returns the running service (the restarted one).
func doKillRound(ctx context.Context, h *harness, svc *service, mp *mptest.Server, round int, rng *rand.Rand) (killRound, *service, error) {
	n := h.cfg.burst
	hooks, err := movieWebhooks(idRange((round-1)*n+1, n))
	if err != nil {
		return killRound{}, svc, err
	}
	res := killRound{killAt: n/10 + rng.IntN(n*8/10+1)}
	fire, stop := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var acks atomic.Int64
	b := proc.Burst{Senders: h.cfg.senders, Stop: stop, Done: func(_ int, o proc.Outcome, _ time.Duration) {
		if o == proc.Acked && acks.Add(1) >= int64(res.killAt) {
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
	res.sent = proc.CountOutcomes(out)
	if ctx.Err() != nil {
		return res, svc, context.Cause(ctx)
	}

	next, err := svc.restart(ctx)
	if err != nil {
		return res, svc, fmt.Errorf("restart after SIGKILL: %w", err)
	}
	res.reclaimed = next.reclaimed()
	res.drain, _, err = drain(ctx, next, mp, ackedIDs(hooks, out), drainBudget(res.sent.Sent(), killRate))
	res.v = judge(hooks, out, subsByTMDB(mp)) // also after a failed drain: the figures are the evidence
	if err != nil {
		return res, next, err
	}
	if res.running, err = next.runningGauge(ctx); err != nil {
		return res, next, err
	}
	return res, next, nil
}

// drainBudget bounds a drain of tasks movie tasks (a lookup and a create each) at rate calls/s.
func drainBudget(tasks int, rate float64) time.Duration {
	return 30*time.Second + 3*time.Duration(float64(2*tasks)/rate*float64(time.Second))
}
