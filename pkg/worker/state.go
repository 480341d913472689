package worker

import "time"

// State is what the worker is doing, for /readyz, /api/v1/stats and the metrics.
type State struct {
	// Status is "running", "paused", "dry-run" or "stopped".
	Status string `json:"status"`
	// Reason says why it is paused (e.g. "moviepilot auth failing: ...").
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since"`
	// PausedUntil is when the worker tries MoviePilot again while paused.
	PausedUntil *time.Time `json:"pausedUntil,omitempty"`
}
