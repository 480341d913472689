package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

type okDB struct{}

func (okDB) Ping() error { return nil }

type readyBody struct {
	Status     string                  `json:"status"`
	Components map[string]server.State `json:"components"`
	Problems   []string                `json:"problems"`
}

func readyz(t *testing.T, h http.Handler) (int, readyBody) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var b readyBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("readyz body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, b
}

func hasProblem(b readyBody, prefix string) bool {
	for _, p := range b.Problems {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// A store that cannot write makes /readyz 503 and says so; while it fails each /readyz probes
// again, and a probe or a webhook write that works makes it ready. A MoviePilot outage keeps
// /readyz 200 and names it.
func TestReadyzTellsTheTruth(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	now := clock.Now
	ready := server.NewReadiness(now)
	probeErr := fmt.Errorf("write probe: %w", syscall.ENOSPC)
	probes := 0
	health := &storeHealth{ready: ready, now: now, probe: func() error { probes++; return probeErr }}
	comp := &components{ready: ready}
	comp.workerState(worker.State{Status: worker.StatusRunning, Since: now()})
	h := server.NewRouter(server.Options{Log: zerolog.Nop(), Envelope: envelope.Writer{}, DB: okDB{}, Readiness: ready, ReadyCheck: health.recheck})

	if code, b := readyz(t, h); code != 200 || len(b.Problems) != 0 || probes != 0 {
		t.Fatalf("healthy: %d %+v (probes %d)", code, b, probes)
	}

	// The disk fills: a webhook's write fails.
	health.result(&os.PathError{Op: "write", Path: "seerrpilot.db", Err: syscall.ENOSPC})
	code, b := readyz(t, h)
	if code != 503 || b.Status != "not ready" || !hasProblem(b, "store: disk full since 2026-12-04T10:00:00Z") || b.Components["store"].Ready {
		t.Fatalf("disk full: %d %+v", code, b)
	}
	if probes != 1 {
		t.Fatalf("%d probes, want 1 per /readyz while failing", probes)
	}
	// Still full: still 503, the start of the failure kept.
	clock.Advance(time.Minute)
	if code, b := readyz(t, h); code != 503 || !hasProblem(b, "store: disk full since 2026-12-04T10:00:00Z") {
		t.Fatalf("still full: %d %+v", code, b)
	}
	// Space freed: the next probe works.
	probeErr = nil
	if code, b := readyz(t, h); code != 200 || len(b.Problems) != 0 || !b.Components["store"].Ready {
		t.Fatalf("after the probe worked: %d %+v", code, b)
	}
	// A webhook write that works clears a failure too, without a probe.
	probeErr = errors.New("still failing")
	health.result(errors.New("disk I/O error"))
	if code, b := readyz(t, h); code != 503 || !hasProblem(b, "store: write failing: ") {
		t.Fatalf("other write error: %d %+v", code, b)
	}
	health.result(nil)
	before := probes
	if code, _ := readyz(t, h); code != 200 || probes != before {
		t.Fatalf("after a webhook write worked: %d (probes %d → %d)", code, before, probes)
	}

	// MoviePilot is down: webhooks are still stored, so 200, with the problem named.
	since := now().Add(-5 * time.Minute)
	comp.workerState(worker.State{Status: worker.StatusUnreachable, Since: now(), Unreachable: "dial tcp 10.0.0.5:3001: connect: connection refused", UnreachableSince: &since})
	code, b = readyz(t, h)
	if code != 200 || !hasProblem(b, "moviepilot: unreachable since 2026-12-04T09:56:00Z: dial tcp") || b.Components["moviepilot"].Status != "unreachable" {
		t.Fatalf("MoviePilot down: %d %+v", code, b)
	}
	// An auth pause: 200 too, named.
	comp.workerState(worker.State{Status: worker.StatusPaused, Reason: "moviepilot auth failing: 401", Since: now()})
	if code, b := readyz(t, h); code != 200 || !hasProblem(b, "moviepilot: auth failing since") {
		t.Fatalf("auth pause: %d %+v", code, b)
	}
	comp.workerState(worker.State{Status: worker.StatusRunning, Since: now()})
	if code, b := readyz(t, h); code != 200 || len(b.Problems) != 0 {
		t.Fatalf("recovered: %d %+v", code, b)
	}

}
