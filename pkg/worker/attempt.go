package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// outcome of one item's delivery.
type outcome int

const (
	outOK       outcome = iota
	outDryRun           // dry run: would have created it
	outRetry            // transient: stop this attempt, back off
	outBusiness         // success:false at 200: try again much later, go on with other items
	outFailed           // permanent for this item, go on with other items
	outAuth             // auth failing: pause the worker
	outStopped          // shutdown or cancellation: stop, no attempt counted
)

// attempt is the running record of one processing of one task.
type attempt struct {
	task        *task.Task
	items       []task.Item
	input       task.Input
	inputSet    bool // confirmation changed the input
	notes       []string
	lastResp    string
	lastErr     string
	retryAfter  time.Duration
	retry       bool // some item needs a transient retry
	throttled   bool // the attempt ended on a 429/503 with Retry-After: no attempt spent, go again then
	outage      bool // the attempt ran into an unreachable MoviePilot (no Retry-After)
	free        bool // with outage: a 429, MoviePilot rate-limited us; no attempt spent
	business    bool // some item got success:false
	dryRun      bool
	auth        bool
	stopped     bool // shutdown or cancelled mid-way
	cancelled   string
	waitReason  string // waiting for Seerr to confirm seasons
	failReason  string // the task cannot be planned at all
	nothingToDo bool   // Seerr says the media is already available
	// seerrAnswered: Seerr confirmed the request in this attempt (so a missing season list
	// is Seerr's answer, not an outage).
	seerrAnswered bool
	outcome       string // how the attempt ended (its history outcome), for Options.OnOutcome
}

// history adds the attempt's outcome to the task's history and remembers it.
func (a *attempt) history(t *task.Task, now time.Time, outcome, summary string) {
	a.outcome = outcome
	t.AddHistory(now, outcome, summary)
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

func (w *Worker) process(ctx context.Context, t *task.Task) task.Task {
	log := w.log.With().Str("task_id", t.ID).Str("key", t.Key).Str("title", t.Input.Title).Logger()
	a := &attempt{task: t, input: t.Input}
	w.confirm(ctx, t, a, log)

	if a.cancelled == "" && a.waitReason == "" && a.failReason == "" && !a.stopped && !a.nothingToDo {
		planned, err := plan.Items(a.input, w.o.Policy)
		switch {
		case errors.Is(err, plan.ErrNoSeasons) && w.o.Seerr == nil:
			// Webhook-only: nobody can say which seasons were requested, so waiting cannot help.
			a.failReason = noSeasonsFix("the webhook named no seasons and, without JELLY_URL, seerrpilot cannot ask Seerr")
		case errors.Is(err, plan.ErrNoSeasons) && a.seerrAnswered && trailing(t.History, "waiting") >= maxSeasonWaits:
			a.failReason = noSeasonsFix(fmt.Sprintf("Seerr named no seasons for this request in %d checks over several hours", maxSeasonWaits))
		case errors.Is(err, plan.ErrNoSeasons):
			a.waitReason = "waiting for Seerr to confirm which seasons were requested: the webhook named none, and seerrpilot never guesses"
		case err != nil:
			a.failReason = "cannot plan this request: " + err.Error()
		default:
			a.items, _ = plan.Merge(t.Items, planned)
			w.deliverAll(ctx, t, a, log)
		}
	}
	return w.record(ctx, t, a, log)
}

// confirm checks the request with Seerr: authoritative seasons and 4K, still approved, still
// there. If Seerr cannot be reached, the task goes on with the data it has.
func (w *Worker) confirm(ctx context.Context, t *task.Task, a *attempt, log zerolog.Logger) {
	if w.o.Seerr != nil && t.Input.RequestID > 0 {
		cctx, cancel := context.WithTimeout(ctx, w.o.CallTimeout)
		r, err := w.o.Seerr.GetRequest(cctx, t.Input.RequestID)
		cancel()
		switch {
		case ctx.Err() != nil:
			a.stopped = true
			return
		case errors.Is(err, seerr.ErrNotFound):
			a.cancelled = "the request no longer exists in Seerr"
			return
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
				a.cancelled = "declined in Seerr"
				return
			case seerr.RequestPending:
				a.waitReason = "the request is pending approval in Seerr again"
				return
			}
			fresh := plan.Input(*r)
			if fresh.TMDBID > 0 && fresh.TMDBID != a.input.TMDBID {
				a.failReason = fmt.Sprintf("Seerr says request %d is TMDB %d, not %d", r.ID, fresh.TMDBID, a.input.TMDBID)
				return
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
				a.nothingToDo = true
				return
			}
		}
	}
	if a.input.Title == "" && w.o.Titler != nil {
		cctx, cancel := context.WithTimeout(ctx, w.o.CallTimeout)
		title, year, err := w.o.Titler.MediaDetails(cctx, string(a.input.MediaType), a.input.TMDBID)
		cancel()
		if title = task.CleanTitle(title); err == nil && title != "" {
			a.input.Title, a.inputSet = title, true
			if a.input.Year == 0 {
				a.input.Year = year
			}
		}
	}
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
