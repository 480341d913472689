package main

import (
	"context"
	"fmt"

	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/notify"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

// buildNotifier makes the notifier from NOTIFY_*; without NOTIFY_URLS it is off (inputs are
// ignored, Test says how to turn it on). It needs the MoviePilot client (moviepilot://).
func (c *components) buildNotifier() error {
	var mp notify.Messenger // moviepilot:// sends through the MoviePilot client
	if c.cfg.MPURL != "" {
		mp = c.mp
	}
	senders, err := notify.NewSenders(c.cfg.Notify.URLs, mp)
	if err != nil {
		return fmt.Errorf("NOTIFY_URLS: %s", c.red.Error(err))
	}
	o := notify.Options{Senders: senders, Events: c.cfg.Notify.Events, UnreachableAfter: c.cfg.Notify.UnreachableAfter,
		Log: logging.Component(c.log, "notify"), Redact: c.red}
	if c.metrics != nil {
		o.Observe = c.metrics.Notification
	}
	c.notifier = notify.New(o)
	return nil
}

// notifyingStore is the task store as the worker sees it, telling the notifier about every
// status the worker records (failed, success), with the status it replaced.
type notifyingStore struct {
	*taskdb.Store
	n *notify.Notifier
}

func (s notifyingStore) Update(ctx context.Context, id string, fn func(*task.Task) error) (task.Task, error) {
	var prev task.Status
	out, err := s.Store.Update(ctx, id, func(t *task.Task) error {
		prev = t.Status
		return fn(t)
	})
	if err == nil {
		s.n.TaskChanged(prev, out)
	}
	return out, err
}

// moviePilotState turns the worker's state into what the notifier watches.
func moviePilotState(st worker.State) notify.MoviePilotState {
	out := notify.MoviePilotState{Unreachable: st.Unreachable}
	if st.Status == worker.StatusPaused {
		out.Paused, out.PausedReason = true, st.Reason
	}
	if st.Status == worker.StatusUnreachable && st.UnreachableSince != nil {
		out.UnreachableSince = *st.UnreachableSince
	}
	return out
}
