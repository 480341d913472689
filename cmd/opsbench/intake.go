package main

import (
	"context"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
)

// intake measures the durable webhook intake of the real binary and its memory: VmRSS
// idle, then p99 and VmRSS under a steady open-loop load (latency from each request's due
// time, so a slow answer cannot hide the requests queued behind it), then acknowledgements
// per second from closed-loop senders, every answer a 202 that means the task is committed.
func (b *bench) intake(ctx context.Context, r *benchkit.Report) {
	const settle, idleFor, conns = 10, 10 * time.Second, 256
	mp, env := benchkit.NewMP(0) // the default 3/s: the worker takes little of the cores
	defer mp.Close()
	svc, err := b.Start(ctx, "intake", env)
	if err != nil {
		r.Fail(err)
		return
	}
	defer svc.Kill()
	snd := svc.Webhooks(conns)
	if err := snd.SendAll(ctx, settle, 2, approvals(1)); err != nil {
		r.Fail(err)
		return
	}
	if err := waitCreates(ctx, svc, mp, settle, time.Minute); err != nil {
		r.Fail(err)
		return
	}
	benchkit.Logf("intake: %d tasks delivered; %s of nothing", settle, idleFor)
	if !clock.Sleep(ctx, idleFor) {
		r.Fail(ctx.Err())
		return
	}
	idle, err := readMemory(svc)
	if err != nil {
		r.Fail(err)
		return
	}

	n := int(float64(b.cfg.loadRate) * b.cfg.loadDur.Seconds())
	bodies := make([][]byte, n) // rendered before, so the generator does not render on the shared cores
	for i := range bodies {
		if bodies[i], err = approval(settle + 1 + i); err != nil {
			r.Fail(err)
			return
		}
	}
	benchkit.Logf("intake: %d webhooks/s open-loop for %s (at most %d in flight)", b.cfg.loadRate, b.cfg.loadDur, conns)
	lat := make([]time.Duration, n)
	smp := startSampler(svc, 250*time.Millisecond)
	out, _ := snd.Send(ctx, n, func(i int) ([]byte, error) { return bodies[i], nil },
		proc.Burst{Senders: conns, Rate: float64(b.cfg.loadRate), Done: func(i int, _ proc.Outcome, d time.Duration) { lat[i] = d }})
	peak, samples, err := smp.stop()
	if err != nil {
		r.Fail(err)
		return
	}
	loaded, _ := readMemory(svc)
	c := proc.CountOutcomes(out)
	var tried []time.Duration
	for i, o := range out {
		if o != proc.Unsent {
			tried = append(tried, lat[i])
		}
	}
	s := benchkit.Summarize(tried)

	first := settle + 1 + n
	benchkit.Logf("intake: %d approvals with %d senders", b.cfg.intakeN, b.cfg.intakeSenders)
	began := time.Now()
	err = snd.SendAll(ctx, b.cfg.intakeN, b.cfg.intakeSenders, approvals(first))
	sat := float64(b.cfg.intakeN) / time.Since(began).Seconds()
	if err != nil {
		r.Fail(err)
		return
	}
	svc.StopClean(r)
	noteProblems(r, svc)

	r.Check(mib(idle.RSS) <= 20, "VmRSS idle %.1f MiB ≤ 20 MiB (%d tasks delivered, then %s idle)", mib(idle.RSS), settle, idleFor)
	r.Check(s.P99Ms <= 25, "p99 at %d/s %.1f ms ≤ 25 ms (p50 %.1f ms, max %.1f ms; %s)", b.cfg.loadRate, s.P99Ms, s.P50Ms, s.MaxMs, c)
	r.Check(mib(peak) <= 60, "VmRSS max at %d/s %.1f MiB ≤ 60 MiB (%d samples every 250ms; at the end VmRSS %.1f, VmHWM %.1f MiB)",
		b.cfg.loadRate, mib(peak), samples, mib(loaded.RSS), mib(loaded.HWM))
	r.Check(sat >= 5000, "durable acks/s with %d senders %.0f ≥ 5,000 (%d approvals, each answered 202 once its task was committed)",
		b.cfg.intakeSenders, sat, b.cfg.intakeN)
}
