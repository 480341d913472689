package moviepilot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Class tells a caller what to do with an error.
type Class int

// The error classes. The zero value, ClassNone, is what Classify returns for a nil error.
const (
	// ClassNone means no error.
	ClassNone Class = iota
	// ClassRetry: network error, timeout, 408, 429 or 5xx. Retry with backoff, honouring
	// Error.RetryAfter when set.
	ClassRetry
	// ClassPermanent: 3xx, 400, 404, 405, 422 and other 4xx, an undecodable answer, a 200
	// without data.id, or a request rejected before sending. Retrying will not help.
	ClassPermanent
	// ClassBusiness: HTTP 200 with success:false (for example "未获取到第 2 季的总集数").
	// Error.Message keeps MoviePilot's message; retry with a long backoff.
	ClassBusiness
	// ClassAuth: 401/403 that survived a re-login, a failed login, or a 401/403 under a
	// static token. Fix the credentials.
	ClassAuth
	// ClassCanceled: the caller's context was canceled or its deadline passed. This is not
	// a MoviePilot failure; for a create the outcome is unknown (MoviePilot may have stored
	// the row), so look it up before creating again.
	ClassCanceled
)

// String is the class's lower-case name.
func (c Class) String() string {
	switch c {
	case ClassNone:
		return "none"
	case ClassRetry:
		return "retry"
	case ClassPermanent:
		return "permanent"
	case ClassBusiness:
		return "business"
	case ClassAuth:
		return "auth"
	case ClassCanceled:
		return "canceled"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Reason names a particular failure within a Class.
type Reason int

const (
	// ReasonNone: nothing more specific than the Class.
	ReasonNone Reason = iota
	// ReasonNotRecognised: a create answered success:false "未识别到媒体信息" (ClassBusiness).
	// MoviePilot says exactly this both when the TMDB id does not exist and when it cannot
	// reach TMDB, so it is worth retrying, but not for days.
	ReasonNotRecognised
	// ReasonNoMCP: SendMessage or CheckMessaging found no way to send through MoviePilot's
	// channels: no MCP endpoint (MoviePilot 2.5.x answers 404) or no send_message tool
	// (ClassPermanent).
	ReasonNoMCP
)

// Error is the one error type the client returns. Its fields and its Error text never hold a
// secret.
type Error struct {
	// Op is the operation: "lookup", "create", "get", "update", "seerr", "login", "detect" or
	// "message" (SendMessage, CheckMessaging).
	Op string
	// Status is the HTTP status, or 0 when no answer was received (or the request was
	// rejected before sending).
	Status int
	// Class says what to do about it.
	Class Class
	// Message is MoviePilot's message (detail, message, or plain text) or the client's own
	// explanation.
	Message string
	// Body is the start of the answer (about 300 bytes), with secrets scrubbed.
	Body string
	// RetryAfter is the server's Retry-After on 429/503, or 0.
	RetryAfter time.Duration
	// Reason refines Class where the caller may treat a case on its own (ReasonNone
	// otherwise).
	Reason Reason

	cause error
}

// Error is a readable, secret-free description.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("moviepilot ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Class == ClassBusiness:
		b.WriteString("rejected (success:false)")
	case e.Status != 0:
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.Status))
	case e.Class == ClassCanceled:
		b.WriteString("canceled")
	case e.Class == ClassRetry:
		b.WriteString("network error")
	default:
		b.WriteString("invalid")
	}
	b.WriteString(" [")
	b.WriteString(e.Class.String())
	b.WriteString("]")
	msg := e.Message
	if msg == "" {
		msg = e.Body
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Retryable reports whether trying again may help (ClassRetry).
func (e *Error) Retryable() bool { return e.Class == ClassRetry }

// Unwrap returns the cause, if any: a *url.Error whose URL has its token redacted, or the
// context error for ClassCanceled.
func (e *Error) Unwrap() error { return e.cause }

// Classify returns the class of err, looking through wrapping. A nil error is ClassNone; a
// bare context.Canceled or context.DeadlineExceeded is ClassCanceled; other net errors are
// ClassRetry; anything else unknown is ClassPermanent.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassCanceled
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return ClassRetry
	}
	return ClassPermanent
}

// classForStatus maps an HTTP status that is not a success to its class.
func classForStatus(status int) Class {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ClassAuth
	case status == http.StatusRequestTimeout || status == http.StatusTooManyRequests:
		return ClassRetry
	case status >= 500:
		return ClassRetry
	}
	return ClassPermanent
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// outcome is the Observe label for err.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var e *Error
	if !errors.As(err, &e) {
		return "network"
	}
	switch {
	case e.Class == ClassAuth:
		return "auth"
	case e.Class == ClassBusiness:
		return "business"
	case e.Class == ClassCanceled:
		return "canceled"
	case e.Status == 0 && e.Class == ClassRetry:
		return "network"
	case e.Status == 0:
		return "invalid"
	case e.Status >= 500:
		return "http_5xx"
	case e.Status >= 400:
		return "http_4xx"
	case e.Status >= 300:
		return "http_3xx"
	}
	return "malformed"
}

// redactedURLError rebuilds a *url.Error with the secret-free URL.
func redactedURLError(err error, safeURL string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: safeURL, Err: ue.Err}
	}
	return err
}
