package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// record writes the attempt back: items, input corrections, status, schedule and history.
func (w *Worker) record(ctx context.Context, claimed *task.Task, a *attempt, log zerolog.Logger) task.Task {
	// Write even when ctx ended (shutdown): a bounded, uncancelled context of its own.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var summary string
	out, err := w.o.Store.Update(wctx, claimed.ID, func(t *task.Task) error {
		now := w.o.Now().UTC()
		if a.items != nil {
			t.Items = a.items
		}
		if a.inputSet {
			t.Input.Seasons = a.input.Seasons
			t.Input.Is4K = a.input.Is4K
			t.Input.RequestStatus = a.input.RequestStatus
			if u := a.input.RequestUpdatedAt; u != nil && (t.Input.RequestUpdatedAt == nil || u.After(*t.Input.RequestUpdatedAt)) {
				t.Input.RequestUpdatedAt = u
			}
			if t.Input.Title == "" {
				t.Input.Title, t.Input.Year = a.input.Title, a.input.Year
			}
		}
		if a.lastResp != "" {
			t.LastResponse = a.lastResp
		}
		notes := strings.Join(a.notes, "; ")
		if t.Status == task.StatusCancelled {
			// Cancelled by an operator or Seerr while running: keep what was done, stop.
			summary = joinNonEmpty("stopped: cancelled while running", notes)
			a.history(t, now, "cancelled", summary)
			return nil
		}
		newer := t.Revision > claimed.Revision // new seasons arrived meanwhile
		switch {
		case a.cancelled != "":
			t.Status, t.Reason, t.LastError = task.StatusCancelled, a.cancelled, ""
			t.CancelledBy = task.CancelledBySeerr
			summary = a.cancelled
			a.history(t, now, "cancelled", summary)
		case a.failReason != "":
			t.Status, t.Reason, t.LastError = task.StatusFailed, a.failReason, a.failReason
			summary = a.failReason
			a.history(t, now, "failed", summary)
		case a.stopped:
			t.Status, t.NextAttemptAt = task.StatusPending, now
			summary = joinNonEmpty("interrupted (shutdown or cancel); will resume", notes)
			a.history(t, now, "interrupted", summary)
		case a.auth:
			t.Status = task.StatusPending
			t.NextAttemptAt = w.paused()
			if t.NextAttemptAt.Before(now) {
				t.NextAttemptAt = now
			}
			t.LastError = a.lastErr
			summary = "MoviePilot auth failing; worker paused, no attempt counted"
			a.history(t, now, "paused", summary)
		case a.waitReason != "":
			// Waiting is not failing: it spends no attempts and never gives up, but backs off.
			t.Status, t.Reason = task.StatusPending, a.waitReason
			t.NextAttemptAt = now.Add(w.delay(trailing(t.History, "waiting")+1, w.sched.ConfirmBase, w.sched.ConfirmMax))
			summary = a.waitReason
			a.history(t, now, "waiting", summary)
		default:
			w.settle(t, a, newer, now, notes, &summary)
		}
		return nil
	})
	if err != nil {
		log.Error().Err(err).Msg("could not record the outcome; the task is reclaimed at the next start")
		return *claimed
	}
	if w.o.OnOutcome != nil && a.outcome != "" {
		w.o.OnOutcome(a.outcome)
	}
	log.Info().Str("status", string(out.Status)).Int("attempts", out.Attempts).Str("summary", summary).Msg("task attempt done")
	return out
}

// settle decides the status after items were delivered (or not).
func (w *Worker) settle(t *task.Task, a *attempt, newer bool, now time.Time, notes string, summary *string) {
	sum := plan.Outcome(t.Items)
	t.Reason = ""
	switch {
	case sum.Pending > 0 && a.dryRun && !a.retry && !a.business:
		t.Status = task.StatusPending
		t.NextAttemptAt = now.Add(w.sched.DryRun)
		*summary = joinNonEmpty("dry run", notes)
		t.Reason = "MP_DRY_RUN=true: nothing is sent; the task stays pending"
		a.history(t, now, "dry-run", *summary)
	case sum.Pending > 0 && a.throttled && !a.business:
		// MoviePilot said when (429/503 with Retry-After): the task did nothing wrong, so no
		// attempt is spent, and it goes again exactly then — the full Retry-After, beyond
		// the worker-wide hold's cap, and not a moment later.
		d := a.retryAfter
		t.Status, t.NextAttemptAt = task.StatusPending, now.Add(d)
		t.LastError = a.lastErr
		*summary = joinNonEmpty(fmt.Sprintf("MoviePilot asked to wait; retry in %s, no attempt counted: %s",
			d.Round(time.Second), a.lastErr), notes)
		a.history(t, now, "throttled", *summary)
	case sum.Pending > 0 && a.outage && !a.business:
		// MoviePilot unreachable: the worker probes it and every task goes as soon as it
		// answers, so this task stays due. It spends one attempt (a 429 spends none), so a
		// request MoviePilot always fails on still ends.
		if !a.free {
			t.Attempts++
		}
		t.LastError = a.lastErr
		if t.Attempts >= w.o.MaxAttempts {
			w.giveUp(t, a, now, notes, summary)
			return
		}
		t.Status, t.NextAttemptAt = task.StatusPending, now
		*summary = joinNonEmpty("MoviePilot unreachable; the task goes again as soon as it answers: "+a.lastErr, notes)
		a.history(t, now, "retry", *summary)
	case sum.Pending > 0:
		t.Attempts++
		t.LastError = a.lastErr
		if t.Attempts >= w.o.MaxAttempts {
			w.giveUp(t, a, now, notes, summary)
			return
		}
		var d time.Duration
		if a.retry {
			d = w.delay(t.Attempts, w.sched.RetryBase, w.sched.RetryMax)
		} else {
			d = w.delay(t.Attempts, w.sched.BusinessBase, w.sched.BusinessMax)
		}
		if a.retryAfter > d {
			d = a.retryAfter
		}
		t.Status, t.NextAttemptAt = task.StatusPending, now.Add(d)
		*summary = joinNonEmpty(fmt.Sprintf("retry in %s: %s", d.Round(time.Second), a.lastErr), notes)
		a.history(t, now, "retry", *summary)
	case sum.Failed > 0:
		t.Attempts++
		t.Status = task.StatusFailed
		t.LastError = firstItemError(t.Items)
		*summary = joinNonEmpty("failed", notes)
		a.history(t, now, "failed", *summary)
	default:
		// Attempts counts this one too: a delivered task was tried at least once.
		t.Attempts++
		t.Status, t.LastError = task.StatusSuccess, ""
		if sum.NothingSent() {
			// Finished, but MoviePilot was given nothing: say so, in the task and the outcome.
			t.Reason = "nothing was subscribed: " + skipReasons(t.Items)
			*summary = joinNonEmpty(t.Reason, notes)
			a.history(t, now, OutcomeNothingSent, *summary)
			break
		}
		*summary = joinNonEmpty("success", notes)
		a.history(t, now, "success", *summary)
	}
	if newer && t.Status != task.StatusPending {
		// New seasons were merged while this attempt ran: go again for them.
		t.Status, t.NextAttemptAt = task.StatusPending, now
		t.AddHistory(now, "reopened", "new seasons arrived during the attempt")
	}
}

// giveUp fails every item not done yet: the task spent its attempts.
func (w *Worker) giveUp(t *task.Task, a *attempt, now time.Time, notes string, summary *string) {
	for i := range t.Items {
		if !t.Items[i].State.Done() && t.Items[i].State != task.ItemFailed {
			t.Items[i].State = task.ItemFailed
			if t.Items[i].LastError == "" {
				t.Items[i].LastError = a.lastErr
			}
		}
	}
	t.Status = task.StatusFailed
	*summary = joinNonEmpty(fmt.Sprintf("gave up after %d attempts: %s", t.Attempts, a.lastErr), notes)
	a.history(t, now, "failed", *summary)
}

// OutcomeNothingSent is the history outcome of a task that finished with every item skipped
// (only specials under TV_SPECIALS=exclude, or already available in Seerr): a success in
// which MoviePilot was given nothing.
const OutcomeNothingSent = "nothing-sent"

// skipReasons joins the distinct reasons of the skipped items.
func skipReasons(items []task.Item) string {
	var out []string
	for _, it := range items {
		if it.State == task.ItemSkipped && it.Reason != "" && !slices.Contains(out, it.Reason) {
			out = append(out, it.Reason)
		}
	}
	if len(out) == 0 {
		return "every item was skipped"
	}
	return strings.Join(out, "; ")
}

// trailing counts the newest history entries with that outcome, in a row.
func trailing(h []task.HistoryEntry, outcome string) int {
	n := 0
	for i := len(h) - 1; i >= 0 && h[i].Outcome == outcome; i-- {
		n++
	}
	return n
}

func firstItemError(items []task.Item) string {
	for _, it := range items {
		if it.State == task.ItemFailed && it.LastError != "" {
			return it.Key() + ": " + it.LastError
		}
	}
	return ""
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ": ")
}
