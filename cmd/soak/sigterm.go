package main

import (
	"context"
	"fmt"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
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

// runSigterm: SIGTERM while a backlog drains and webhooks keep arriving; exit 0 in time,
// then a restart delivers everything acknowledged exactly once.
func runSigterm(ctx context.Context, h *harness, r *report) {
	mp := mptest.New(mptest.Options{APIToken: mpToken, AcceptAPIKey: true})
	defer mp.Close()
	mp.SetLatency(sigtermLatency)
	env := map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": mpToken, "MP_RATE_LIMIT_PER_SEC": fmt.Sprint(sigtermRate)}
	svc, err := startScenario(ctx, h, "sigterm", env)
	if err != nil {
		r.fail(err)
		return
	}
	defer func() { svc.Kill() }()

	n := h.cfg.backlog
	backlog, _ := movieWebhooks(idRange(1, n))
	if err := h.sendAll(ctx, svc, backlog); err != nil {
		r.fail(err)
		return
	}
	if err := waitCreates(ctx, mp, n/4); err != nil {
		r.fail(err)
		return
	}

	trickle, _ := movieWebhooks(idRange(n+1, trickleSize))
	st := terminateUnderLoad(ctx, h, svc, trickle, mp.CreateCount)

	next, err := svc.restart(ctx)
	if err != nil {
		r.fail(fmt.Errorf("restart after SIGTERM: %w", err))
		return
	}
	svc = next
	want := append(ackedIDs(backlog, nil), ackedIDs(trickle, st.trickle)...)
	drained, _, drainErr := drain(ctx, svc, mp, want, drainBudget(len(want), sigtermRate))
	if drainErr != nil {
		r.fail(drainErr)
	}
	all := append(append([]webhook(nil), backlog...), trickle...)
	v := judge(all, append(allAcked(n), st.trickle...), subsByTMDB(mp))

	r.fact("setup", "%d webhooks backlog, MoviePilot latency %s, MP_RATE_LIMIT_PER_SEC=%d; %d senders keep sending %d webhooks/s",
		n, sigtermLatency, sigtermRate, trickleSenders, trickleRate)
	r.fact("at SIGTERM", "%d of %d backlog creates done", st.progress, n)
	r.fact("exit", "code %d after %s%s", st.code, st.took.Round(10*time.Millisecond), errSuffix(st.err))
	r.fact("trickle", "%s%s", proc.CountOutcomes(st.trickle), errSuffix(st.noAnswer))
	r.fact("after restart", "%d tasks reclaimed from running; drained in %s", svc.reclaimed(), drained.Round(100*time.Millisecond))
	r.check(st.err == nil && st.code == 0 && st.took <= sigtermBudget,
		"SIGTERM: exit 0 within %s (code %d, %s)", sigtermBudget, st.code, st.took.Round(10*time.Millisecond))
	checkDelivery(r, v)
	checkIdle(ctx, r, svc)
	svc.stopClean(r)
}

// stopUnderLoad is what happened around a SIGTERM.
type stopUnderLoad struct {
	code     int            // exit code
	took     time.Duration  // SIGTERM to exit
	err      error          // no exit in time
	trickle  []proc.Outcome // the webhooks sent meanwhile
	noAnswer error          // the first trickle webhook not acknowledged, if any
	progress int            // progress() just before SIGTERM
}

// terminateUnderLoad sends SIGTERM to svc a second into a trickle of webhooks, which goes
// on for a moment after the exit. progress is read just before the signal.
func terminateUnderLoad(ctx context.Context, h *harness, svc *service, trickle []webhook, progress func() int) stopUnderLoad {
	var st stopUnderLoad
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.trickle, st.noAnswer = send(ctx, svc, trickle, proc.Burst{Senders: trickleSenders, Stop: stop, Rate: trickleRate})
	}()
	clock.Sleep(ctx, time.Second)
	st.progress = progress()
	st.code, st.took, st.err = svc.terminate(sigtermBudget)
	clock.Sleep(ctx, 300*time.Millisecond) // a few more webhooks find nobody listening
	close(stop)
	<-done
	return st
}
