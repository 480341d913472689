package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// deliveryTimeout bounds the wait for one approval's subscription on an idle queue.
const deliveryTimeout = 15 * time.Second

// latency measures approval → subscription on an idle queue, without Seerr and, with
// -latency-seerr, with Seerr configured.
func (b *bench) latency(ctx context.Context) error {
	if err := b.latencyRow(ctx, false); err != nil {
		return err
	}
	if !b.cfg.latencySeer {
		return nil
	}
	return b.latencyRow(ctx, true)
}

func (b *bench) latencyRow(ctx context.Context, withSeerr bool) error {
	label := "no Seerr"
	dataDir, err := b.scenarioDir("latency")
	if err != nil {
		return err
	}
	mp := newFakeMP()
	defer mp.Close()
	env := baseEnv(dataDir, mp.URL(), 0) // the default 3/s: a real idle queue
	var js *seerrtest.Server
	if withSeerr {
		label = "with Seerr"
		js = seerrtest.New(seerrtest.Options{})
		defer js.Close()
		env["JELLY_URL"], env["JELLY_API_KEY"], env["RECONCILE_INTERVAL"] = js.URL(), js.APIKey(), "0"
	}
	svc, err := b.launch(ctx, env)
	if err != nil {
		return err
	}
	defer svc.Kill()
	snd := newSender(svc.Base, 2)
	n := b.cfg.latencyN
	b.logf("latency (%s): 1 warm-up + %d approvals, one at a time, %s after each subscription", label, n, b.cfg.latencyGap)
	toSub := make([]time.Duration, 0, n)
	toAck := make([]time.Duration, 0, n)
	for i := 0; i <= n; i++ { // i == 0 is the unreported warm-up (API-version probe, connections)
		sub, ack, err := oneApproval(ctx, snd, mp, js, 1+i)
		if err != nil {
			return fmt.Errorf("approval %d (%s): %w; output:\n%s", i, label, err, svc.LogTail(40))
		}
		if i > 0 {
			toSub, toAck = append(toSub, sub), append(toAck, ack)
		}
		if !clock.Sleep(ctx, b.cfg.latencyGap) {
			return ctx.Err()
		}
	}
	if _, err := svc.Stop(15 * time.Second); err != nil {
		return err
	}
	b.noteLog("latency, "+label, svc)
	s, a := benchkit.Summarize(toSub), benchkit.Summarize(toAck)
	scen := "1 latency, " + label
	b.add(
		fig(scen, "approval→subscription p50", s.P50Ms, "ms").atMost(1000).
			note("n=%d, MP_RATE_LIMIT_PER_SEC default (3), webhook 202 p50 %.1fms", s.N, a.P50Ms),
		fig(scen, "approval→subscription p99", s.P99Ms, "ms").note("%s", p99Note(s.N)),
		fig(scen, "approval→subscription max", s.MaxMs, "ms"),
	)
	b.logf("  p50 %.1fms p99 %.1fms max %.1fms; webhook 202 p50 %.1fms p99 %.1fms; MP calls: %s",
		s.P50Ms, s.P99Ms, s.MaxMs, a.P50Ms, a.P99Ms, countOps(mp.Calls()))
	if withSeerr {
		b.notef("latency with Seerr: JELLY_URL set (fake Seerr %s, RECONCILE_INTERVAL=0): the worker confirmed with Seerr first (%d × GET /api/v1/request/{id} for %d approvals)",
			js.Version(), confirmations(js), n+1)
	}
	return nil
}

// oneApproval sends one approval for a new movie and returns webhook-sent → create-received
// and webhook-sent → 202. With Seerr, the request is added to the fake Seerr first (approved,
// media processing), as Seerr holds it when it sends the webhook.
func oneApproval(ctx context.Context, snd sender, mp *mptest.Server, js *seerrtest.Server, n int) (sub, ack time.Duration, err error) {
	tmdb, reqID := 100000+n, n
	if js != nil {
		reqID = js.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
			Media: seerr.Media{TMDBID: tmdb, MediaType: seerr.TypeMovie, Status: seerr.MediaProcessing}})
	}
	body, err := approval(reqID, tmdb)
	if err != nil {
		return 0, 0, err
	}
	sent := time.Now()
	code, err := snd.post(ctx, body)
	ack = time.Since(sent)
	if err != nil {
		return 0, 0, err
	}
	if code != http.StatusAccepted {
		return 0, 0, fmt.Errorf("webhook answered %d, want 202", code)
	}
	at, err := createdAt(ctx, mp, tmdb, deliveryTimeout)
	return at.Sub(sent), ack, err
}

// p99Note says when a nearest-rank p99 is simply the largest sample.
func p99Note(n int) string {
	if n < 100 {
		return fmt.Sprintf("nearest rank: with n=%d, p99 is the max", n)
	}
	return ""
}

// confirmations counts the single-request reads the fake Seerr answered.
func confirmations(js *seerrtest.Server) int {
	n := 0
	for _, c := range js.Calls() {
		if c.Method == http.MethodGet && strings.HasPrefix(c.Path, "/api/v1/request/") {
			n++
		}
	}
	return n
}
