package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// missedWebhooks is how many approvals the seerrdown scenario never sends a webhook for.
const missedWebhooks = 10

// runSeerrDown: Seerr is down while webhooks arrive and while some approvals' webhooks are
// lost; after it returns, POST /reconcile must find the lost ones.
func runSeerrDown(ctx context.Context, h *harness, r *benchkit.Report) {
	js := seerrtest.New(seerrtest.Options{})
	defer js.Close()
	mp, env := benchkit.NewMP(mpRate)
	defer mp.Close()
	env["JELLY_URL"], env["JELLY_API_KEY"], env["RECONCILE_INTERVAL"] = js.URL(), js.APIKey(), "0"
	svc, err := h.start(ctx, "seerrdown", env) // /readyz 200: the start pass (empty Seerr) has finished
	if err != nil {
		r.Fail(err)
		return
	}
	defer svc.Kill()

	js.SetDown(true)
	sent, err := addApproved(js, 1, max(10, h.cfg.backlog/10))
	if err != nil {
		r.Fail(err)
		return
	}
	sendErr := h.sendAll(ctx, svc, sent)
	missed, err := addApproved(js, len(sent)+1, missedWebhooks)
	if err != nil {
		r.Fail(err)
		return
	}
	rzQuiet, _ := svc.readyz(ctx)
	downSum, downErr := svc.reconcile(ctx)
	rzDown, rzErr := svc.readyz(ctx)
	_, deliverErr := drain(ctx, svc, mp, ackedIDs(sent, nil), drainBudget(len(sent), mpRate))
	seerr503 := 0
	for _, c := range js.Calls() {
		if c.Status == http.StatusServiceUnavailable {
			seerr503++
		}
	}

	js.SetDown(false)
	upSum, upErr := svc.reconcile(ctx)
	_, drainErr := drain(ctx, svc, mp, ackedIDs(append(sent, missed...), nil), drainBudget(len(sent)+missedWebhooks, mpRate))
	var rzUp readiness
	readyErr := waitFor(ctx, 10*time.Second, "/readyz 200", func() (bool, error) {
		var err error
		rzUp, err = svc.readyz(ctx)
		return err == nil && rzUp.Code == http.StatusOK, err
	})

	r.Fact("setup", "Seerr down; %d approvals sent as webhooks, %d approvals whose webhook never came; RECONCILE_INTERVAL=0", len(sent), len(missed))
	r.Fact("/readyz, Seerr down, no pass yet", "%s", rzQuiet)
	r.Fact("POST /reconcile, Seerr down", "outcome %q %s%s", downSum.Outcome, trunc.Mark(downSum.Error, 100), errSuffix(downErr))
	r.Fact("/readyz after that pass", "%s%s", rzDown, errSuffix(rzErr))
	r.Fact("Seerr calls answered 503", "%d (the worker's confirmations and the pass)", seerr503)
	r.Fact("POST /reconcile, Seerr back", "seen %d approved %d enqueued %d%s", upSum.Seen, upSum.Approved, upSum.Enqueued, errSuffix(upErr))
	r.Fact("/readyz, Seerr back", "%s", rzUp)
	r.Note("/readyz learns about Seerr only from reconcile passes (the worker's failed confirmations do not change it); " +
		"it stays 200 (webhooks are still stored) with the reconcile component at status \"error\" and the failure in problems")
	r.Check(sendErr == nil, "webhooks accepted while Seerr is down (%d sent%s)", len(sent), errSuffix(sendErr))
	// Webhooks are still stored, so /readyz stays 200 and names the failed pass (README).
	named := slices.ContainsFunc(rzDown.Problems, func(p string) bool { return strings.HasPrefix(p, "reconcile: last pass failed") })
	r.Check(rzErr == nil && rzDown.Code == http.StatusOK && rzDown.Components["reconcile"].Status == "error" && named,
		"/readyz stays 200 and reports Seerr down once a pass failed (HTTP %d, reconcile %q, problems %q)", rzDown.Code, rzDown.Components["reconcile"].Status, rzDown.Problems)
	r.Check(deliverErr == nil, "the webhooks were delivered while Seerr was still down%s", errSuffix(deliverErr))
	r.Check(upErr == nil && upSum.Enqueued == len(missed),
		"reconcile after Seerr returned enqueued the %d missed approvals (enqueued %d)", len(missed), upSum.Enqueued)
	r.Check(drainErr == nil, "everything delivered after reconcile%s", errSuffix(drainErr))
	subs := subsByTMDB(mp)
	checkDelivery(r, judge(sent, nil, subs))
	mv := judge(missed, nil, subs)
	r.Check(mv.lost == 0 && mv.duplicated == 0, "every missed approval delivered exactly once (%d of %d, duplicated %d)", mv.delivered, len(missed), mv.duplicated)
	r.Check(readyErr == nil, "/readyz recovers (HTTP %d)", rzUp.Code)
	checkIdle(ctx, r, svc)
	svc.StopClean(r)
}

// addApproved adds an approved movie request per id to the fake Seerr (TMDB id tmdbBase+id,
// title known to its TMDB stand-in) and returns the webhooks Seerr would send for them.
func addApproved(js *seerrtest.Server, first, n int) ([]webhook, error) {
	hooks, err := movieWebhooks(first, n)
	if err != nil {
		return nil, err
	}
	for _, w := range hooks {
		id := w.id
		got := js.AddRequest(seerr.Request{ID: id, Status: seerr.RequestApproved, Type: seerr.TypeMovie,
			Media: seerr.Media{TMDBID: tmdbBase + id, MediaType: seerr.TypeMovie, Status: seerr.MediaProcessing}})
		if got != id {
			return nil, fmt.Errorf("fake Seerr gave request %d the id %d", id, got)
		}
		js.SetMedia(seerr.TypeMovie, tmdbBase+id, movieTitle(id), 1990+id%35)
	}
	return hooks, nil
}
