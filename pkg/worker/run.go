package worker

import (
	"context"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// Run drains due tasks until ctx ends. It sleeps until the next task falls due or the store
// signals new work.
func (w *Worker) Run(ctx context.Context) error {
	w.setState(w.normalStatus(), "", nil)
	defer w.setState(StatusStopped, "", nil)
	storeErrors := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		if until := w.blockedUntil(); !until.IsZero() {
			if !sleep(ctx, until.Sub(w.o.Now()), nil) {
				return nil
			}
			if !w.resume(ctx) {
				continue // MoviePilot still unreachable: the next probe is scheduled
			}
		}
		t, next, err := w.o.Store.ClaimNext(ctx, w.o.Lease)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if storeErrors == 0 {
				w.log.Error().Err(err).Msg("cannot read the task queue; retrying every few seconds")
			}
			storeErrors++
			if !sleep(ctx, 2*time.Second, nil) {
				return nil
			}
			continue
		}
		if storeErrors > 0 {
			w.log.Info().Int("errors", storeErrors).Msg("task queue readable again")
			storeErrors = 0
		}
		if t == nil {
			wait := time.Minute
			if !next.IsZero() {
				wait = next.Sub(w.o.Now())
			}
			if !sleep(ctx, wait, w.o.Store.Changed()) {
				return nil
			}
			continue
		}
		w.process(ctx, t)
	}
}

// DrainReport is what Drain did.
type DrainReport struct {
	Processed int
	Tasks     []task.Task // each task as left after its attempt
}

// Drain tries every task that is due now once, then returns (for `sync once`).
func (w *Worker) Drain(ctx context.Context) (DrainReport, error) {
	var rep DrainReport
	seen := map[string]bool{}
	for ctx.Err() == nil {
		if until := w.blockedUntil(); !until.IsZero() {
			if w.o.Now().Before(until) {
				break // paused, held or waiting for MoviePilot: what is left waits for the next run
			}
			if !w.resume(ctx) {
				break
			}
		}
		t, _, err := w.o.Store.ClaimNext(ctx, w.o.Lease)
		if err != nil {
			return rep, err
		}
		if t == nil {
			break
		}
		if seen[t.ID] {
			// Due again already (e.g. new seasons arrived): leave it for the next run.
			_, err := w.o.Store.Update(context.WithoutCancel(ctx), t.ID, func(x *task.Task) error {
				if x.Status == task.StatusRunning {
					x.Status = task.StatusPending
				}
				return nil
			})
			if err != nil {
				return rep, err
			}
			break
		}
		seen[t.ID] = true
		after := w.process(ctx, t)
		rep.Processed++
		rep.Tasks = append(rep.Tasks, after)
	}
	return rep, ctx.Err()
}

// sleep waits d (or until wake fires); false when ctx ended.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}
