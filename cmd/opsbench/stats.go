package main

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// summary is a latency distribution in milliseconds.
type summary struct {
	N     int     `json:"n"`
	P50Ms float64 `json:"p50Ms"`
	P99Ms float64 `json:"p99Ms"`
	MaxMs float64 `json:"maxMs"`
}

func summarize(lat []time.Duration) summary {
	s := slices.Clone(lat)
	slices.Sort(s)
	return summary{N: len(s), P50Ms: ms(quantile(s, 0.5)), P99Ms: ms(quantile(s, 0.99)), MaxMs: ms(quantile(s, 1))}
}

// quantile is the nearest-rank quantile q of sorted durations (0 for none).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// median of unsorted durations (the lower middle for an even count).
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return quantile(s, 0.5)
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// probeFsync times n rounds of appending 4 KiB to a file in dir and fsyncing it.
func probeFsync(dir string, n int) ([]time.Duration, error) {
	path := filepath.Join(dir, "fsync-probe")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	defer f.Close()
	buf := make([]byte, 4096)
	out := make([]time.Duration, 0, n)
	for i := range n {
		binary.BigEndian.PutUint64(buf, uint64(i))
		start := time.Now()
		if _, err := f.Write(buf); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}
