package main

import (
	"context"
	"fmt"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
)

const (
	sigtermRate    = 20                    // MP_RATE_LIMIT_PER_SEC: the backlog drains for seconds
	sigtermLatency = 50 * time.Millisecond // each MoviePilot answer: SIGTERM likely lands mid-call
	sigtermBudget  = 15 * time.Second      // the most an ordered exit may take
	trickleSenders = 4
	trickleRate    = 80  // webhooks per second
	trickleSize    = 800 // 10 s of trickle: it is still going when SIGTERM lands
)

// runSigterm: SIGTERM a second into a trickle of webhooks while a backlog drains; exit 0 in
// time, then a restart delivers everything acknowledged exactly once.
func runSigterm(ctx context.Context, h *harness, r *benchkit.Report) {
	mp, env := benchkit.NewMP(sigtermRate)
	defer mp.Close()
	mp.SetLatency(sigtermLatency)
	svc, err := h.start(ctx, "sigterm", env)
	if err != nil {
		r.Fail(err)
		return
	}
	defer func() { svc.Kill() }()

	n := h.cfg.backlog
	hooks, _ := movieWebhooks(1, n+trickleSize)
	backlog, trickle := hooks[:n], hooks[n:]
	if err := h.sendAll(ctx, svc, backlog); err != nil {
		r.Fail(err)
		return
	}
	if err := waitCreates(ctx, mp, n/4); err != nil {
		r.Fail(err)
		return
	}

	stop, sent := make(chan struct{}), make(chan struct{})
	var out []proc.Outcome
	var noAnswer error
	go func() {
		defer close(sent)
		out, noAnswer = send(ctx, svc, trickle, proc.Burst{Senders: trickleSenders, Stop: stop, Rate: trickleRate})
	}()
	clock.Sleep(ctx, time.Second)
	progress := mp.CreateCount()
	code, took, stopErr := svc.Terminate(sigtermBudget)
	clock.Sleep(ctx, 300*time.Millisecond) // a few more webhooks find nobody listening
	close(stop)
	<-sent

	next, err := svc.restart(ctx)
	if err != nil {
		r.Fail(fmt.Errorf("restart after SIGTERM: %w", err))
		return
	}
	svc = next
	all := make([]proc.Outcome, n, len(hooks)) // the backlog was acked in full
	for i := range all {
		all[i] = proc.Acked
	}
	all = append(all, out...)
	drained, err := drain(ctx, svc, mp, ackedIDs(hooks, all), drainBudget(len(hooks), sigtermRate))
	if err != nil {
		r.Fail(err)
	}
	r.Fact("setup", "%d webhooks backlog, MoviePilot latency %s, MP_RATE_LIMIT_PER_SEC=%d; %d senders keep sending %d webhooks/s",
		n, sigtermLatency, sigtermRate, trickleSenders, trickleRate)
	r.Fact("at SIGTERM", "%d of %d backlog creates done", progress, n)
	r.Fact("exit", "code %d after %s%s", code, took.Round(10*time.Millisecond), errSuffix(stopErr))
	r.Fact("trickle", "%s%s", proc.CountOutcomes(out), errSuffix(noAnswer))
	r.Fact("after restart", "%d tasks reclaimed from running; drained in %s", svc.reclaimed(), drained.Round(100*time.Millisecond))
	r.Check(stopErr == nil && code == 0 && took <= sigtermBudget,
		"SIGTERM: exit 0 within %s (code %d, %s)", sigtermBudget, code, took.Round(10*time.Millisecond))
	checkDelivery(r, judge(hooks, all, subsByTMDB(mp)))
	checkIdle(ctx, r, svc)
	svc.StopClean(r)
}
