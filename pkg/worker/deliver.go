package worker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/clean"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// deliverAll delivers the attempt's pending items in order, and stops at the first that
// stops the attempt: MoviePilot stalled (throttled, unreachable), paused, or interrupted.
func (w *Worker) deliverAll(ctx context.Context, t *task.Task, a *attempt, log zerolog.Logger) {
	for _, i := range plan.Pending(a.items) {
		// A task cancelled while running stops before its next MoviePilot call.
		if cur, err := w.o.Store.Get(ctx, t.ID); err == nil && cur.Status == task.StatusCancelled {
			a.stop(interrupted, "")
			return
		}
		switch v := w.deliver(ctx, a, &a.items[i], log); v {
		case throttled, unreachable:
			a.stall = v
			return // MoviePilot is struggling: no more calls this attempt
		case paused, interrupted:
			a.stop(v, "")
			return
		case retry:
			a.refused = true
		case dryRun:
			a.wouldSend = true
		}
	}
}

// deliver brings one item to MoviePilot: look it up, create it only if missing.
func (w *Worker) deliver(ctx context.Context, a *attempt, it *task.Item, log zerolog.Logger) verdict {
	in := a.input
	if it.Season != nil && *it.Season == 0 {
		it.State = task.ItemFailed
		it.LastError = "not sent: MoviePilot cannot hold a season-0 (specials) subscription — it stores season 0 as season 1, " +
			"which would subscribe the wrong season. Subscribe specials by hand, or set TV_SPECIALS=exclude"
		a.notes = append(a.notes, it.Key()+" not sent (specials)")
		return failed
	}
	req := moviepilot.SubscribeRequest{
		Name: clean.Title(in.Title), Year: in.Year, MediaType: string(in.MediaType), TMDBID: in.TMDBID,
		Season: it.Season, StartEpisode: it.StartEpisode, TotalEpisode: it.TotalEpisode,
		Username: w.owner(in.RequestedBy),
	}
	if req.Name == "" {
		// MoviePilot recognises by tmdbid; the name is only its fallback. Never leave it empty.
		req.Name = "tmdb:" + strconv.Itoa(in.TMDBID)
	}
	sub, err := w.o.MoviePilot.Lookup(ctx, in.TMDBID, it.Season)
	if err != nil {
		return w.failure(ctx, a, it, "lookup", err, log)
	}
	// Link only a row of the same TMDB id, type and season: a movie lookup matches on the
	// TMDB id alone, and a show can share a movie's number.
	if moviepilot.Matches(sub, req) {
		it.State, it.MPSubscriptionID, it.LastError = task.ItemExisting, sub.ID, ""
		a.notes = append(a.notes, fmt.Sprintf("%s existing #%d", it.Key(), sub.ID))
		w.markHealthy()
		return delivered
	}
	if w.o.DryRun {
		body, err := w.o.MoviePilot.Payload(ctx, req)
		if err != nil {
			return w.failure(ctx, a, it, "payload", err, log)
		}
		log.Info().Str("item", it.Key()).RawJSON("payload", body).Msg("dry run: would create this MoviePilot subscription")
		if w.o.OnDryRun != nil {
			w.o.OnDryRun(a.task, it.Key(), body)
		}
		a.notes = append(a.notes, it.Key()+" would be created (dry run)")
		w.markHealthy()
		return dryRun
	}
	created, err := w.o.MoviePilot.Subscribe(ctx, req)
	if errors.Is(err, moviepilot.ErrAccepted) {
		created, err = w.awaitAccepted(ctx, req)
	}
	if err != nil {
		return w.failure(ctx, a, it, "create", err, log)
	}
	id := created.ID
	it.State, it.MPSubscriptionID, it.LastError = task.ItemSubscribed, id, ""
	a.lastResp = fmt.Sprintf("create %s: success, id %d", it.Key(), id)
	a.notes = append(a.notes, fmt.Sprintf("%s subscribed #%d", it.Key(), id))
	log.Info().Str("item", it.Key()).Int("mp_id", id).Int("tmdb_id", in.TMDBID).Str("mp_user", created.Username).Msg("subscribed in MoviePilot")
	w.markHealthy()
	if created.OwnerErr != nil {
		a.notes = append(a.notes, fmt.Sprintf("%s owner not set: %v", it.Key(), created.OwnerErr))
		log.Warn().Str("item", it.Key()).Err(created.OwnerErr).Msg("subscribed, but not as the requester")
		var mpErr *moviepilot.Error
		if errors.As(created.OwnerErr, &mpErr) && mpErr.RetryAfter > 0 {
			// The owner update was answered 429/503 with Retry-After: the subscription
			// stands, but no further MoviePilot call may go before Retry-After.
			return w.throttle(a, it, "update", created.OwnerErr, mpErr, log)
		}
	}
	return delivered
}

// owner is the MoviePilot user a Seerr requester's subscriptions belong to.
func (w *Worker) owner(requester string) string {
	if u, ok := w.o.UserMap[requester]; ok {
		return u
	}
	return requester
}

// awaitAccepted looks a subscription MoviePilot accepted for background adding up until it
// appears with the right type and season: a bounded number of lookups on the worker's clock,
// the wait doubling. Never seen → a retryable error that says where to look.
func (w *Worker) awaitAccepted(ctx context.Context, req moviepilot.SubscribeRequest) (*moviepilot.Created, error) {
	wait, total := w.o.AcceptedWait, time.Duration(0)
	for i := 0; i < w.o.AcceptedPolls; i++ {
		if !w.o.Sleep(ctx, wait) {
			return nil, &moviepilot.Error{Op: "create", Class: moviepilot.ClassCanceled, Message: "stopped while waiting for MoviePilot's background add"}
		}
		total += wait
		wait *= 2
		sub, err := w.o.MoviePilot.Lookup(ctx, req.TMDBID, req.Season)
		if err != nil {
			return nil, err
		}
		if moviepilot.Matches(sub, req) {
			c := &moviepilot.Created{Subscription: *sub}
			if sub.Username != req.Username {
				c.OwnerErr = fmt.Errorf("MoviePilot stored %q as the subscription's user, not %q", sub.Username, req.Username)
			}
			return c, nil
		}
	}
	what := fmt.Sprintf("TMDB %s %d", req.MediaType, req.TMDBID)
	if req.Season != nil {
		what += " season " + strconv.Itoa(*req.Season)
	}
	return nil, &moviepilot.Error{Op: "create", Class: moviepilot.ClassRetry, Message: fmt.Sprintf(
		"MoviePilot accepted %s on /api/v1/subscribe/seerr (it adds in the background and only logs failures), "+
			"but no such subscription appeared after %d lookups over %s: see MoviePilot's log (TMDB unreachable? unknown id?); will retry",
		what, w.o.AcceptedPolls, total)}
}

// failure classifies a MoviePilot error into what the item and the attempt do next.
func (w *Worker) failure(ctx context.Context, a *attempt, it *task.Item, op string, err error, log zerolog.Logger) verdict {
	msg := err.Error()
	var mpErr *moviepilot.Error
	if errors.As(err, &mpErr) {
		a.lastResp = op + ": " + mpErr.Error()
		a.retryAfter = max(a.retryAfter, mpErr.RetryAfter)
	}
	if ctx.Err() != nil {
		return interrupted
	}
	switch moviepilot.Classify(err) {
	case moviepilot.ClassAuth:
		a.lastErr = msg
		w.pauseFor(msg, log)
		return paused
	case moviepilot.ClassRetry:
		it.LastError, a.lastErr = msg, msg
		if mpErr != nil && mpErr.RetryAfter > 0 {
			return w.throttle(a, it, op, err, mpErr, log)
		}
		a.free = mpErr != nil && mpErr.Status == http.StatusTooManyRequests
		tmdb, season := a.input.TMDBID, it.Season
		w.outage(err, func(ctx context.Context) error {
			_, err := w.o.MoviePilot.Lookup(ctx, tmdb, season)
			return err
		}, log)
		log.Warn().Str("item", it.Key()).Str("op", op).Err(err).Msg("MoviePilot call failed; the task goes again as soon as MoviePilot answers")
		return unreachable
	case moviepilot.ClassBusiness:
		it.LastError, a.lastErr = msg, msg
		if mpErr != nil && mpErr.Reason == moviepilot.ReasonNotRecognised {
			if failing, giveUp := w.recognitionBudget(a.task); giveUp {
				it.State = task.ItemFailed
				it.LastError = fmt.Sprintf("gave up after %s of failed attempts (the next retry would be more than %s after the first): %s",
					failing.Round(time.Minute), w.o.NotRecognisedFor, msg)
				a.lastErr = it.LastError
				log.Error().Str("item", it.Key()).Err(err).Msg("MoviePilot still cannot recognise this TMDB id; giving up")
				return failed
			}
		}
		log.Warn().Str("item", it.Key()).Str("op", op).Err(err).Msg("MoviePilot refused (success:false); will retry much later")
		return retry
	case moviepilot.ClassCanceled:
		return interrupted
	default:
		it.State, it.LastError, a.lastErr = task.ItemFailed, msg, msg
		log.Error().Str("item", it.Key()).Str("op", op).Err(err).Msg("MoviePilot rejected this subscription; not retrying")
		return failed
	}
}

// throttle answers MoviePilot's Retry-After (429/503): every MoviePilot call holds until then
// (holdFor), and the task goes again exactly then, spending no attempt.
func (w *Worker) throttle(a *attempt, it *task.Item, op string, err error, mpErr *moviepilot.Error, log zerolog.Logger) verdict {
	a.retryAfter = max(a.retryAfter, mpErr.RetryAfter)
	w.holdFor(mpErr.Status, mpErr.RetryAfter, log)
	msg := "MoviePilot asked to wait (503 Retry-After); no MoviePilot call before then, no attempt counted"
	if mpErr.Status == http.StatusTooManyRequests {
		msg = "MoviePilot rate-limited this call (429); no MoviePilot call before its Retry-After, no attempt counted"
	}
	log.Warn().Str("item", it.Key()).Str("op", op).Err(err).Msg(msg)
	return throttled
}

// recognitionBudget says how long the task has been failing (since the first of its trailing
// "retry" attempts, or now) and whether the next business retry — base·2^attempts, capped,
// plus the full +20% jitter — would come later than NotRecognisedFor after that.
func (w *Worker) recognitionBudget(t *task.Task) (time.Duration, bool) {
	now := w.o.Now()
	since := now
	if n := trailing(t.History, "retry"); n > 0 {
		since = t.History[len(t.History)-n].At
	}
	next := longest(t.Attempts+1, w.sched.BusinessBase, w.sched.BusinessMax)
	failing := now.Sub(since)
	return failing, failing+next > w.o.NotRecognisedFor
}
