package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// track marks a running task delivered, its one item tracked as tr.
func (e *env) track(t *testing.T, id string, tr task.Tracking) {
	t.Helper()
	_, err := e.store.Update(context.Background(), id, func(tk *task.Task) error {
		tk.Status = task.StatusSuccess
		tk.Items = []task.Item{{State: task.ItemSubscribed, MPSubscriptionID: 9, Tracking: &tr}}
		tk.Tracking = task.SummarizeTracking(tk.Items)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTrackingInTaskAnswers: the REST task and get_task_status carry the item's tracking and
// the task's summary, and the message says it in words.
func TestTrackingInTaskAnswers(t *testing.T) {
	e := newEnv(t, envOpts{})
	tk := e.seed(t, task.SourceWebhook, seerrMovie(7, 603))
	e.claim(t)
	due := t0.Add(14 * 24 * time.Hour)
	e.track(t, tk.ID, task.Tracking{State: task.TrackSubscribed, Since: t0, Stalled: true, StalledSince: &due})

	a := e.do(t, "GET", "/api/v1/tasks/"+tk.ID, "")
	a.want(t, 200, 0, "in MoviePilot: subscribed, stalled")
	for _, field := range []string{`"tracking":{"state":"subscribed","since":`, `"stalled":true`, `"stalledSince":`,
		`"tracking":{"state":"subscribed","stalled":true,"subscribed":1,"downloaded":0,"removed":0}`} {
		if !strings.Contains(string(a.Data), field) {
			t.Errorf("task JSON lacks %s: %s", field, a.Data)
		}
	}

	cs := mustConnect(t, e)
	r := call(t, cs, api.ToolGetTaskStatus, map[string]any{"taskId": tk.ID})
	r.wantOK(t, "in MoviePilot: subscribed, stalled")
	var got task.Task
	r.into(t, &got)
	if got.Tracking == nil || !got.Tracking.Stalled || got.Items[0].Tracking == nil || got.Items[0].Tracking.StalledSince == nil {
		t.Fatalf("MCP task without tracking: %+v", got)
	}
}
