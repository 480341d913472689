package main

import "time"

// The worker's schedule for an unreachable MoviePilot (network, timeout, 5xx, a 429 without
// Retry-After), as pkg/worker's Schedule defaults set it: the whole worker stops calling
// MoviePilot and probes it with one lookup after ProbeBase, doubling to ProbeMax, with ±20%
// jitter; when a probe is answered every waiting task goes at once. Only the task that ran
// into the outage spends an attempt. A Retry-After on 429/503 holds every MoviePilot call, for
// every task, until it has passed (at most holdMax), and the throttled task goes again exactly
// then, spending no attempt. The 503 outage (mptest's SetDown) sends no Retry-After, so the
// mp503 bound is the probe schedule's.
const (
	probeBase  = time.Second
	probeMax   = 5 * time.Second
	jitterLow  = 0.8
	jitterHigh = 1.2
	holdMax    = 5 * time.Minute // cap on the worker-wide Retry-After hold
)

// probeDelay is the nominal wait before the n-th probe (n ≥ 1).
func probeDelay(n int) time.Duration {
	d := probeBase
	for i := 1; i < n && d < probeMax; i++ {
		d *= 2
	}
	return min(d, probeMax)
}

// probesWithin is the most probes the worker can send during an outage of length d.
func probesWithin(d time.Duration) int {
	var total time.Duration
	k := 0
	for {
		total += time.Duration(jitterLow * float64(probeDelay(k+1)))
		if total > d {
			return k
		}
		k++
	}
}

// longestProbeWait is the longest the worker can wait for its next probe: after MoviePilot
// is back, the waiting tasks go at most this long later.
func longestProbeWait() time.Duration {
	return time.Duration(jitterHigh * float64(probeMax))
}
