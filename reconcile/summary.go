// Package reconcile is the slow safety net behind the webhooks: it pages Seerr's approved
// request list and enqueues every request the webhooks missed. The approved list is the
// source of truth; webhooks are only hints.
package reconcile

import "time"

// PassOptions change one pass.
type PassOptions struct {
	// DryRun reads Seerr and reports what a pass would enqueue, but writes nothing.
	DryRun bool `json:"dryRun,omitempty"`
	// Since limits the pass to requests created or updated at or after it (zero: all, or
	// Options.Since when that is set).
	Since time.Time `json:"since,omitempty"`
	// Progress, when set, is called after each request read from Seerr with how many were
	// read in this pass and how many the list holds (pageInfo.results of the walks so far;
	// 0 before the first page). It runs on the pass goroutine and must not block. A trigger
	// that joins a running pass does not get its calls.
	Progress func(read, total int) `json:"-"`
}

// Summary is the outcome of one pass, as POST /reconcile?wait=true, /readyz and the MCP
// reconcile tool show it.
type Summary struct {
	RunID      string    `json:"runId"`
	StartedAt  time.Time `json:"startedAt"`
	DurationMs int64     `json:"durationMs"`
	Pages      int       `json:"pages"`
	Seen       int       `json:"seen"`     // distinct requests read from Seerr
	Approved   int       `json:"approved"` // of those, deliverable after the local filter
	Enqueued   int       `json:"enqueued"` // new tasks
	Merged     int       `json:"merged"`   // known tasks that took new seasons
	Skipped    int       `json:"skipped"`  // not deliverable (not approved/failed, already available, before --since)
	DryRun     bool      `json:"dryRun,omitempty"`
	Outcome    string    `json:"outcome"` // "ok" or "error"
	Error      string    `json:"error,omitempty"`

	// Unchanged counts approved requests whose task already held everything asked for
	// (no write). Approved = Enqueued + Merged + Reopened + Unchanged for a pass that finished.
	Unchanged int `json:"unchanged"`
	// Reopened counts cancelled or failed tasks re-opened because Seerr approved their
	// request again (see task.Reopens); a dry run counts them as Merged.
	Reopened int `json:"reopened"`
	// Invalid counts requests skipped because their task input failed validation (no
	// TMDB id, unknown media type); they are included in Skipped.
	Invalid int `json:"invalid"`
	// Since is the since the pass applied (PassOptions.Since or RECONCILE_SINCE), if any:
	// requests created and last updated before it were skipped.
	Since *time.Time `json:"since,omitempty"`
	// ServerVersion is what Seerr's /status reported.
	ServerVersion string `json:"serverVersion,omitempty"`
	// Filter is the filter= value sent (after the per-version fallback; empty: none).
	Filter string `json:"filter,omitempty"`
	// AlsoFilter is the filter of a second walk in the same pass: "failed" when Filter
	// leaves out FAILED requests (approved ones Seerr could not hand to its Radarr/Sonarr).
	// Pages, Rereads and Seen cover both walks; a request is considered once.
	AlsoFilter string `json:"alsoFilter,omitempty"`
	// SortDropped: the server refused sort=added&sortDirection=asc and the walk went on
	// newest first from the start (pages still cannot skip a row; duplicates are dropped).
	SortDropped bool `json:"sortDropped,omitempty"`
	// Rereads counts pages read again because requests before the walk's position left
	// the list mid-pass (included in Pages).
	Rereads int `json:"rereads,omitempty"`
}

// Outcomes of a pass (Summary.Outcome).
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
)
