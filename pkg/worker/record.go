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

// record writes the attempt back: items, input corrections, then its verdict (status, schedule,
// attempts, history), and tells Options.OnOutcome.
func (w *Worker) record(ctx context.Context, claimed *task.Task, a *attempt, log zerolog.Logger) task.Task {
	// Write even when ctx ended (shutdown): a bounded, uncancelled context of its own.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var outcome, summary string
	out, err := w.o.Store.Update(wctx, claimed.ID, func(t *task.Task) error {
		now := w.o.Now().UTC()
		a.apply(t)
		notes := strings.Join(a.notes, "; ")
		if t.Status == task.StatusCancelled {
			// Cancelled by an operator or Seerr while running: keep what was done, stop.
			outcome, summary = "cancelled", joinNonEmpty("stopped: cancelled while running", notes)
			t.AddHistory(now, outcome, summary)
			return nil
		}
		outcome, summary = w.settle(t, a, a.verdict(t.Items), now, notes)
		t.AddHistory(now, outcome, summary)
		if t.Revision > claimed.Revision && a.end == undecided && t.Status != task.StatusPending {
			// New seasons were merged while this attempt ran: go again for them.
			t.Status, t.NextAttemptAt = task.StatusPending, now
			t.AddHistory(now, "reopened", "new seasons arrived during the attempt")
		}
		return nil
	})
	if err != nil {
		log.Error().Err(err).Msg("could not record the outcome; the task is reclaimed at the next start")
		return *claimed
	}
	if w.o.OnOutcome != nil {
		w.o.OnOutcome(outcome)
	}
	log.Info().Str("status", string(out.Status)).Int("attempts", out.Attempts).Str("summary", summary).Msg("task attempt done")
	return out
}

// apply writes what the attempt learnt to the task: its items, Seerr's corrections of the
// input, and MoviePilot's last answer.
func (a *attempt) apply(t *task.Task) {
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
}

// settle sets the task's status, schedule and attempts for the verdict, and returns the
// history entry (outcome and summary) that says so.
func (w *Worker) settle(t *task.Task, a *attempt, v verdict, now time.Time, notes string) (string, string) {
	if a.end == undecided {
		t.Reason = "" // the items decided: an old reason no longer holds
	}
	switch v {
	case cancelled:
		t.Status, t.Reason, t.LastError = task.StatusCancelled, a.reason, ""
		t.CancelledBy = task.CancelledBySeerr
		return "cancelled", a.reason
	case unplannable:
		t.Status, t.Reason, t.LastError = task.StatusFailed, a.reason, a.reason
		return "failed", a.reason
	case interrupted:
		t.Status, t.NextAttemptAt = task.StatusPending, now
		return "interrupted", joinNonEmpty("interrupted (shutdown or cancel); will resume", notes)
	case paused:
		t.Status, t.LastError = task.StatusPending, a.lastErr
		t.NextAttemptAt = w.pauseEnd()
		if t.NextAttemptAt.Before(now) {
			t.NextAttemptAt = now
		}
		return "paused", "MoviePilot auth failing; worker paused, no attempt counted"
	case waiting:
		// Waiting is not failing: it spends no attempts and never gives up, but backs off.
		t.Status, t.Reason = task.StatusPending, a.reason
		t.NextAttemptAt = now.Add(w.delay(trailing(t.History, "waiting")+1, w.sched.ConfirmBase, w.sched.ConfirmMax))
		return "waiting", a.reason
	case dryRun:
		t.Status, t.NextAttemptAt = task.StatusPending, now.Add(w.sched.DryRun)
		t.Reason = "MP_DRY_RUN=true: nothing is sent; the task stays pending"
		return "dry-run", joinNonEmpty("dry run", notes)
	case throttled:
		// MoviePilot said when (429/503 with Retry-After): the task did nothing wrong, so no
		// attempt is spent, and it goes again exactly then — the full Retry-After, beyond
		// the worker-wide hold's cap, and not a moment later.
		d := a.retryAfter
		t.Status, t.NextAttemptAt, t.LastError = task.StatusPending, now.Add(d), a.lastErr
		return "throttled", joinNonEmpty(fmt.Sprintf("MoviePilot asked to wait; retry in %s, no attempt counted: %s",
			d.Round(time.Second), a.lastErr), notes)
	case unreachable:
		// The worker probes MoviePilot and every task goes as soon as it answers, so this
		// task stays due. It spends one attempt (a 429 spends none), so a request MoviePilot
		// always fails on still ends.
		if !a.free {
			t.Attempts++
		}
		t.LastError = a.lastErr
		if t.Attempts >= w.o.MaxAttempts {
			return w.giveUp(t, a, notes)
		}
		t.Status, t.NextAttemptAt = task.StatusPending, now
		return "retry", joinNonEmpty("MoviePilot unreachable; the task goes again as soon as it answers: "+a.lastErr, notes)
	case retry:
		t.Attempts++
		t.LastError = a.lastErr
		if t.Attempts >= w.o.MaxAttempts {
			return w.giveUp(t, a, notes)
		}
		base, most := w.sched.BusinessBase, w.sched.BusinessMax
		if a.stall != undecided {
			// MoviePilot also stalled this attempt: the transient schedule.
			base, most = w.sched.RetryBase, w.sched.RetryMax
		}
		d := max(w.delay(t.Attempts, base, most), a.retryAfter)
		t.Status, t.NextAttemptAt = task.StatusPending, now.Add(d)
		return "retry", joinNonEmpty(fmt.Sprintf("retry in %s: %s", d.Round(time.Second), a.lastErr), notes)
	case failed:
		t.Attempts++
		t.Status, t.LastError = task.StatusFailed, firstItemError(t.Items)
		return "failed", joinNonEmpty("failed", notes)
	}
	// delivered. Attempts counts this one too: a delivered task was tried at least once.
	t.Attempts++
	t.Status, t.LastError = task.StatusSuccess, ""
	if plan.Outcome(t.Items).NothingSent() {
		// Finished, but MoviePilot was given nothing: say so, in the task and the outcome.
		t.Reason = "nothing was subscribed: " + skipReasons(t.Items)
		return OutcomeNothingSent, joinNonEmpty(t.Reason, notes)
	}
	return "success", joinNonEmpty("success", notes)
}

// giveUp fails every item not done yet: the task spent its attempts.
func (w *Worker) giveUp(t *task.Task, a *attempt, notes string) (string, string) {
	for i := range t.Items {
		if !t.Items[i].State.Done() && t.Items[i].State != task.ItemFailed {
			t.Items[i].State = task.ItemFailed
			if t.Items[i].LastError == "" {
				t.Items[i].LastError = a.lastErr
			}
		}
	}
	t.Status = task.StatusFailed
	return "failed", joinNonEmpty(fmt.Sprintf("gave up after %d attempts: %s", t.Attempts, a.lastErr), notes)
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
