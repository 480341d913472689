package main

import (
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

// TestWorkerStateReadiness: a Retry-After hold keeps /readyz ready (it ends by itself within
// minutes and webhooks are still queued); an auth pause does not.
func TestWorkerStateReadiness(t *testing.T) {
	cases := []struct {
		status string
		ready  bool
	}{
		{"running", true},
		{"dry-run", true},
		{"throttled", true},
		{"paused", false},
		{"stopped", false},
	}
	for _, c := range cases {
		t.Run(c.status, func(t *testing.T) {
			comp := &components{ready: server.NewReadiness(nil)}
			comp.workerState(worker.State{Status: c.status, Reason: "why"})
			st, ok := comp.ready.Get("worker")
			if !ok || st.Ready != c.ready || st.Status != c.status || st.Detail != "why" {
				t.Fatalf("readiness %+v, want ready=%v", st, c.ready)
			}
		})
	}
}
