package main

import (
	"context"
	"fmt"
	"time"
)

// intake measures the durable webhook intake of the real binary, the two figures issue #14
// keeps: acknowledgements per second with 64 senders (closed loop, every answer a 202 that
// means the task is committed), and the latency at a steady 1,000 webhooks per second (open
// loop, from each request's scheduled send time).
func (b *bench) intake(ctx context.Context) error {
	// MoviePilot is paced slowly: the worker takes little of the shared cores meanwhile.
	svc, _, done, err := b.startScenario(ctx, "intake", 0.1)
	if err != nil {
		return err
	}
	defer done()

	snd := newSender(svc.Base, b.cfg.intakeSenders)
	n := b.cfg.intakeN
	b.logf("intake: %d approvals with %d senders", n, b.cfg.intakeSenders)
	began := time.Now()
	if err := snd.acceptAll(ctx, 1, n, 3_000_000, b.cfg.intakeSenders); err != nil {
		return err
	}
	sat := float64(n) / time.Since(began).Seconds()

	steady := int(float64(b.cfg.intakeRate) * b.cfg.intakeDur.Seconds())
	bodies, err := renderApprovals(2_000_000, steady)
	if err != nil {
		return err
	}
	b.logf("intake: %d/s open-loop for %s", b.cfg.intakeRate, b.cfg.intakeDur)
	res := snd.openLoop(ctx, bodies, b.cfg.intakeRate, b.cfg.loadConns)
	if _, err := svc.Stop(15 * time.Second); err != nil {
		return err
	}
	b.noteLog("intake", svc)

	scen := "7 intake"
	b.add(
		fig(scen, fmt.Sprintf("durable acks/s, %d senders", b.cfg.intakeSenders), sat, "acks/s").atLeast(5000).
			note("%d approvals, each answered 202 once its task was committed", n),
		fig(scen, fmt.Sprintf("p99 at %d/s", b.cfg.intakeRate), res.Latency.P99Ms, "ms").atMost(25).
			note("p50 %.1f ms, max %.1f ms; %d sent, %d × 202, %d errors, %d non-202, %d dropped",
				res.Latency.P50Ms, res.Latency.MaxMs, res.Sent, res.Acks, res.Errors, res.Non202, res.Dropped),
	)
	b.logf("  %.0f acks/s with %d senders; p99 %.1f ms at %d/s", sat, b.cfg.intakeSenders, res.Latency.P99Ms, b.cfg.intakeRate)
	return nil
}
