package main

import "time"

// The worker's schedule for transient MoviePilot failures (network, timeout, 429, 5xx), as
// pkg/worker's Schedule defaults and MAX_ATTEMPTS' default set it: after the n-th failed
// attempt of a task its next attempt is due RetryBase·2^(n-1) later (capped at RetryMax),
// with ±20% jitter; the MAX_ATTEMPTS-th failed attempt marks the task failed. An attempt
// stops at its first failing MoviePilot call, so a failed attempt costs exactly one call.
// A Retry-After on 429/503 holds every MoviePilot call, for every task, until it has passed
// (at most holdMax), and the throttled task's own next attempt waits at least the full
// Retry-After. A 429 spends no attempt (the task's backoff still grows with throttles in a
// row); a 503 counts like any failure. The 503 outage (mptest's SetDown) sends no Retry-After,
// so the mp503 bounds are the plain schedule's.
const (
	retryBase   = 30 * time.Second
	retryMax    = 6 * time.Hour
	jitterLow   = 0.8
	jitterHigh  = 1.2
	maxAttempts = 10
	holdMax     = 5 * time.Minute // cap on the worker-wide Retry-After hold
)

// retryDelay is the nominal delay after the n-th failed attempt (n ≥ 1).
func retryDelay(n int) time.Duration {
	d := retryBase
	for i := 1; i < n && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// minSpan is the shortest time from a task's first attempt to its (k+1)-th.
func minSpan(k int) time.Duration {
	var total time.Duration
	for n := 1; n <= k; n++ {
		total += time.Duration(jitterLow * float64(retryDelay(n)))
	}
	return total
}

// attemptsWithin is the most attempts one task can make in a window of length d.
func attemptsWithin(d time.Duration) int {
	k := 0
	for k < maxAttempts-1 && minSpan(k+1) <= d {
		k++
	}
	return k + 1
}

// retryHorizon is the shortest time from a task's first failed attempt to the attempt
// that marks it failed: an outage shorter than this cannot fail a task.
func retryHorizon() time.Duration { return minSpan(maxAttempts - 1) }

// longestWait is the longest a task can wait for its next attempt after its k-th failure.
func longestWait(k int) time.Duration {
	return time.Duration(jitterHigh * float64(retryDelay(k)))
}
