package benchkit

import (
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
