package main

import (
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

func callsAt(start time.Time, path string, offsets ...time.Duration) []mptest.Call {
	out := make([]mptest.Call, len(offsets))
	for i, d := range offsets {
		out[i] = mptest.Call{Time: start.Add(d), Op: "lookup", Path: path}
	}
	return out
}

func TestAnalyzeRate(t *testing.T) {
	t0 := time.Now()
	var offs []time.Duration
	for i := range 51 { // 5/s for 10 s: 0, 200ms, ..., 10s
		offs = append(offs, time.Duration(i)*200*time.Millisecond)
	}
	calls := append(callsAt(t0, "/api/v1/subscribe/media/tmdb:0", 0), callsAt(t0, "/api/v1/subscribe/media/tmdb:7", offs...)...)
	st := analyzeRate(calls, time.Second)
	if st.Calls != 52 || st.Span != 10*time.Second {
		t.Fatalf("calls %d span %s", st.Calls, st.Span)
	}
	if st.Mean < 4.999 || st.Mean > 5.001 {
		t.Errorf("mean %f, want 5", st.Mean)
	}
	// [0, 1s) holds the probe and the calls at 0, 200, 400, 600 and 800 ms.
	if st.MaxWindow != 6 || st.MaxWindowAt != 0 || st.MaxWindowOps != "detect 1, lookup 5" {
		t.Errorf("max window %d at %s (%s), want 6 at 0", st.MaxWindow, st.MaxWindowAt, st.MaxWindowOps)
	}
	if empty := analyzeRate(nil, time.Second); empty.Calls != 0 || empty.MaxWindow != 0 {
		t.Errorf("empty: %+v", empty)
	}
}

func TestOpOf(t *testing.T) {
	cases := map[[2]string]string{
		{"login", "/api/v1/login/access-token"}:      "login",
		{"create", "/api/v1/subscribe/"}:             "create",
		{"redirect", "/api/v1/subscribe"}:            "create",
		{"lookup", "/api/v1/subscribe/media/tmdb:0"}: "detect",
		{"lookup", "/api/v1/subscribe/media/tmdb:7"}: "lookup",
		{"list", "/api/v1/subscribe/"}:               "other",
	}
	for in, want := range cases {
		if got := opOf(mptest.Call{Op: in[0], Path: in[1]}); got != want {
			t.Errorf("opOf(%s %s) = %s, want %s", in[0], in[1], got, want)
		}
	}
}

func TestTailProblems(t *testing.T) {
	var log strings.Builder
	for _, l := range []string{
		`{"level":"warn","message":"JELLY_URL/JELLY_API_KEY not set: reconcile is off"}`,
		`{"level":"warn","message":"MoviePilot call failed; will retry","error":"timeout"}`,
		`{"level":"warn","message":"MoviePilot call failed; will retry","error":"timeout"}`,
		`{"level":"info","message":"fine"}`,
		`not json`,
	} {
		log.WriteString(l + "\n")
	}
	if got := problems(log.String()); got != `2 × warn "MoviePilot call failed; will retry (timeout)"` {
		t.Errorf("problems: %s", got)
	}
}
