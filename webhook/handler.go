// Package webhook receives Jellyseerr / Overseerr / Seerr webhook notifications and turns
// approved requests into pending tasks.
//
// Seerr posts once, never retries and ignores the answer beyond "2xx or not", so the handler
// answers 202 only after the task is durably stored, and anything it could not store is left
// for the reconcile loop, which reads Seerr's request list.
package webhook

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/clean"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// Store is what the handler needs from the task store. *taskdb.Store satisfies it.
type Store interface {
	// Enqueue stores a new pending task for in.Key() ("seerr:<requestId>") or merges new
	// seasons into the existing one. A nil error means the task is durably on disk.
	// task.ErrInvalid wraps validation failures; any other error means the store is unavailable.
	Enqueue(ctx context.Context, src task.Source, in task.Input) (taskdb.EnqueueResult, error)
	// CancelUnsent cancels the task with that key if nothing was sent to MoviePilot yet.
	// task.ErrNotFound: no such task. task.ErrConflict: already sent or finished.
	CancelUnsent(ctx context.Context, key, reason string) (task.Task, error)
}

// DefaultMaxBody bounds a webhook body when Options.MaxBody is not set. Seerr's default
// payload is about 2 KiB.
const DefaultMaxBody int64 = 1 << 20

// DefaultMaxReading bounds the webhook bodies read at once when Options.MaxReading is not set.
// Each body being read holds up to MaxBody bytes, so this caps the memory that unfinished or
// slow bodies can pin (64 × 1 MiB at most) whatever the number of connections. Seerr posts one
// webhook per notification and an approval's body is read in well under a millisecond on a
// LAN, so real traffic needs a handful of slots at most; 64 leaves a wide margin (a burst of
// 64 approvals all still uploading at the same instant) while a thousand stalled uploads cannot
// grow the process past a few hundred MiB. A call that finds every slot taken is answered 503
// with Retry-After at once (Seerr does not retry: reconcile catches such a request later).
const DefaultMaxReading = 64

// DeclineReason is the reason recorded on a task cancelled by MEDIA_DECLINED.
const DeclineReason = "declined in Seerr"

// Outcomes passed to Options.Observe and logged as "outcome".
const (
	OutcomeEnqueued         = "enqueued"           // a new task was stored
	OutcomeMerged           = "merged"             // an existing task took new seasons
	OutcomeDuplicate        = "duplicate"          // the task already existed with these seasons
	OutcomeTest             = "test"               // TEST_NOTIFICATION
	OutcomeCancelled        = "cancelled"          // MEDIA_DECLINED cancelled an unsent task
	OutcomeNoTask           = "no_task"            // MEDIA_DECLINED for a request with no task
	OutcomeAlreadySent      = "already_sent"       // MEDIA_DECLINED for a task already sent or finished
	OutcomeIgnored          = "ignored"            // a notification type that needs no action
	OutcomeInvalid          = "invalid"            // 400: the body or a needed field is wrong
	OutcomeUnauthorized     = "unauthorized"       // 401
	OutcomeTooLarge         = "too_large"          // 413
	OutcomeMethodNotAllowed = "method_not_allowed" // 405
	OutcomeStoreError       = "store_error"        // 503: the store failed; nothing stored
	OutcomeBusy             = "busy"               // 503: MaxReading bodies were being read; this one was not
)

// Options configures a Handler.
type Options struct {
	// Store receives approvals and declines. Required.
	Store Store
	// Secret, when not empty, must arrive in SecretHeader, verbatim (Seerr's
	// "Authorization Header" setting, or a custom header's value) or as "Bearer <secret>".
	// Empty accepts every caller.
	Secret string
	// SecretHeader is the header that carries Secret (WEBHOOK_SECRET_HEADER); empty means
	// Authorization. Seerr 3.2+ can send custom headers; its Authorization Header setting
	// still wins over a custom Authorization.
	SecretHeader string
	// Log receives one info line per webhook. The zero value logs nothing.
	Log zerolog.Logger
	// Envelope writes every answer.
	Envelope envelope.Writer
	// MaxBody bounds the body in bytes; 0 or less means DefaultMaxBody.
	MaxBody int64
	// MaxReading bounds the bodies read at once; 0 or less means DefaultMaxReading.
	MaxReading int
	// Observe, when set, is called once per webhook with the notification type (a known
	// Seerr type, "OTHER" for an unknown one, "" when the body was not read or not
	// decodable), one of the Outcome constants and how long the call took from the handler's
	// start to its answer (body read and durable store included). It must be safe for
	// concurrent use.
	Observe func(notificationType, outcome string, took time.Duration)
	// StoreResult, when set, is called after every store write a webhook asked for, with nil
	// when it was stored (or refused as invalid) and the error when the store failed, so that
	// /readyz can say the store is failing. It must be safe for concurrent use.
	StoreResult func(err error)
}

// Handler answers Seerr's webhook posts. It is safe for concurrent use.
type Handler struct {
	store   Store
	secret  []byte
	bearer  []byte
	header  string // canonical name of the header that carries the secret
	log     zerolog.Logger
	env     envelope.Writer
	maxBody int64
	reading chan struct{} // one token per body being read
	observe func(notificationType, outcome string, took time.Duration)
	stored  func(err error)
}

// New returns a Handler for opts.
func New(opts Options) *Handler {
	h := &Handler{
		store:   opts.Store,
		log:     opts.Log.With().Str("component", "webhook").Logger(),
		env:     opts.Envelope,
		maxBody: opts.MaxBody,
		observe: opts.Observe,
		header:  http.CanonicalHeaderKey(strings.TrimSpace(opts.SecretHeader)),
		stored:  opts.StoreResult,
	}
	if h.header == "" {
		h.header = "Authorization"
	}
	if opts.Secret != "" {
		h.secret = []byte(opts.Secret)
		h.bearer = []byte("Bearer " + opts.Secret)
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBody
	}
	n := opts.MaxReading
	if n <= 0 {
		n = DefaultMaxReading
	}
	h.reading = make(chan struct{}, n)
	return h
}

// Routes registers the handler as POST /webhook/jellyseerr, /webhook/seerr and
// /webhook/overseerr, each also with a trailing slash: a URL pasted into Seerr as
// ".../webhook/jellyseerr/" is an easy mistake, and Seerr never retries a 404.
func (h *Handler) Routes(r chi.Router) {
	for _, p := range []string{"/webhook/jellyseerr", "/webhook/seerr", "/webhook/overseerr"} {
		r.Method(http.MethodPost, p, h)
		r.Method(http.MethodPost, p+"/", h)
	}
}

// result is what one webhook call came to; it is answered, logged and observed once.
type result struct {
	status    int
	code      envelope.Code
	msg       string
	data      any
	outcome   string
	typ       string // notification type as received (normalised)
	requestID int
	tmdbID    int
	taskID    string
	err       error // a store error, logged, never sent
}

// ServeHTTP handles one webhook post.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	res := h.serve(w, r)
	h.finish(w, res, start)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) result {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return result{status: http.StatusMethodNotAllowed, code: envelope.InvalidParam,
			msg: "use POST: Seerr posts its webhook notifications", outcome: OutcomeMethodNotAllowed}
	}
	if res, ok := h.authorize(r); !ok {
		return res
	}
	body, res, ok := h.readBody(w, r)
	if !ok {
		return res
	}
	if e := h.log.Debug(); e.Enabled() {
		e.Int("bytes", len(body)).Str("body", trunc.String(string(body), 512)).Msg("webhook body")
	}

	p, err := decode(body)
	if err != nil {
		msg := err.Error()
		if ct := r.Header.Get("Content-Type"); ct != "" && !isJSONType(ct) {
			msg += "; send the payload as JSON (Content-Type: application/json)"
		}
		return result{status: http.StatusBadRequest, code: envelope.InvalidParam, msg: msg, outcome: OutcomeInvalid}
	}

	switch p.Type {
	case TypeMediaApproved, TypeMediaAutoApproved:
		return h.approve(r.Context(), p)
	case TypeMediaDeclined:
		return h.decline(r.Context(), p)
	case TypeTest:
		return result{status: http.StatusOK, code: envelope.OK, typ: p.Type, outcome: OutcomeTest,
			msg: "test notification received: the webhook works; enable Request Approved and Request Automatically Approved in Seerr"}
	default:
		res := result{status: http.StatusOK, code: envelope.OK, typ: p.Type, outcome: OutcomeIgnored,
			msg: "ignored " + trunc.String(p.Type, 64) + ": " + ignoreReason(p.Type)}
		if id, err := p.requestID(); err == nil {
			res.requestID = id
		}
		return res
	}
}

// ignoreReason says why a notification type needs no action.
func ignoreReason(typ string) string {
	switch typ {
	case TypeMediaPending:
		return "the request is not approved yet; seerrpilot acts on approval"
	case TypeMediaAvailable:
		return "the media is already available"
	case TypeMediaFailed:
		return "it reports Seerr's own Radarr/Sonarr hand-off; seerrpilot acts on approval"
	case TypeMediaAutoRequested:
		return "seerrpilot acts on the approval that follows"
	case TypeIssueCreated, TypeIssueComment, TypeIssueResolved, TypeIssueReopened:
		return "issues are not handled"
	}
	return "unknown notification type; seerrpilot handles MEDIA_APPROVED, MEDIA_AUTO_APPROVED, MEDIA_DECLINED and TEST_NOTIFICATION"
}

// authorize checks the secret's header against the secret in constant time. Neither value
// is ever put in an answer or a log line.
func (h *Handler) authorize(r *http.Request) (result, bool) {
	if h.secret == nil {
		return result{}, true
	}
	fix := "; set the Authorization Header of Seerr's webhook agent to the WEBHOOK_SECRET value"
	if h.header != "Authorization" {
		fix = "; add a custom header " + h.header + " (WEBHOOK_SECRET_HEADER) with the WEBHOOK_SECRET value to Seerr's webhook agent"
	}
	got := r.Header.Get(h.header)
	if got == "" {
		return result{status: http.StatusUnauthorized, code: envelope.Unauthorized,
			msg: "the " + h.header + " header is missing" + fix, outcome: OutcomeUnauthorized}, false
	}
	g := []byte(got)
	// Evaluate both comparisons so the timing does not tell which form was close.
	verbatim := subtle.ConstantTimeCompare(g, h.secret)
	bearer := 0
	if len(g) > len("Bearer ") && strings.EqualFold(got[:len("Bearer ")], "Bearer ") {
		// The auth scheme is case-insensitive (RFC 9110); compare the whole value with a
		// canonical "Bearer " prefix.
		canon := append([]byte("Bearer "), g[len("Bearer "):]...)
		bearer = subtle.ConstantTimeCompare(canon, h.bearer)
	}
	if verbatim|bearer == 1 {
		return result{}, true
	}
	return result{status: http.StatusUnauthorized, code: envelope.Unauthorized,
		msg: "the " + h.header + " header does not match" + fix, outcome: OutcomeUnauthorized}, false
}

// exactAlloc is the largest announced length allocated up front; longer bodies grow as they
// arrive.
const exactAlloc = 64 << 10

// busyRetryAfter is the Retry-After of a busy answer, in seconds.
const busyRetryAfter = "1"

// readBody reads at most maxBody bytes, holding one of the MaxReading slots while it does.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, result, bool) {
	tooLarge := result{status: http.StatusRequestEntityTooLarge, code: envelope.InvalidParam,
		msg: "the body is larger than " + strconv.FormatInt(h.maxBody, 10) + " bytes; Seerr's webhook payload is a few KiB, check the JSON Payload", outcome: OutcomeTooLarge}
	if r.ContentLength > h.maxBody {
		return nil, tooLarge, false
	}
	if r.Body == nil {
		return nil, result{}, true
	}
	select {
	case h.reading <- struct{}{}:
		defer func() { <-h.reading }()
	default:
		// Every slot holds a body still arriving: refuse now, without reading this one, so
		// that stalled uploads cannot pin memory beyond MaxReading × MaxBody.
		w.Header().Set("Retry-After", busyRetryAfter)
		w.Header().Set("Connection", "close")
		return nil, result{status: http.StatusServiceUnavailable, code: envelope.InternalError, outcome: OutcomeBusy,
			msg: "busy: " + strconv.Itoa(cap(h.reading)) + " webhook bodies are being read at once; stored nothing, retry shortly (the reconcile loop will pick the request up from Seerr later)"}, false
	}
	var body []byte
	var err error
	if n := r.ContentLength; n > 0 && n <= exactAlloc {
		// A small known length (what Seerr's axios sends, ~2 KiB): one exact allocation.
		body = make([]byte, n)
		_, err = io.ReadFull(r.Body, body)
	} else {
		// Larger or unknown: read as the bytes arrive, so a body announced as 1 MiB that
		// stalls after 1 KiB holds about 1 KiB, not a 1 MiB buffer allocated up front.
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	}
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return nil, tooLarge, false
	case err != nil:
		return nil, result{status: http.StatusBadRequest, code: envelope.InvalidParam,
			msg: "the body could not be read: " + err.Error(), outcome: OutcomeInvalid}, false
	}
	return body, result{}, true
}

// isJSONType reports whether a Content-Type names JSON.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json"
}

// acceptedData is the data of a 202: which task holds the approval and whether it is new.
type acceptedData struct {
	TaskID  string      `json:"taskId"`
	Status  task.Status `json:"status"`
	Created bool        `json:"created"`
}

// approve stores an approval. It answers 202 only after the store said the task is durable.
func (h *Handler) approve(ctx context.Context, p payload) result {
	res := result{typ: p.Type}
	in, err := p.approvalInput()
	res.requestID, res.tmdbID = in.RequestID, in.TMDBID
	in.Title = clean.Title(in.Title) // it becomes MoviePilot's subscription name
	if err != nil {
		res.status, res.code, res.outcome = http.StatusBadRequest, envelope.InvalidParam, OutcomeInvalid
		res.msg = err.Error() + "; nothing stored"
		return res
	}
	if h.store == nil {
		return h.storeFailed(res, errors.New("no store configured"))
	}
	er, err := h.store.Enqueue(ctx, task.SourceWebhook, in)
	h.report(err)
	switch {
	case errors.Is(err, task.ErrInvalid):
		res.status, res.code, res.outcome = http.StatusBadRequest, envelope.InvalidParam, OutcomeInvalid
		res.msg = err.Error() + "; nothing stored"
		return res
	case err != nil:
		return h.storeFailed(res, err)
	}
	t := er.Task
	res.taskID = t.ID
	res.status, res.code = http.StatusAccepted, envelope.OK
	res.data = acceptedData{TaskID: t.ID, Status: t.Status, Created: er.Created}
	// Concatenation, not fmt: this is the answer to every approval.
	switch id := strconv.Itoa(in.RequestID); {
	case er.Created:
		res.outcome = OutcomeEnqueued
		res.msg = "request " + id + " queued as task " + t.ID
	case er.Reopened:
		res.outcome = OutcomeMerged
		res.msg = "request " + id + " was approved again: task " + t.ID + " re-opened"
	case er.Changed:
		res.outcome = OutcomeMerged
		res.msg = "request " + id + " already had task " + t.ID + "; it took the new seasons"
	default:
		res.outcome = OutcomeDuplicate
		res.msg = "request " + id + " already has task " + t.ID + " (" + string(t.Status) + "); nothing new to store"
	}
	return res
}

// report passes a store write's outcome to Options.StoreResult: bad input and a caller that
// went away say nothing about the store.
func (h *Handler) report(err error) {
	if h.stored == nil || errors.Is(err, task.ErrInvalid) || errors.Is(err, context.Canceled) {
		return
	}
	h.stored(err)
}

// storeFailed answers 503: the store is unavailable and nothing was written.
func (h *Handler) storeFailed(res result, err error) result {
	res.status, res.code, res.outcome, res.err = http.StatusServiceUnavailable, envelope.InternalError, OutcomeStoreError, err
	res.msg = "the task store is unavailable; stored nothing. The reconcile loop will pick the request up from Seerr later"
	return res
}

// decline cancels the request's task if nothing was sent to MoviePilot yet.
func (h *Handler) decline(ctx context.Context, p payload) result {
	res := result{typ: p.Type}
	id, err := p.requestID()
	if err != nil {
		res.status, res.code, res.outcome = http.StatusBadRequest, envelope.InvalidParam, OutcomeInvalid
		res.msg = err.Error() + "; cannot tell which task to cancel"
		return res
	}
	res.requestID = id
	if h.store == nil {
		return h.storeFailed(res, errors.New("no store configured"))
	}
	key := task.Input{RequestID: id}.Key()
	t, err := h.store.CancelUnsent(ctx, key, DeclineReason)
	res.status, res.code = http.StatusOK, envelope.OK
	var te *task.TransitionError
	switch {
	case err == nil:
		res.taskID, res.outcome = t.ID, OutcomeCancelled
		res.data = map[string]any{"taskId": t.ID, "status": t.Status}
		res.msg = fmt.Sprintf("request %d was declined in Seerr: task %s cancelled", id, t.ID)
	case errors.Is(err, task.ErrNotFound):
		res.outcome = OutcomeNoTask
		res.msg = fmt.Sprintf("request %d was declined in Seerr; it has no task, nothing to cancel", id)
	case errors.As(err, &te) && te.From == task.StatusCancelled:
		res.taskID, res.outcome = te.ID, OutcomeAlreadySent
		res.msg = fmt.Sprintf("request %d was declined in Seerr; task %s was already cancelled", id, te.ID)
	case errors.As(err, &te):
		res.taskID, res.outcome = te.ID, OutcomeAlreadySent
		res.msg = fmt.Sprintf("request %d was declined in Seerr; task %s is already %s and was left as is", id, te.ID, te.From)
	case errors.Is(err, task.ErrConflict):
		res.taskID, res.outcome = t.ID, OutcomeAlreadySent
		res.msg = fmt.Sprintf("request %d was declined in Seerr, but its task was already sent to MoviePilot; it was left as is (remove the subscription in MoviePilot if you no longer want it)", id)
	default:
		return h.storeFailed(res, err)
	}
	return res
}

// finish answers, logs and observes one webhook call.
func (h *Handler) finish(w http.ResponseWriter, res result, start time.Time) {
	h.env.JSON(w, res.status, res.code, res.msg, res.data)

	label := res.typ
	if label != "" && !knownType(label) {
		label = "OTHER"
	}
	if h.observe != nil {
		h.observe(label, res.outcome, time.Since(start))
	}

	ev := h.log.Info()
	if res.status >= 500 {
		ev = h.log.Error()
	} else if res.status >= 400 {
		ev = h.log.Warn()
	}
	if !ev.Enabled() {
		return
	}
	if res.typ != "" {
		ev = ev.Str("notification_type", trunc.String(res.typ, 64))
	}
	if res.requestID > 0 {
		ev = ev.Int("request_id", res.requestID)
	}
	if res.tmdbID > 0 {
		ev = ev.Int("tmdb_id", res.tmdbID)
	}
	if res.taskID != "" {
		ev = ev.Str("task_id", res.taskID)
	}
	if res.err != nil {
		ev = ev.AnErr("error", res.err)
	}
	ev.Str("outcome", res.outcome).Int("status", res.status).Msg(res.msg)
}
