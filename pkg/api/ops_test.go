package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// The exported operations (used by the status page) give exactly the REST answers.
func TestOperationsMatchREST(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	res, err := e.store.Enqueue(ctx, task.SourceManual, task.Input{TMDBID: 603, MediaType: task.TypeMovie, Title: "The Matrix"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Task.ID

	// Retry of a pending task: the REST conflict, word for word.
	rest := e.do(t, http.MethodPost, "/api/v1/tasks/"+id+"/retry", "")
	got := e.api.RetryTask(ctx, id)
	if got.Status != rest.Status || int(got.Code) != rest.Code || got.Msg != rest.Msg || got.OK() {
		t.Fatalf("RetryTask = %d %d %q, REST = %d %d %q", got.Status, got.Code, got.Msg, rest.Status, rest.Code, rest.Msg)
	}
	// Cancel with the default reason, then cancel again: REST's conflict.
	got = e.api.CancelTask(ctx, id, "")
	if !got.OK() || got.Data.(task.Task).Status != task.StatusCancelled || got.Data.(task.Task).Reason != "cancelled by operator" {
		t.Fatalf("CancelTask = %+v", got)
	}
	rest = e.do(t, http.MethodPost, "/api/v1/tasks/"+id+"/cancel", "")
	again := e.api.CancelTask(ctx, id, "")
	if again.Status != rest.Status || again.Msg != rest.Msg {
		t.Fatalf("CancelTask again = %d %q, REST = %d %q", again.Status, again.Msg, rest.Status, rest.Msg)
	}
	// Validation is the service's.
	if bad := e.api.RetryTask(ctx, "42"); bad.Status != http.StatusBadRequest || bad.Code != envelope.InvalidParam {
		t.Fatalf("RetryTask(42) = %+v", bad)
	}
	st := e.api.Stats(ctx)
	if s, ok := st.Data.(api.Stats); !st.OK() || !ok || s.ByStatus[task.StatusCancelled] != 1 || !s.Reconcile.Enabled {
		t.Fatalf("Stats = %+v", st)
	}
}

// StartReconcile starts a pass without waiting for it.
func TestStartReconcileDoesNotWait(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.rec.sum = nil // a pass that was started, not waited for
	e.rec.runID = "rc_started"
	got := e.api.StartReconcile(context.Background())
	if got.Status != http.StatusAccepted || !got.OK() || !strings.Contains(got.Msg, "started") {
		t.Fatalf("StartReconcile = %+v", got)
	}
	if len(e.rec.waits) != 1 || e.rec.waits[0] {
		t.Fatalf("Trigger waits: %v", e.rec.waits)
	}
	if m, ok := got.Data.(map[string]any); !ok || m["runId"] != "rc_started" {
		t.Fatalf("data %#v", got.Data)
	}

	off := newEnv(t, envOpts{noRec: true})
	got = off.api.StartReconcile(context.Background())
	if got.Status != http.StatusServiceUnavailable || !strings.Contains(got.Msg, "JELLY_URL") {
		t.Fatalf("without Seerr: %+v", got)
	}
}
