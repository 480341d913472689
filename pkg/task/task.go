// Package task holds the task model and its state machine; pkg/taskdb stores it (bbolt).
//
// A task is one Seerr request on its way to MoviePilot. It is keyed by its source key
// ("seerr:<requestId>"), so the same request never becomes two tasks, whichever producer
// (webhook, reconcile, operator) sees it first.
package task

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is where a task is in its lifecycle.
type Status string

const (
	StatusPending   Status = "pending"
	StatusRunning   Status = "running"
	StatusSuccess   Status = "success"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{StatusPending, StatusRunning, StatusSuccess, StatusFailed, StatusCancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// transitions is the whole state machine. Anything not listed is illegal.
var transitions = map[Status][]Status{
	StatusPending:   {StatusRunning, StatusCancelled},
	StatusRunning:   {StatusSuccess, StatusFailed, StatusPending, StatusCancelled},
	StatusFailed:    {StatusPending},
	StatusCancelled: {StatusPending},
	StatusSuccess:   {},
}

// CanTransition reports whether from → to is allowed. Staying in the same status is always allowed.
func CanTransition(from, to Status) bool {
	return from == to || slices.Contains(transitions[from], to)
}

// Type is the kind of media a task delivers.
type Type string

const (
	TypeMovie Type = "movie"
	TypeTV    Type = "tv"
)

// Valid reports whether t is a known media type.
func (t Type) Valid() bool { return t == TypeMovie || t == TypeTV }

// Source says which producer created the task.
type Source string

const (
	SourceWebhook   Source = "webhook"
	SourceReconcile Source = "reconcile"
	SourceManual    Source = "manual"
)

// Sources lists every source.
var Sources = []Source{SourceWebhook, SourceReconcile, SourceManual}

// Valid reports whether s is a known source.
func (s Source) Valid() bool { return slices.Contains(Sources, s) }

// SeasonRequest is one requested season; Episodes is empty for a whole season.
type SeasonRequest struct {
	Season   int   `json:"season"`
	Episodes []int `json:"episodes,omitempty"`
}

// Input is what Seerr asked for: the request as the producer saw it.
type Input struct {
	RequestID        int             `json:"requestId"`
	TMDBID           int             `json:"tmdbId"`
	TVDBID           int             `json:"tvdbId,omitempty"`
	MediaType        Type            `json:"mediaType"`
	Title            string          `json:"title,omitempty"`
	Year             int             `json:"year,omitempty"`
	Seasons          []SeasonRequest `json:"seasons,omitempty"`
	Is4K             bool            `json:"is4k"`
	RequestedBy      string          `json:"requestedBy,omitempty"`
	RequestStatus    int             `json:"requestStatus,omitempty"`
	RequestUpdatedAt *time.Time      `json:"requestUpdatedAt,omitempty"`
}

// Key is the idempotency key of the input: one task per Seerr request ("seerr:<requestId>").
// Manual tasks, which have no Seerr request, are keyed by media ("tmdb:<type>:<tmdbId>"), so
// asking twice for the same show merges seasons instead of subscribing twice.
func (in Input) Key() string {
	if in.RequestID > 0 {
		return "seerr:" + strconv.Itoa(in.RequestID)
	}
	return "tmdb:" + string(in.MediaType) + ":" + strconv.Itoa(in.TMDBID)
}

// MaxSeasons bounds the seasons of one input, at every edge (webhook, reconcile, REST, MCP):
// the single worker delivers them one by one, so an approval listing "0, 1, …, 9999" would hold
// it for hours. No show has come near 100 seasons; those numbered by year have a few dozen.
const MaxSeasons = 100

// Validate checks the fields every task needs.
func (in Input) Validate() error {
	var problems []string
	if in.TMDBID <= 0 {
		problems = append(problems, "tmdbId must be a positive integer")
	}
	if !in.MediaType.Valid() {
		problems = append(problems, fmt.Sprintf("mediaType %q must be movie or tv", in.MediaType))
	}
	if in.RequestID < 0 {
		problems = append(problems, "requestId must not be negative")
	}
	if len(in.Seasons) > MaxSeasons {
		problems = append(problems, fmt.Sprintf("%d seasons requested: at most %d per request", len(in.Seasons), MaxSeasons))
	}
	for _, s := range in.Seasons {
		if s.Season < 0 {
			problems = append(problems, fmt.Sprintf("season %d must not be negative", s.Season))
		}
		for _, e := range s.Episodes {
			if e <= 0 {
				problems = append(problems, fmt.Sprintf("episode %d of season %d must be positive", e, s.Season))
			}
		}
	}
	if in.MediaType == TypeMovie && len(in.Seasons) > 0 {
		problems = append(problems, "a movie has no seasons")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// MergeSeasons returns the union of a and b (by season number, episodes merged; a season
// requested whole stays whole), sorted, and whether b added anything a did not hold.
func MergeSeasons(a, b []SeasonRequest) ([]SeasonRequest, bool) {
	bySeason := make(map[int]SeasonRequest, len(a)+len(b))
	for _, s := range a {
		bySeason[s.Season] = normalizeSeason(mergeOne(bySeason, s))
	}
	changed := false
	for _, s := range b {
		old, had := bySeason[s.Season]
		merged := normalizeSeason(mergeOne(bySeason, s))
		if !had || !slices.Equal(old.Episodes, merged.Episodes) {
			changed = true
		}
		bySeason[s.Season] = merged
	}
	out := slices.AppendSeq(make([]SeasonRequest, 0, len(bySeason)), maps.Values(bySeason))
	slices.SortFunc(out, func(a, b SeasonRequest) int { return a.Season - b.Season })
	return out, changed
}

func mergeOne(m map[int]SeasonRequest, s SeasonRequest) SeasonRequest {
	old, had := m[s.Season]
	if !had {
		return s
	}
	if len(old.Episodes) == 0 || len(s.Episodes) == 0 {
		// A whole season covers every episode.
		return SeasonRequest{Season: s.Season}
	}
	return SeasonRequest{Season: s.Season, Episodes: append(append([]int(nil), old.Episodes...), s.Episodes...)}
}

func normalizeSeason(s SeasonRequest) SeasonRequest {
	if len(s.Episodes) == 0 {
		return SeasonRequest{Season: s.Season}
	}
	eps := slices.Clone(s.Episodes)
	slices.Sort(eps)
	return SeasonRequest{Season: s.Season, Episodes: slices.Compact(eps)}
}

// ItemState is where one planned MoviePilot subscription stands.
type ItemState string

const (
	ItemPending    ItemState = "pending"    // not yet sent
	ItemSubscribed ItemState = "subscribed" // MoviePilot created it for us
	ItemExisting   ItemState = "existing"   // MoviePilot already had it; linked, nothing created
	ItemSkipped    ItemState = "skipped"    // deliberately not sent (see Reason)
	ItemFailed     ItemState = "failed"     // gave up on it (see LastError)
)

// Done reports whether the item needs no more work.
func (s ItemState) Done() bool {
	return s == ItemSubscribed || s == ItemExisting || s == ItemSkipped
}

// Item is one planned MoviePilot subscription: the movie, or one season of a show.
type Item struct {
	// Season is nil for a movie; 0 is the specials season.
	Season *int `json:"season,omitempty"`
	// StartEpisode/TotalEpisode limit a season to an episode range (MP_TV_EPISODE_MODE=episode).
	StartEpisode     int       `json:"startEpisode,omitempty"`
	TotalEpisode     int       `json:"totalEpisode,omitempty"`
	State            ItemState `json:"state"`
	MPSubscriptionID int       `json:"mpSubscriptionId,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	LastError        string    `json:"lastError,omitempty"`
	// Tracking is the subscription's state in MoviePilot after delivery (pkg/track); nil
	// until the tracker has looked.
	Tracking *Tracking `json:"tracking,omitempty"`
}

// Key names the item among its task's items: "movie" or "s<N>".
func (it Item) Key() string {
	if it.Season == nil {
		return "movie"
	}
	return "s" + strconv.Itoa(*it.Season)
}

// HistoryEntry is one attempt on a task.
type HistoryEntry struct {
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	Summary string    `json:"summary,omitempty"`
}

// MaxHistory bounds Task.History; older entries are dropped first.
const MaxHistory = 20

// Task is one Seerr request on its way to MoviePilot, shaped like worker-dlp's TaskInfo.
type Task struct {
	ID            string         `json:"id"`
	Key           string         `json:"key"`
	Type          Type           `json:"type"`
	Status        Status         `json:"status"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	Source        Source         `json:"source"`
	Input         Input          `json:"input"`
	Items         []Item         `json:"items"`
	Attempts      int            `json:"attempts"`
	NextAttemptAt time.Time      `json:"nextAttemptAt"`
	LeaseUntil    *time.Time     `json:"leaseUntil,omitempty"`
	LastError     string         `json:"lastError,omitempty"`
	LastResponse  string         `json:"lastResponse,omitempty"`
	Reason        string         `json:"reason,omitempty"`
	History       []HistoryEntry `json:"history"`
	// Revision grows whenever the input changes (new seasons merged), so a worker that started
	// on an older revision knows it has more to do.
	Revision int `json:"revision"`
	// CancelledBy says who cancelled the task (CancelledByOperator or CancelledBySeerr); empty
	// while it is not cancelled.
	CancelledBy string `json:"cancelledBy,omitempty"`
	// HoldMark is set by an operator's cancel: reconcile re-opens the task only once Seerr's
	// request was updated after it (Seerr's updatedAt as last seen, or the cancel time).
	HoldMark *time.Time `json:"holdMark,omitempty"`
	// Tracking sums the items' tracking in MoviePilot (SummarizeTracking); nil until tracked.
	Tracking *TrackSummary `json:"tracking,omitempty"`
}

// Who cancelled a task (Task.CancelledBy).
const (
	// CancelledByOperator: REST or MCP. The cancel holds through reconcile until Seerr's
	// request itself changes again (a new approval).
	CancelledByOperator = "operator"
	// CancelledBySeerr: declined, deleted or no longer approved in Seerr. A new approval
	// re-opens the task.
	CancelledBySeerr = "seerr"
)

// Reopens reports whether a new sighting of the task's Seerr request re-opens a cancelled or
// failed task, so the task converges to what Seerr says now, and why. It is the one rule
// Enqueue and reconcile share:
//   - a webhook approval is a new approval: it re-opens any cancelled or failed task;
//   - reconcile re-opens a task Seerr cancelled (declined, then approved again), and a task
//     an operator cancelled or that failed only when Seerr's request was updated after what
//     the task last saw of it (for an operator's cancel: after HoldMark), so a pass never
//     undoes an operator's decision nor re-runs the same failure every interval;
//   - a manual enqueue never re-opens (the operator has Retry for that).
//
// Jellyseerr 2.6+ and Seerr 3.x never move a request's updatedAt (approving leaves it at the
// creation time), so with them the updatedAt rule never fires: only a webhook or Retry
// re-opens a failed or operator-cancelled task.
func Reopens(t *Task, src Source, in Input) (bool, string) {
	if t.Status != StatusCancelled && t.Status != StatusFailed {
		return false, ""
	}
	if in.RequestID <= 0 || t.Input.RequestID != in.RequestID {
		return false, ""
	}
	switch src {
	case SourceWebhook:
		return true, "approved again in Seerr (webhook)"
	case SourceReconcile:
		if t.Status == StatusCancelled && t.CancelledBy == CancelledBySeerr {
			return true, "approved again in Seerr (seen by reconcile)"
		}
		mark := t.Input.RequestUpdatedAt
		if t.Status == StatusCancelled && t.HoldMark != nil {
			mark = t.HoldMark
		}
		if mark != nil && in.RequestUpdatedAt != nil && in.RequestUpdatedAt.After(*mark) {
			return true, "the request changed in Seerr after the task ended (seen by reconcile)"
		}
	}
	return false, ""
}

// Restart is what a re-open and an operator's retry share: pending and due now, attempts
// reset, failed items pending again, the old error, reason and hold cleared.
func (t *Task) Restart(now time.Time) {
	t.Status = StatusPending
	t.Attempts = 0
	t.NextAttemptAt = now
	t.LeaseUntil = nil
	t.Reason, t.LastError = "", ""
	t.CancelledBy, t.HoldMark = "", nil
	for i := range t.Items {
		if t.Items[i].State == ItemFailed {
			t.Items[i].State = ItemPending
			t.Items[i].LastError = ""
		}
	}
}

// AddHistory appends an entry and keeps only the newest MaxHistory.
func (t *Task) AddHistory(at time.Time, outcome, summary string) {
	t.History = append(t.History, HistoryEntry{At: at.UTC(), Outcome: outcome, Summary: summary})
	if n := len(t.History); n > MaxHistory {
		t.History = append([]HistoryEntry(nil), t.History[n-MaxHistory:]...)
	}
}

// Errors of the model, returned by the store (pkg/taskdb) too. Check them with errors.Is.
var (
	ErrNotFound = errors.New("task not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid task")
)

// TransitionError is an illegal status change. It matches ErrConflict.
type TransitionError struct {
	ID       string
	From, To Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("task %s is %s; it cannot become %s", e.ID, e.From, e.To)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *TransitionError) Is(target error) bool { return target == ErrConflict }

const idPrefix = "tsk_"

// FormatID turns a store sequence number into the public task id.
func FormatID(seq uint64) string { return idPrefix + strconv.FormatUint(seq, 10) }

// ParseID turns a public task id back into its sequence number.
func ParseID(id string) (uint64, error) {
	rest, ok := strings.CutPrefix(id, idPrefix)
	n, err := strconv.ParseUint(rest, 10, 64)
	if !ok || err != nil || n == 0 {
		return 0, fmt.Errorf("%w: %q is not a task id (want tsk_<number>)", ErrNotFound, id)
	}
	return n, nil
}
