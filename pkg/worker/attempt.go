package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/clean"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// verdict is how one attempt at a task ended. deliver gives one per item; the attempt's own is
// its end when it stopped before its items could decide, else what its items met (see
// attempt.verdict); record writes each back in its own way.
type verdict int

const (
	undecided   verdict = iota // the items decide
	delivered                  // done: every item is subscribed, existing or skipped
	failed                     // an item failed and none is left to do (or the task spent its attempts)
	unplannable                // the request cannot be delivered as it stands (attempt.reason says why)
	retry                      // an item is left to do (e.g. MoviePilot refused it): back off, spending an attempt
	unreachable                // MoviePilot cannot be reached: due again as soon as it answers, spending an attempt
	throttled                  // MoviePilot's Retry-After: go again exactly then, no attempt spent
	dryRun                     // MP_DRY_RUN: would have created it; look again later
	waiting                    // Seerr has not confirmed (attempt.reason): back off, no attempt spent, never give up
	cancelled                  // Seerr says the request is gone or declined (attempt.reason)
	interrupted                // shutdown, or cancelled by an operator mid-way: due again, no attempt spent
	paused                     // MoviePilot auth failing: the worker is paused, no attempt spent
)

// attempt is the running record of one processing of one task.
type attempt struct {
	task     *task.Task
	items    []task.Item
	input    task.Input
	inputSet bool // confirmation changed the input
	notes    []string
	lastResp string
	lastErr  string
	// seerrAnswered: Seerr confirmed the request in this attempt (so a missing season list
	// is Seerr's answer, not an outage).
	seerrAnswered bool

	end    verdict // set when the attempt stopped before its items could decide it
	reason string  // why, for unplannable, waiting and cancelled

	// What the items met, for verdict.
	stall      verdict       // throttled or unreachable: MoviePilot stopped this attempt's calls
	free       bool          // unreachable on a 429 without Retry-After: no attempt spent
	retryAfter time.Duration // the longest Retry-After MoviePilot sent
	refused    bool          // some item was refused (success:false at 200): the long back-off
	wouldSend  bool          // dry run: some item would have been created
}

// stop ends the attempt before its items decide it.
func (a *attempt) stop(v verdict, reason string) { a.end, a.reason = v, reason }

// verdict is how the attempt ended, given the task's items after it.
func (a *attempt) verdict(items []task.Item) verdict {
	sum := plan.Outcome(items)
	switch {
	case a.end != undecided:
		return a.end
	case sum.Pending == 0 && sum.Failed > 0:
		return failed
	case sum.Pending == 0:
		return delivered
	case a.refused:
		return retry // a refusal outweighs a stall: MoviePilot answered, and said no
	case a.stall != undecided:
		return a.stall
	case a.wouldSend:
		return dryRun
	}
	return retry
}

// maxSeasonWaits bounds how often a TV task whose seasons nobody named waits for Seerr
// (1 min doubling to 1 h: about 7 h in all) before it fails with the fix.
const maxSeasonWaits = 12

// noSeasonsFix is the failure of a TV task whose requested seasons cannot be known.
func noSeasonsFix(why string) string {
	return "cannot tell which seasons were requested: " + why + ". seerrpilot never guesses. Fix: set JELLY_URL " +
		"and JELLY_API_KEY so it can ask Seerr, or keep the \"{{extra}}\" block (\"Requested Seasons\") in Seerr's " +
		"webhook JSON payload (the default template has it); then retry this task"
}

// process makes one attempt at a task: confirm, plan, deliver, record.
func (w *Worker) process(ctx context.Context, t *task.Task) task.Task {
	log := w.log.With().Str("task_id", t.ID).Str("key", t.Key).Str("title", t.Input.Title).Logger()
	a := &attempt{task: t, input: t.Input}
	if w.confirm(ctx, t, a, log) {
		planned, err := plan.Items(a.input, w.o.Policy)
		switch {
		case errors.Is(err, plan.ErrNoSeasons) && w.o.Seerr == nil:
			// Webhook-only: nobody can say which seasons were requested, so waiting cannot help.
			a.stop(unplannable, noSeasonsFix("the webhook named no seasons and, without JELLY_URL, seerrpilot cannot ask Seerr"))
		case errors.Is(err, plan.ErrNoSeasons) && a.seerrAnswered && trailing(t.History, "waiting") >= maxSeasonWaits:
			a.stop(unplannable, noSeasonsFix(fmt.Sprintf("Seerr named no seasons for this request in %d checks over several hours", maxSeasonWaits)))
		case errors.Is(err, plan.ErrNoSeasons):
			a.stop(waiting, "waiting for Seerr to confirm which seasons were requested: the webhook named none, and seerrpilot never guesses")
		case err != nil:
			a.stop(unplannable, "cannot plan this request: "+err.Error())
		default:
			a.items, _ = plan.Merge(t.Items, planned)
			w.deliverAll(ctx, t, a, log)
		}
	}
	return w.record(ctx, t, a, log)
}

// confirm checks the request with Seerr: authoritative seasons and 4K, still approved, still
// there. If Seerr cannot be reached, the task goes on with the data it has. It reports whether
// to plan and deliver: not when it stopped the attempt, nor when Seerr says nothing is left.
func (w *Worker) confirm(ctx context.Context, t *task.Task, a *attempt, log zerolog.Logger) bool {
	if w.o.Seerr != nil && t.Input.RequestID > 0 {
		cctx, cancel := context.WithTimeout(ctx, w.o.CallTimeout)
		r, err := w.o.Seerr.GetRequest(cctx, t.Input.RequestID)
		cancel()
		switch {
		case ctx.Err() != nil:
			a.stop(interrupted, "")
			return false
		case errors.Is(err, seerr.ErrNotFound):
			a.stop(cancelled, "the request no longer exists in Seerr")
			return false
		case errors.Is(err, seerr.ErrUnauthorized):
			// Seerr answered, and refused the key: not an outage, a setting to fix.
			a.notes = append(a.notes, "Seerr refused the API key (HTTP 401/403), used the data we had; check JELLY_API_KEY")
			log.Warn().Err(err).Msg("Seerr refused JELLY_API_KEY (HTTP 401/403); using the data we have. Fix: copy the key from Seerr → Settings → General → API Key into JELLY_API_KEY")
		case err != nil:
			a.notes = append(a.notes, "Seerr unreachable, used the data we had")
			log.Warn().Err(err).Msg("could not confirm the request with Seerr; using the data we have")
		default:
			switch r.Status {
			case seerr.RequestDeclined:
				a.stop(cancelled, "declined in Seerr")
				return false
			case seerr.RequestPending:
				a.stop(waiting, "the request is pending approval in Seerr again")
				return false
			}
			fresh := plan.Input(*r)
			if fresh.TMDBID > 0 && fresh.TMDBID != a.input.TMDBID {
				a.stop(unplannable, fmt.Sprintf("Seerr says request %d is TMDB %d, not %d", r.ID, fresh.TMDBID, a.input.TMDBID))
				return false
			}
			if fresh.MediaType == task.TypeTV && len(fresh.Seasons) > 0 {
				a.input.Seasons = fresh.Seasons
			}
			a.input.Is4K = fresh.Is4K
			a.input.RequestStatus = fresh.RequestStatus
			a.input.RequestUpdatedAt = fresh.RequestUpdatedAt
			a.inputSet = true
			a.seerrAnswered = true
			if ok, why := seerr.Deliverable(*r); !ok {
				// COMPLETED or AVAILABLE: nothing left to download.
				a.items = skipAll(t.Items, a.input, w.o.Policy, "already available in Seerr: "+why)
				a.notes = append(a.notes, "Seerr: "+why+"; nothing to send")
				return false
			}
		}
	}
	if a.input.Title == "" && w.o.Titler != nil {
		cctx, cancel := context.WithTimeout(ctx, w.o.CallTimeout)
		title, year, err := w.o.Titler.MediaDetails(cctx, string(a.input.MediaType), a.input.TMDBID)
		cancel()
		if title = clean.Title(title); err == nil && title != "" {
			a.input.Title, a.inputSet = title, true
			if a.input.Year == 0 {
				a.input.Year = year
			}
		}
	}
	return true
}

// skipAll plans the input and marks every item not yet done as skipped.
func skipAll(existing []task.Item, in task.Input, p plan.Policy, reason string) []task.Item {
	planned, err := plan.Items(in, p)
	if err != nil {
		planned = nil
	}
	items, _ := plan.Merge(existing, planned)
	for i := range items {
		if !items[i].State.Done() {
			items[i].State, items[i].Reason, items[i].LastError = task.ItemSkipped, reason, ""
		}
	}
	return items
}
