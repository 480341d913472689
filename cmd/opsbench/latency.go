package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// latency measures approval → subscription on an idle queue, without and with Seerr.
func (b *bench) latency(ctx context.Context, r *benchkit.Report) {
	for _, withSeerr := range []bool{false, true} {
		if err := b.latencyRow(ctx, r, withSeerr); err != nil {
			r.Fail(err)
			return
		}
	}
}

func (b *bench) latencyRow(ctx context.Context, r *benchkit.Report, withSeerr bool) error {
	label, name := "no Seerr", "latency"
	mp, env := benchkit.NewMP(0) // the default 3/s: a real idle queue
	defer mp.Close()
	var js *seerrtest.Server
	if withSeerr {
		label, name = "with Seerr", "latency-seerr"
		js = seerrtest.New(seerrtest.Options{})
		defer js.Close()
		env["JELLY_URL"], env["JELLY_API_KEY"], env["RECONCILE_INTERVAL"] = js.URL(), js.APIKey(), "0"
	}
	svc, err := b.Start(ctx, name, env)
	if err != nil {
		return err
	}
	defer svc.Kill()
	snd := svc.Webhooks(2)
	n := b.cfg.latencyN
	benchkit.Logf("latency (%s): 1 warm-up + %d approvals, one at a time, 400ms after the previous task is done", label, n)
	var toSub, toAck []time.Duration
	for id := 1; id <= n+1; id++ { // the first is the unreported warm-up (API-version probe, connections)
		if js != nil { // as Seerr holds the request when it sends the webhook
			js.AddRequest(seerr.Request{ID: id, Status: seerr.RequestApproved, Type: seerr.TypeMovie,
				Media: seerr.Media{TMDBID: tmdbBase + id, MediaType: seerr.TypeMovie, Status: seerr.MediaProcessing}})
		}
		sub, ack, err := oneApproval(ctx, svc, snd, mp, id)
		if err != nil {
			return fmt.Errorf("approval %d (%s): %w; log:\n%s", id, label, err, svc.LogTail(40))
		}
		if id > 1 {
			toSub, toAck = append(toSub, sub), append(toAck, ack)
		}
		// The task's calls after the create (read-back, owner) go first: the queue is empty
		// again once it is done, and the token bucket full 400 ms later.
		err = poll(ctx, svc, 10*time.Millisecond, 15*time.Second, func() (bool, error) {
			st, err := svc.Stats(ctx)
			return st.Settled(), err
		})
		if err != nil || !clock.Sleep(ctx, 400*time.Millisecond) {
			return errors.Join(err, ctx.Err())
		}
	}
	svc.StopClean(r)
	noteProblems(r, svc)
	s, a := benchkit.Summarize(toSub), benchkit.Summarize(toAck)
	r.Check(s.P50Ms <= 1000, "approval→subscription (%s) p50 %.1f ms ≤ 1000 ms", label, s.P50Ms)
	r.Fact("approval→subscription, "+label, "p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d, nearest rank); webhook 202 p50 %.1f ms; MoviePilot calls: %s",
		s.P50Ms, s.P99Ms, s.MaxMs, s.N, a.P50Ms, countOps(mp.Calls()))
	return nil
}

// oneApproval sends the approval for request id and returns webhook-sent → create-received
// (the fake's own clock, so the poll interval does not count) and webhook-sent → 202.
func oneApproval(ctx context.Context, svc *benchkit.Service, snd *proc.Sender, mp *mptest.Server, id int) (sub, ack time.Duration, err error) {
	body, err := approval(id)
	if err != nil {
		return 0, 0, err
	}
	sent := time.Now()
	code, _, err := snd.Post(ctx, body)
	ack = time.Since(sent)
	if err != nil || code != http.StatusAccepted {
		return 0, 0, fmt.Errorf("webhook answered %d (%v), want 202", code, err)
	}
	var at time.Time
	err = poll(ctx, svc, time.Millisecond, 15*time.Second, func() (bool, error) {
		for _, s := range mp.Subscriptions() {
			if s.TMDBID == tmdbBase+id {
				at = s.Created
				return true, nil
			}
		}
		return false, nil
	})
	return at.Sub(sent), ack, err
}
