package worker

import "time"

// State is what the worker is doing, for /readyz, /api/v1/stats and the metrics.
type State struct {
	// Status is "running", "paused", "throttled", "dry-run" or "stopped". "paused": MoviePilot
	// auth is failing, nothing is sent until it works again. "throttled": MoviePilot answered
	// 429/503 with Retry-After and no MoviePilot call is made until then (a short, self-ending
	// hold, not a failure).
	Status string `json:"status"`
	// Reason says why it is paused or throttled (e.g. "moviepilot auth failing: ..." or
	// "MoviePilot asked to wait (429 Retry-After 2s)").
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since"`
	// PausedUntil is when the worker tries MoviePilot again while paused or throttled.
	PausedUntil *time.Time `json:"pausedUntil,omitempty"`
	// Unreachable is the last error of a MoviePilot call that failed for a transient reason
	// (network error, timeout, 5xx) since the last call that worked; empty while MoviePilot
	// answers. UnreachableSince is when that run of failures began.
	Unreachable      string     `json:"unreachable,omitempty"`
	UnreachableSince *time.Time `json:"unreachableSince,omitempty"`
}
