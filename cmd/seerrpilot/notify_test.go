package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/notify"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
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
	st, err := taskdb.Open(filepath.Join(t.TempDir(), taskdb.FileName), taskdb.Options{})
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

// TestEndToEndMoviePilotNotice runs the binary with NOTIFY_URLS=moviepilot://: against a v3
// fake MoviePilot a failed task's notice and a test notice arrive through send_message; against
// a v2 (2.5.6) fake the start log warns and the test notice fails saying there is no MCP
// endpoint. The API token is in no message and no log line.
func TestEndToEndMoviePilotNotice(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	env := func(mp *mptest.Server) map[string]string {
		return map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "DATA_DIR": t.TempDir(), "ADMIN_TOKEN": e2eAdmin,
			"TV_SPECIALS": "separate", "MP_RATE_LIMIT_PER_SEC": "50", "NOTIFY_URLS": "moviepilot://"}
	}
	mp := mptest.New(mptest.Options{Version: mptest.V3, APIToken: e2eMPToken, AcceptAPIKey: true})
	defer mp.Close()
	svc := startService(t, env(mp))
	// Season 0 under TV_SPECIALS=separate is never sent: the task fails at once.
	if code, body := postJSON(t, "http://"+svc.addr+"/webhook/jellyseerr", "", render(t, seerrhook.TVApproved(11, 1396, "Breaking Bad", 2008, []int{0}))); code != 202 {
		t.Fatalf("approval: %d %v", code, body)
	}
	waitFor(t, "the failure notice in MoviePilot", func() bool {
		for _, m := range mp.Messages() {
			if strings.Contains(m.Title, "Breaking Bad") && strings.Contains(m.Text, "season 0") {
				return true
			}
		}
		return false
	})
	if code, body := postJSON(t, "http://"+svc.addr+"/api/v1/notifications/test", "Bearer "+e2eAdmin, nil); code != 200 {
		t.Fatalf("test notice: %d %v", code, body)
	}
	if n := len(mp.Messages()); n != 2 || !strings.Contains(mp.Messages()[1].Title, "test notice") {
		t.Fatalf("messages: %+v", mp.Messages())
	}
	if !strings.Contains(svc.Log(), "notification target ready") {
		t.Fatalf("no start check in the log:\n%s", svc.LogTail(20))
	}
	assertNoSecrets(t, svc.Log()+fmt.Sprint(mp.Messages()), e2eMPToken)

	old := mptest.New(mptest.Options{Version: mptest.V2, APIToken: e2eMPToken, AcceptAPIKey: true})
	defer old.Close()
	svc2 := startService(t, env(old))
	waitFor(t, "the start warning", func() bool { return strings.Contains(svc2.Log(), "notification target cannot work now") })
	code, body := postJSON(t, "http://"+svc2.addr+"/api/v1/notifications/test", "Bearer "+e2eAdmin, nil)
	if code != 502 || !strings.Contains(fmt.Sprint(body), "moviepilot: ") || !strings.Contains(fmt.Sprint(body), "no MCP endpoint") {
		t.Fatalf("test notice against 2.5.x: %d %v", code, body)
	}
	assertNoSecrets(t, svc2.Log()+fmt.Sprint(body), e2eMPToken)
}
