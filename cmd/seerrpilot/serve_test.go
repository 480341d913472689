package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/metrics"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
	"github.com/seerrpilot/seerrpilot/reconcile"
)

// TestWorkerStateReadiness: a Retry-After hold keeps /readyz ready (it ends by itself within
// minutes and webhooks are still queued) and shows in seerrpilot_worker_throttled; an auth
// pause stays ready too (webhooks are still stored; /readyz names it under "moviepilot") and
// shows in seerrpilot_worker_paused.
func TestWorkerStateReadiness(t *testing.T) {
	cases := []struct {
		status            string
		ready             bool
		paused, throttled string
	}{
		{"running", true, "0", "0"},
		{"dry-run", true, "0", "0"},
		{"throttled", true, "0", "1"},
		{"paused", true, "1", "0"}, // webhooks are still stored; "moviepilot" names the problem
		{"stopped", false, "0", "0"},
	}
	for _, c := range cases {
		t.Run(c.status, func(t *testing.T) {
			comp := &components{ready: server.NewReadiness(nil), metrics: metrics.New(nil, nil)}
			comp.workerState(worker.State{Status: c.status, Reason: "why"})
			st, ok := comp.ready.Get("worker")
			if !ok || st.Ready != c.ready || st.Status != c.status || st.Detail != "why" {
				t.Fatalf("readiness %+v, want ready=%v", st, c.ready)
			}
			rec := httptest.NewRecorder()
			comp.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			body, _ := io.ReadAll(rec.Body)
			for _, want := range []string{"seerrpilot_worker_paused " + c.paused, "seerrpilot_worker_throttled " + c.throttled} {
				if !strings.Contains(string(body), "\n"+want+"\n") {
					t.Errorf("metrics lack %q", want)
				}
			}
		})
	}
}

// The metrics package names reconcile's "ok" outcome itself (it does not import reconcile/):
// the two must stay the same word, or successful passes stop setting the last-success time.
func TestReconcileOutcomeLabelsAgree(t *testing.T) {
	if metrics.ReconcileOK != reconcile.OutcomeOK {
		t.Fatalf("metrics.ReconcileOK %q != reconcile.OutcomeOK %q", metrics.ReconcileOK, reconcile.OutcomeOK)
	}
}
