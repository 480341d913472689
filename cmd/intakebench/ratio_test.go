package main

import (
	"slices"
	"testing"
)

func TestRoundRatios(t *testing.T) {
	sat := func(round int, receiver string, acks float64) runResult {
		return runResult{Round: round, Scenario: "saturation", Receiver: receiver, AcksPerS: acks}
	}
	runs := []runResult{
		sat(1, "reference", 10000), sat(1, "real", 9000),
		{Round: 1, Scenario: "rate 1000/s", Receiver: "real", AcksPerS: 1000}, // not saturation
		sat(2, "reference", 5000), sat(2, "real", 6000),
		sat(3, "real", 7000),                        // no reference in round 3: no ratio
		sat(4, "reference", 0), sat(4, "real", 100), // a reference that acked nothing: no ratio
	}
	got := roundRatios(runs, "real", "reference")
	if want := []float64{0.9, 1.2}; !slices.Equal(got, want) {
		t.Fatalf("roundRatios = %v, want %v", got, want)
	}
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
