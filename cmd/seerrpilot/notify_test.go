package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/notify"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

type chanSender chan string

func (chanSender) Name() string { return "chan" }
func (c chanSender) Send(_ context.Context, title, body string) error {
	c <- title + "\n" + body
	return nil
}

// TestNotifyingStoreAnnouncesFailure: a failure the worker records through the decorated
// store reaches the notifier with the status it replaced, once.
func TestNotifyingStoreAnnouncesFailure(t *testing.T) {
	st, err := task.Open(filepath.Join(t.TempDir(), task.FileName), task.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sent := make(chanSender, 4)
	n := notify.New(notify.Options{Senders: []notify.Sender{sent}, Window: time.Millisecond, MaxDelay: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = n.Run(ctx) }()

	if _, err := st.Enqueue(ctx, task.SourceWebhook, task.Input{RequestID: 7, TMDBID: 603, MediaType: task.TypeMovie, Title: "The Matrix", RequestedBy: "neo"}); err != nil {
		t.Fatal(err)
	}
	claimed, _, err := st.ClaimNext(ctx, time.Minute)
	if err != nil || claimed == nil {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	ws := notifyingStore{st, n}
	if _, err := ws.Update(ctx, claimed.ID, func(t *task.Task) error {
		t.Status, t.Reason = task.StatusFailed, "MoviePilot answered 422"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-sent:
		if !strings.Contains(msg, "The Matrix") || !strings.Contains(msg, "neo") || !strings.Contains(msg, "422") {
			t.Fatalf("notice: %s", msg)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no notice")
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := moviePilotState(worker.State{Status: worker.StatusUnreachable, UnreachableSince: &since, Unreachable: "refused"})
	if !got.UnreachableSince.Equal(since) || got.Paused {
		t.Fatalf("%+v", got)
	}
	if p := moviePilotState(worker.State{Status: worker.StatusPaused, Reason: "401"}); !p.Paused || p.PausedReason != "401" {
		t.Fatalf("%+v", p)
	}
}
