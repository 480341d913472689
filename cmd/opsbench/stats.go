package main

import (
	"slices"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
)

// median of unsorted durations (the lower middle for an even count).
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return benchkit.Quantile(s, 0.5)
}
