package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
)

// settleTasks is how many approvals are delivered before the idle reading, so the store
// holds a few tasks and the MoviePilot client has done its work once.
const settleTasks = 10

// rss reads the child's resident memory idle and under an open-loop webhook load.
func (b *bench) rss(ctx context.Context) error {
	svc, mp, done, err := b.startScenario(ctx, "rss", b.cfg.loadMPRate)
	if err != nil {
		return err
	}
	defer done()
	snd := newSender(svc.Base, b.cfg.loadConns)

	if err := snd.acceptAll(ctx, 1, settleTasks, 100000, 2); err != nil {
		return err
	}
	if err := waitCreates(ctx, svc, mp, settleTasks, time.Minute); err != nil {
		return err
	}
	b.logf("rss: %d tasks delivered; %s of nothing", settleTasks, b.cfg.idle)
	if !clock.Sleep(ctx, b.cfg.idle) {
		return ctx.Err()
	}
	idle, err := readMemory(svc)
	if err != nil {
		return err
	}

	n := int(float64(b.cfg.loadRate) * b.cfg.loadDur.Seconds())
	bodies, err := renderApprovals(1_000_000, n)
	if err != nil {
		return err
	}
	b.logf("rss: idle VmRSS %.1f MiB; now %d webhooks/s open-loop for %s (%d distinct requests, at most %d in flight)",
		mib(idle.RSS), b.cfg.loadRate, b.cfg.loadDur, n, b.cfg.loadConns)
	smp := startSampler(svc, 250*time.Millisecond)
	res := snd.openLoop(ctx, bodies, b.cfg.loadRate, b.cfg.loadConns)
	peak, samples, err := smp.stop()
	if err != nil {
		return err
	}
	final, err := readMemory(svc)
	if err != nil {
		return err
	}
	if _, err := svc.Stop(15 * time.Second); err != nil {
		return err
	}
	b.noteLog("RSS", svc)

	rate := 0.0
	if res.Elapsed > 0 {
		rate = float64(res.Acks) / res.Elapsed.Seconds()
	}
	scen := fmt.Sprintf("3 RSS, MP limit %s/s", num(b.cfg.loadMPRate))
	b.add(
		fig(scen, "VmRSS idle", mib(idle.RSS), "MiB").atMost(20).
			note("%d tasks delivered, then %s idle; VmHWM %.1f MiB", settleTasks, b.cfg.idle, mib(idle.HWM)),
		fig(scen, fmt.Sprintf("VmRSS max at %d/s", b.cfg.loadRate), mib(peak), "MiB").atMost(60).
			note("%d samples every 250ms over %.1fs; %.0f acks/s achieved", samples, res.Elapsed.Seconds(), rate),
		fig(scen, "VmRSS at load end", mib(final.RSS), "MiB"),
		fig(scen, "VmHWM at load end", mib(final.HWM), "MiB").note("peak RSS of the process"),
	)
	b.notef("RSS load: %d webhooks sent open-loop at %d/s, %d × 202, %d errors, %d non-202, %d dropped; latency from scheduled send p50 %.1fms p99 %.1fms max %.1fms; MP_RATE_LIMIT_PER_SEC=%s, so the worker delivered only %d subscriptions meanwhile",
		res.Sent, b.cfg.loadRate, res.Acks, res.Errors, res.Non202, res.Dropped, res.Latency.P50Ms, res.Latency.P99Ms, res.Latency.MaxMs,
		num(b.cfg.loadMPRate), mp.CreateCount()-settleTasks)
	b.logf("  VmRSS max %.1f MiB, final %.1f MiB, VmHWM %.1f MiB; %.0f acks/s, errors %d, p99 %.1fms",
		mib(peak), mib(final.RSS), mib(final.HWM), rate, res.Errors, res.Latency.P99Ms)
	return nil
}

// renderApprovals renders n approvals for request ids first.. (TMDB id = request id + 1e6)
// before the load starts, so the generator does not render on the shared cores.
func renderApprovals(first, n int) ([][]byte, error) {
	out := make([][]byte, n)
	for i := range out {
		body, err := approval(first+i, first+i+1_000_000)
		if err != nil {
			return nil, err
		}
		out[i] = body
	}
	return out, nil
}

// sampler reads the child's VmRSS periodically and keeps the highest.
type sampler struct {
	quit chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak int64
	n    int
	err  error
}

func startSampler(svc *service, every time.Duration) *sampler {
	s := &sampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			m, err := readMemory(svc)
			s.mu.Lock()
			if err != nil {
				s.err = err
				s.mu.Unlock()
				return
			}
			s.peak, s.n = max(s.peak, m.RSS), s.n+1
			s.mu.Unlock()
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends sampling and returns the highest VmRSS seen and the number of samples.
func (s *sampler) stop() (int64, int, error) {
	close(s.quit)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, s.n, s.err
}
