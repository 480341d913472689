package benchkit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestQuantileNearestRank(t *testing.T) {
	s := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.5, 5}, {0.9, 9}, {0.99, 10}, {1, 10}} {
		if got := Quantile(s, tt.q); got != tt.want {
			t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if Quantile(nil, 0.5) != 0 {
		t.Error("Quantile of nothing must be 0")
	}
	got := Summarize([]time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond})
	if got != (Summary{N: 3, P50Ms: 2, P99Ms: 3, MaxMs: 3}) {
		t.Errorf("Summarize = %+v", got)
	}
}

func TestFsyncProbe(t *testing.T) {
	lat, err := FsyncProbe(t.TempDir(), 3)
	if err != nil || len(lat) != 3 {
		t.Fatalf("FsyncProbe = %v, %v", lat, err)
	}
}

func TestSelectKeepsOrderAndRejectsUnknown(t *testing.T) {
	all := []Scenario{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	got, err := Select("c, a", all)
	if err != nil || len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Fatalf("Select = %v, %v", got, err)
	}
	for _, bad := range []string{"a,x", "", ","} {
		if _, err := Select(bad, all); err == nil {
			t.Errorf("Select(%q) accepted", bad)
		}
	}
}

func TestRunReportsFailedChecksAndErrors(t *testing.T) {
	var out strings.Builder
	reports := Run(context.Background(), &out, []Scenario{
		{Name: "ok", Run: func(_ context.Context, r *Report) { r.Fact("figure", "%d ms", 3); r.Check(true, "fine") }},
		{Name: "miss", Run: func(_ context.Context, r *Report) { r.Check(false, "p99 30 ms ≤ 25 ms") }},
		{Name: "broken", Run: func(_ context.Context, r *Report) { r.Fail(errors.New("no start\nlog")) }},
	})
	if len(reports) != 3 || !reports[0].Passed() || reports[1].Passed() || reports[1].Failed() || !reports[2].Failed() {
		t.Fatalf("reports: %+v", reports)
	}
	if Result(reports) != "FAIL" || Result(reports[:1]) != "PASS" {
		t.Fatal("Result")
	}
	for _, want := range []string{"figure  3 ms", "FAIL  p99 30 ms ≤ 25 ms", "error: no start", "miss: FAIL", "broken: FAIL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
