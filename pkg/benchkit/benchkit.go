// Package benchkit is what the measurement programs (cmd/soak, cmd/opsbench) share on top of
// pkg/proc: a work directory with the binary under test, services started in it with the
// secrets and a log file, a fake MoviePilot, a report per scenario (figures, checks) and the
// loop that runs and prints them, nearest-rank latency summaries and a disk fsync probe.
// It is not part of the production binary.
package benchkit

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Summary is a latency distribution in milliseconds.
type Summary struct {
	N     int     `json:"n"`
	P50Ms float64 `json:"p50Ms"`
	P99Ms float64 `json:"p99Ms"`
	MaxMs float64 `json:"maxMs"`
}

// Summarize sorts a copy of lat and reads its p50, p99 and max.
func Summarize(lat []time.Duration) Summary {
	s := slices.Clone(lat)
	slices.Sort(s)
	return Summary{N: len(s), P50Ms: Ms(Quantile(s, 0.5)), P99Ms: Ms(Quantile(s, 0.99)), MaxMs: Ms(Quantile(s, 1))}
}

// Quantile is the nearest-rank quantile q of sorted durations (0 for none).
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Ms is d in milliseconds, rounded to two decimals.
func Ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// FsyncProbe appends n × 4 KiB to a file in dir, each followed by fsync, and returns the
// per-round latencies (write + fsync): what a durable commit costs on that disk.
func FsyncProbe(dir string, n int) ([]time.Duration, error) {
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
