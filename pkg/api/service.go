package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/clean"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

// Limits of the operator input, checked at the edge.
const (
	defaultLimit = 10
	maxLimit     = 100
	maxSeasons   = task.MaxSeasons
	maxSeason    = 9999 // some shows number seasons by year
	maxTitle     = 256
	maxReason    = 500
	minYear      = 1870
	maxYear      = 2100
)

// reply is the outcome of one operation, before an adapter renders it: REST as an HTTP status
// plus envelope, MCP as a tool result whose structured content is the envelope.
type reply struct {
	status int
	code   envelope.Code
	msg    string
	data   any
}

func (r reply) failed() bool { return r.code != envelope.OK }

func ok(status int, msg string, data any) reply {
	return reply{status: status, code: envelope.OK, msg: msg, data: data}
}

func invalid(format string, args ...any) reply {
	return reply{status: http.StatusBadRequest, code: envelope.InvalidParam, msg: fmt.Sprintf(format, args...)}
}

// service is every operator rule, shared by the REST and MCP adapters.
type service struct {
	store    Store
	rec      Reconciler
	worker   Worker
	notifier Notifier
	policy   plan.Policy
	now      func() time.Time
	log      zerolog.Logger
	version  string
	wait     time.Duration
}

// TaskList is the data of a task listing.
type TaskList struct {
	Tasks []task.Task `json:"tasks"`
	Total int         `json:"total"`
}

// SubscribeRequest is a manual subscription: the body of POST /api/v1/subscriptions and the
// arguments of the subscribe_media tool.
type SubscribeRequest struct {
	TMDBID    int    `json:"tmdbId" jsonschema:"TMDB id of the movie or show (positive integer), e.g. 603 for The Matrix"`
	MediaType string `json:"mediaType" jsonschema:"movie or tv"`
	Seasons   []int  `json:"seasons,omitempty" jsonschema:"season numbers to subscribe; required for tv (at least one, 0 = specials), must be absent for a movie"`
	Title     string `json:"title,omitempty" jsonschema:"optional display title, for logs and the task list"`
	Year      int    `json:"year,omitempty" jsonschema:"optional release year"`
}

// SubscribeResult is the data of an accepted manual subscription.
type SubscribeResult struct {
	TaskID  string      `json:"taskId"`
	Key     string      `json:"key"`
	Status  task.Status `json:"status"`
	Created bool        `json:"created"`
	Changed bool        `json:"changed"`
}

// Stats is the queue at a glance, as GET /api/v1/stats and the queue_stats tool show it.
type Stats struct {
	Total    int                 `json:"total"`
	ByStatus map[task.Status]int `json:"byStatus"`
	// OldestPendingAgeSeconds is how long the oldest pending task has waited (0 if none).
	OldestPendingAgeSeconds int64         `json:"oldestPendingAgeSeconds"`
	OldestPending           *time.Time    `json:"oldestPending,omitempty"`
	NextDue                 *time.Time    `json:"nextDue,omitempty"`
	Worker                  *worker.State `json:"worker"`
	Reconcile               ReconcileInfo `json:"reconcile"`
	Version                 string        `json:"version,omitempty"`
}

// ReconcileInfo says whether reconcile is configured and how its last pass went.
type ReconcileInfo struct {
	Enabled bool                   `json:"enabled"`
	Last    *reconcilepass.Summary `json:"last"`
}

// StatusData is the data of a refused state change: the task and its current status.
type StatusData struct {
	ID     string      `json:"id"`
	Status task.Status `json:"status"`
}

// listTasks lists tasks newest first. limit 0 means the default.
func (s *service) listTasks(ctx context.Context, status, source string, limit int) reply {
	if r, bad := checkStatus(status); bad {
		return r
	}
	if source != "" && !task.Source(source).Valid() {
		return invalid("source %s is not valid: use one of %s", quote(source), joinSources())
	}
	if limit == 0 {
		limit = defaultLimit
	}
	if limit < 1 || limit > maxLimit {
		return invalid("limit %d is out of range: use an integer from 1 to %d (default %d)", limit, maxLimit, defaultLimit)
	}
	tasks, total, err := s.store.List(ctx, taskdb.ListOptions{Status: task.Status(status), Source: task.Source(source), Limit: limit})
	if err != nil {
		return s.fail(err, "list tasks", "")
	}
	msg := fmt.Sprintf("%d of %d tasks", len(tasks), total)
	if status != "" {
		msg += " with status " + status
	}
	if source != "" {
		msg += " from " + source
	}
	return ok(http.StatusOK, msg, TaskList{Tasks: tasks, Total: total})
}

func (s *service) getTask(ctx context.Context, id string) reply {
	if r, bad := checkID(id); bad {
		return r
	}
	t, err := s.store.Get(ctx, id)
	if err != nil {
		return s.fail(err, "get task", id)
	}
	msg := fmt.Sprintf("task %s is %s", t.ID, t.Status)
	if t.Tracking != nil {
		msg += "; in MoviePilot: " + t.Tracking.String()
	}
	if t.LastError != "" && t.Status != task.StatusSuccess {
		msg += "; last error: " + t.LastError
	}
	return ok(http.StatusOK, msg, t)
}

func (s *service) retryTask(ctx context.Context, id string) reply {
	if r, bad := checkID(id); bad {
		return r
	}
	t, err := s.store.Retry(ctx, id)
	if err != nil {
		return s.fail(err, "retry", id)
	}
	s.log.Info().Str("task_id", t.ID).Msg("operator retried task")
	return ok(http.StatusOK, fmt.Sprintf("task %s is pending again (attempts reset)", t.ID), t)
}

func (s *service) cancelTask(ctx context.Context, id, reason string) reply {
	if r, bad := checkID(id); bad {
		return r
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > maxReason {
		return invalid("reason is %d bytes: keep it under %d", len(reason), maxReason)
	}
	if hasControl(reason) {
		return invalid("reason must not contain control characters")
	}
	if reason == "" {
		reason = "cancelled by operator"
	}
	t, err := s.store.Cancel(ctx, id, reason)
	if err != nil {
		return s.fail(err, "cancel", id)
	}
	s.log.Info().Str("task_id", t.ID).Msg("operator cancelled task")
	return ok(http.StatusOK, fmt.Sprintf("task %s is cancelled", t.ID), t)
}

// subscribe turns a manual request into a task under the same mapping rules as a Seerr request.
func (s *service) subscribe(ctx context.Context, req SubscribeRequest) reply {
	in, r, bad := s.manualInput(req)
	if bad {
		return r
	}
	res, err := s.store.Enqueue(ctx, task.SourceManual, in)
	if err != nil {
		return s.fail(err, "subscribe", "")
	}
	t := res.Task
	var msg string
	switch {
	case res.Created:
		msg = fmt.Sprintf("created task %s for %s", t.ID, t.Key)
	case res.Changed:
		msg = fmt.Sprintf("added the new seasons to task %s (%s)", t.ID, t.Key)
	default:
		msg = fmt.Sprintf("task %s already covers this request; nothing changed", t.ID)
	}
	if t.Status == task.StatusCancelled {
		msg += "; the task is cancelled: retry it to deliver"
	}
	s.log.Info().Str("task_id", t.ID).Str("key", t.Key).Bool("created", res.Created).Bool("changed", res.Changed).
		Msg("manual subscription")
	return ok(http.StatusAccepted, msg, SubscribeResult{TaskID: t.ID, Key: t.Key, Status: t.Status, Created: res.Created, Changed: res.Changed})
}

// manualInput validates a manual request and maps it to a task input, checking it against the
// planner exactly as a Seerr request would be.
func (s *service) manualInput(req SubscribeRequest) (task.Input, reply, bool) {
	var problems []string
	if req.TMDBID <= 0 {
		problems = append(problems, "tmdbId must be a positive integer")
	}
	mt := task.Type(req.MediaType)
	switch {
	case req.MediaType == "":
		problems = append(problems, "mediaType is required: movie or tv")
	case !mt.Valid():
		problems = append(problems, fmt.Sprintf("mediaType %s must be movie or tv", quote(req.MediaType)))
	case mt == task.TypeMovie && len(req.Seasons) > 0:
		problems = append(problems, "a movie has no seasons: leave seasons out")
	case mt == task.TypeTV && len(req.Seasons) == 0:
		problems = append(problems, "seasons is required for tv: list at least one season number (0 = specials)")
	}
	if len(req.Seasons) > maxSeasons {
		problems = append(problems, fmt.Sprintf("seasons lists %d entries: at most %d", len(req.Seasons), maxSeasons))
	}
	seen := make(map[int]bool, len(req.Seasons))
	var seasons []task.SeasonRequest
	for i, n := range req.Seasons {
		if n < 0 || n > maxSeason {
			problems = append(problems, fmt.Sprintf("seasons[%d] = %d must be from 0 to %d", i, n, maxSeason))
			continue
		}
		if !seen[n] {
			seen[n] = true
			seasons = append(seasons, task.SeasonRequest{Season: n})
		}
	}
	sort.Slice(seasons, func(i, j int) bool { return seasons[i].Season < seasons[j].Season })
	// Control characters are stripped, as at every edge: the title becomes MoviePilot's
	// subscription name.
	title := clean.Title(req.Title)
	if len(title) > maxTitle {
		problems = append(problems, fmt.Sprintf("title is %d bytes: at most %d", len(title), maxTitle))
	}
	if req.Year != 0 && (req.Year < minYear || req.Year > maxYear) {
		problems = append(problems, fmt.Sprintf("year %d must be from %d to %d", req.Year, minYear, maxYear))
	}
	if len(problems) > 0 {
		return task.Input{}, invalid("%s", strings.Join(problems, "; ")), true
	}
	in := task.Input{TMDBID: req.TMDBID, MediaType: mt, Seasons: seasons, Title: title, Year: req.Year}
	if err := in.Validate(); err != nil {
		return task.Input{}, invalid("%s", err.Error()), true
	}
	items, err := plan.Items(in, s.policy)
	switch {
	case errors.Is(err, task.ErrInvalid), errors.Is(err, plan.ErrNoSeasons):
		return task.Input{}, invalid("%s", err.Error()), true
	case err != nil:
		s.log.Error().Err(err).Msg("mapping policy is invalid")
		return task.Input{}, reply{status: http.StatusInternalServerError, code: envelope.InternalError,
			msg: "the mapping policy is misconfigured (TV_SPECIALS / MP_TV_EPISODE_MODE); see the log"}, true
	}
	if plan.Outcome(items).NothingSent() {
		reason := "every requested season would be skipped"
		if len(items) > 0 && items[0].Reason != "" {
			reason = items[0].Reason
		}
		return task.Input{}, invalid("nothing would be subscribed: %s", reason), true
	}
	return in, reply{}, false
}

func (s *service) stats(ctx context.Context) reply {
	st, err := s.store.Stats(ctx)
	if err != nil {
		return s.fail(err, "stats", "")
	}
	out := Stats{Total: st.Total, ByStatus: st.ByStatus, OldestPending: st.OldestPending, NextDue: st.NextDue, Version: s.version}
	if out.ByStatus == nil {
		out.ByStatus = map[task.Status]int{}
	}
	for _, status := range task.Statuses {
		out.ByStatus[status] += 0 // every status present, even at zero
	}
	if st.OldestPending != nil {
		if age := s.now().Sub(*st.OldestPending); age > 0 {
			out.OldestPendingAgeSeconds = int64(age / time.Second)
		}
	}
	if s.worker != nil {
		ws := s.worker.State()
		out.Worker = &ws
	}
	if s.rec != nil {
		out.Reconcile = ReconcileInfo{Enabled: true, Last: s.rec.Last()}
	}
	msg := fmt.Sprintf("%d tasks: %d pending, %d running, %d success, %d failed, %d cancelled", out.Total,
		out.ByStatus[task.StatusPending], out.ByStatus[task.StatusRunning], out.ByStatus[task.StatusSuccess],
		out.ByStatus[task.StatusFailed], out.ByStatus[task.StatusCancelled])
	if out.Worker != nil {
		msg += "; worker " + out.Worker.Status
	}
	return ok(http.StatusOK, msg, out)
}

// reconcile runs one pass; with wait it waits for the pass and answers its summary (POST
// /reconcile?wait=true's answers), without it it answers once the pass has started or joined.
func (s *service) reconcile(ctx context.Context, dryRun, wait bool) reply {
	a := reconcilepass.Off()
	if s.rec != nil {
		a = reconcilepass.Ask(ctx, s.rec, reconcilepass.Options{DryRun: dryRun}, wait, s.wait)
	}
	return reply{status: a.Status, code: a.Code, msg: a.Msg, data: a.Data}
}

// fail maps a store error to a reply. op names the operation for conflict messages and logs.
func (s *service) fail(err error, op, id string) reply {
	var te *task.TransitionError
	switch {
	case errors.As(err, &te):
		msg := fmt.Sprintf("task %s is %s: it cannot become %s", te.ID, te.From, te.To)
		switch op {
		case "retry":
			msg = fmt.Sprintf("task %s is %s: only failed or cancelled tasks can be retried", te.ID, te.From)
		case "cancel":
			msg = fmt.Sprintf("task %s is %s: only pending or running tasks can be cancelled", te.ID, te.From)
		}
		return reply{status: http.StatusConflict, code: envelope.Conflict, msg: msg, data: StatusData{ID: te.ID, Status: te.From}}
	case errors.Is(err, task.ErrNotFound):
		if id == "" {
			return reply{status: http.StatusNotFound, code: envelope.NotFound, msg: "task not found"}
		}
		return reply{status: http.StatusNotFound, code: envelope.NotFound, msg: "task " + id + " not found"}
	case errors.Is(err, task.ErrInvalid):
		return invalid("%s", err.Error())
	case errors.Is(err, task.ErrConflict):
		return reply{status: http.StatusConflict, code: envelope.Conflict, msg: err.Error()}
	}
	// Anything else means the store could not answer: closed, locked, I/O, corrupt record.
	s.log.Error().Err(err).Str("op", op).Str("task_id", id).Msg("task store failed")
	return reply{status: http.StatusServiceUnavailable, code: envelope.InternalError,
		msg: "the task store is unavailable (" + op + "); try again shortly, details are in the log"}
}

func checkStatus(status string) (reply, bool) {
	if status != "" && !task.Status(status).Valid() {
		return invalid("status %s is not valid: use one of %s", quote(status), joinStatuses()), true
	}
	return reply{}, false
}

func checkID(id string) (reply, bool) {
	if id == "" {
		return invalid("taskId is required, e.g. tsk_42"), true
	}
	if _, err := task.ParseID(id); err != nil {
		return invalid("task id %s is malformed: want tsk_<number>, e.g. tsk_42", quote(id)), true
	}
	return reply{}, false
}

func joinStatuses() string {
	out := make([]string, len(task.Statuses))
	for i, s := range task.Statuses {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

func joinSources() string {
	out := make([]string, len(task.Sources))
	for i, s := range task.Sources {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// quote quotes user input for a message, cut to a readable length.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
