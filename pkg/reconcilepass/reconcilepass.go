// Package reconcilepass is what every caller of a reconcile pass shares: its options, its
// summary, and the one trigger with one set of answers behind POST /reconcile, the MCP
// reconcile tool and `seerrpilot sync once`. It is a leaf: reconcile/ implements Trigger,
// pkg/api and the REST handler only call Ask, so no pkg/... package imports reconcile/.
package reconcilepass

import (
	"context"
	"errors"
	"fmt"
	"github.com/seerrpilot/seerrpilot/pkg/since"
	"net/http"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// Options change one pass.
type Options struct {
	// DryRun reads Seerr and reports what a pass would enqueue, but writes nothing.
	DryRun bool `json:"dryRun,omitempty"`
	// Since limits the pass to requests created or updated at or after it (zero: all).
	Since time.Time `json:"since,omitempty"`
	// Floor is set by the poller; a caller's value is ignored. It says Since is the
	// configured floor (RECONCILE_SINCE, a pass without its own since): a request from
	// before it is skipped only if it is in the baseline, the approved backlog the first
	// completed pass under that floor skipped (and recorded). An explicit Since is a pure
	// date filter for its pass and neither reads nor writes the baseline.
	Floor bool `json:"-"`
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
	Skipped    int       `json:"skipped"`  // not deliverable (not approved/failed, already available, before --since, in the RECONCILE_SINCE baseline)
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
	// Since is the since the pass applied (Options.Since or RECONCILE_SINCE), if any:
	// requests created and last updated before it were skipped (under RECONCILE_SINCE, only
	// those in its baseline; see Options.Floor).
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

// DefaultWait bounds how long a waiting trigger (POST /reconcile?wait=true, the MCP tool)
// waits for its pass: below server.NewHTTPServer's 90s WriteTimeout, so the answer still
// reaches the client.
const DefaultWait = 80 * time.Second

// OffMessage is the answer of every trigger when Seerr is not configured.
const OffMessage = "reconcile is off: set JELLY_URL and JELLY_API_KEY"

// ErrStopped is what a trigger gets once the poller has stopped (the service is shutting down).
var ErrStopped = errors.New("reconcile: poller stopped")

// Result is what one trigger got.
type Result struct {
	RunID  string // empty when no pass could start
	Joined bool   // the trigger joined a pass another caller started
	// Summary is the finished pass, when the caller waited and it ended in time.
	Summary *Summary
	// Err is the pass's error (with Summary), the caller's context error when the wait
	// ended first (without), or why no pass could start (ErrStopped, without RunID).
	Err error
}

// Trigger starts a pass, or joins the running one, and with wait waits until it ends or
// ctx ends. *reconcile.Poller implements it.
type Trigger interface {
	Trigger(ctx context.Context, opts Options, wait bool) Result
}

// Reply is an answer: an HTTP status and the {code, msg, data} envelope.
type Reply struct {
	Status int
	Code   envelope.Code
	Msg    string
	Data   any
}

// Off is the answer when reconcile is not configured: 503, code 5000, OffMessage.
func Off() Reply {
	return Reply{Status: http.StatusServiceUnavailable, Code: envelope.InternalError, Msg: OffMessage}
}

// Ask is the one reconcile request, for REST and MCP alike: it triggers a pass with opts,
// waits for it at most limit when wait is set, and answers
//
//	202 code 0     started or joined; data {runId, joined}. Also after wait when the pass
//	               outlives limit (msg says so; the pass goes on).
//	200 code 0     wait, the pass finished; data is the Summary.
//	502 code 5000  wait, the pass failed; data is the Summary with outcome "error".
//	503 code 5000  no pass could start (the service is shutting down).
func Ask(ctx context.Context, t Trigger, opts Options, wait bool, limit time.Duration) Reply {
	if wait {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	res := t.Trigger(ctx, opts, wait)
	started := map[string]any{"runId": res.RunID, "joined": res.Joined}
	switch sum := res.Summary; {
	case sum != nil && (res.Err != nil || sum.Outcome != OutcomeOK):
		why := sum.Error
		if res.Err != nil {
			why = Reason(res.Err)
		}
		return Reply{Status: http.StatusBadGateway, Code: envelope.InternalError, Msg: "reconcile pass " + sum.RunID + " failed: " + why, Data: sum}
	case sum != nil:
		prefix := "reconcile pass "
		if sum.DryRun {
			prefix = "dry-run reconcile pass "
		}
		return Reply{Status: http.StatusOK, Code: envelope.OK, Data: sum, Msg: fmt.Sprintf(
			"%s%s finished: seen %d, approved %d, enqueued %d, merged %d, skipped %d",
			prefix, sum.RunID, sum.Seen, sum.Approved, sum.Enqueued, sum.Merged, sum.Skipped)}
	case wait && res.RunID != "" && (errors.Is(res.Err, context.DeadlineExceeded) || errors.Is(res.Err, context.Canceled)):
		return Reply{Status: http.StatusAccepted, Code: envelope.OK, Data: started, Msg: fmt.Sprintf(
			"reconcile pass %s is still running after %s; see /readyz for its outcome", res.RunID, limit)}
	case errors.Is(res.Err, ErrStopped):
		return Reply{Status: http.StatusServiceUnavailable, Code: envelope.InternalError, Msg: "reconcile could not run: the service is shutting down"}
	case res.Err != nil:
		return Reply{Status: http.StatusServiceUnavailable, Code: envelope.InternalError, Msg: "reconcile could not run: " + Reason(res.Err)}
	case res.Joined:
		return Reply{Status: http.StatusAccepted, Code: envelope.OK, Msg: "joined the running reconcile pass " + res.RunID, Data: started}
	}
	return Reply{Status: http.StatusAccepted, Code: envelope.OK, Msg: "started reconcile pass " + res.RunID, Data: started}
}

// Reason is a one-line reason for an answer or readiness: the error text, cut to 160 bytes.
func Reason(err error) string {
	return trunc.Mark(err.Error(), 160)
}

// ParseSince reads a "since" value the one way every caller (POST /reconcile?since=, the MCP
// reconcile tool, `sync once --since`, RECONCILE_SINCE) accepts: RFC 3339, a date (UTC
// midnight), or a positive duration back from now. It is pkg/since's Parse.
func ParseSince(v string, now time.Time) (time.Time, error) { return since.Parse(v, now) }
