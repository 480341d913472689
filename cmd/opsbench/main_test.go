package main

import (
	"github.com/seerrpilot/seerrpilot/pkg/benchkit"

	"strings"
	"testing"
	"time"
)

func callsAt(start time.Time, op string, offsets ...time.Duration) []mpCall {
	out := make([]mpCall, len(offsets))
	for i, d := range offsets {
		out[i] = mpCall{At: start.Add(d), Op: op}
	}
	return out
}

func TestAnalyzeRate(t *testing.T) {
	t0 := time.Now()
	var offs []time.Duration
	for i := range 51 { // 5/s for 10 s: 0, 200ms, ..., 10s
		offs = append(offs, time.Duration(i)*200*time.Millisecond)
	}
	calls := append(callsAt(t0, "detect", 0), callsAt(t0, "lookup", offs...)...)
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
		{"POST", "/api/v1/login/access-token"}:    "login",
		{"POST", "/api/v1/subscribe/"}:            "create",
		{"POST", "/api/v1/subscribe"}:             "create",
		{"GET", "/api/v1/subscribe/media/tmdb:0"}: "detect",
		{"GET", "/api/v1/subscribe/media/tmdb:7"}: "lookup",
		{"GET", "/api/v1/subscribe/"}:             "other",
	}
	for in, want := range cases {
		if got := opOf(in[0], in[1]); got != want {
			t.Errorf("opOf(%s %s) = %s, want %s", in[0], in[1], got, want)
		}
	}
}

func TestTailProblems(t *testing.T) {
	tl := &tail{max: 1 << 10}
	for _, l := range []string{
		`{"level":"warn","message":"JELLY_URL/JELLY_API_KEY not set: reconcile is off"}`,
		`{"level":"warn","message":"MoviePilot call failed; will retry","error":"timeout"}`,
		`{"level":"warn","message":"MoviePilot call failed; will retry","error":"timeout"}`,
		`{"level":"info","message":"fine"}`,
		`not json`,
	} {
		_, _ = tl.Write([]byte(l + "\n"))
	}
	if got := tl.problems(); got != `2 × warn "MoviePilot call failed; will retry (timeout)"` {
		t.Errorf("problems: %s", got)
	}
	big := &tail{max: 8}
	_, _ = big.Write([]byte("0123456789abc"))
	if big.String() != "56789abc" {
		t.Errorf("tail keeps %q", big.String())
	}
}

func TestQuantileAndNum(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if benchkit.Quantile(d, 0.5) != 5 || benchkit.Quantile(d, 0.99) != 10 || benchkit.Quantile(nil, 0.5) != 0 {
		t.Error("quantile")
	}
	for v, want := range map[float64]string{1: "1", 0.95: "0.95", 4.75: "4.75", 12.449: "12.45", -0.001: "0"} {
		if got := num(v); got != want {
			t.Errorf("num(%g) = %s, want %s", v, got, want)
		}
	}
	f := fig("s", "n", 0.96, "").atLeast(0.95)
	if f.verdict() != "ok" || strings.Contains(f.Target, "  ") || f.Target != "≥ 0.95" {
		t.Errorf("figure %+v", f)
	}
}
