package seerr

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
)

// Sentinel errors, matched with errors.Is against the *Error the client returns.
var (
	// ErrNotFound: the server answered 404. GET /request/{id} answers 404 for any
	// failure, including a malformed id.
	ErrNotFound = errors.New("seerr: not found")
	// ErrUnauthorized: the server answered 401 or 403 (missing or wrong API key, or the
	// key's user lacks permission).
	ErrUnauthorized = errors.New("seerr: unauthorized")
	// ErrBadRequest: the server answered 400 (the request validator rejected a query
	// parameter, e.g. a filter or sortDirection this version does not know).
	ErrBadRequest = errors.New("seerr: bad request")
	// ErrPageLimit: Walk stopped at WalkOptions.MaxPages before the list ended.
	ErrPageLimit = errors.New("seerr: walk stopped at the page limit")
	// ErrStopWalk may be returned by a Walk callback to end the walk early without error.
	ErrStopWalk = errors.New("seerr: stop walk")
)

// Error is a failed call to Seerr. Status is the HTTP status, or 0 when no answer
// arrived (network error, timeout). A 2xx answer that could not be decoded has Decode
// set. Body is a short excerpt of the answer with the API key removed.
type Error struct {
	// Op names the call: "status", "list" or "get".
	Op string
	// Status is the HTTP status code, 0 for transport failures.
	Status int
	// Body is at most 256 bytes of the answer, with the API key removed.
	Body string
	// Err is the underlying cause (transport or decode), already scrubbed, or nil.
	Err error
	// Decode is true when a 2xx answer could not be decoded or was too large.
	Decode bool
	// timeout is true when the per-call timeout (not the caller's context) expired.
	timeout bool
}

// Error implements error. It never contains the API key.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("seerr ")
	b.WriteString(e.Op)
	switch {
	case e.Decode:
		b.WriteString(": decoding answer")
	case e.Status != 0:
		b.WriteString(": HTTP ")
		b.WriteString(strconv.Itoa(e.Status))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is maps HTTP statuses to the package's sentinel errors.
func (e *Error) Is(target error) bool {
	if e.Decode {
		return false
	}
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest
	}
	return false
}

// Temporary reports whether retrying the same call later may succeed: network errors,
// per-call timeouts, 5xx, 408 and 429. A cancelled or expired caller context is not
// temporary, nor is any other 4xx or a decode failure.
func (e *Error) Temporary() bool {
	if e.Decode {
		return false
	}
	if e.Status == 0 {
		if e.timeout {
			return true
		}
		return !errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, context.DeadlineExceeded)
	}
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
}

// IsTemporary reports whether err (or an error it wraps) is a *Error that is Temporary.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary()
}

// scrubbedError carries a cause's message with the API key removed.
type scrubbedError struct {
	msg   string
	cause error
}

func (s *scrubbedError) Error() string { return s.msg }
func (s *scrubbedError) Unwrap() error { return s.cause }

// scrubber removes the API key from text, in every form the redaction guard knows
// (plain, URL-encoded, JSON-escaped, base64).
type scrubber struct {
	secret string
	red    *redact.Redactor
}

func newScrubber(secret string) scrubber {
	return scrubber{secret: secret, red: redact.New(secret)}
}

func (s scrubber) text(v string) string { return s.red.String(v) }

// err returns err unchanged when its message does not contain the secret. Otherwise it
// returns a replacement with the scrubbed message that drops the original chain (which
// would still print the secret), keeping only a context sentinel for errors.Is.
func (s scrubber) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := s.text(msg)
	if clean == msg {
		return err
	}
	var cause error
	switch {
	case errors.Is(err, context.Canceled):
		cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		cause = context.DeadlineExceeded
	}
	return &scrubbedError{msg: clean, cause: cause}
}

// excerpt shortens a body for an error message: the secret is removed first (also a
// prefix of it left at the end of a truncated read), then whitespace is collapsed and
// the text cut to 256 bytes, so a cut can never expose part of the key.
func (s scrubber) excerpt(body []byte) string {
	t := s.text(string(body))
	for i := len(s.secret) - 1; i > 0; i-- {
		if strings.HasSuffix(t, s.secret[:i]) {
			t = t[:len(t)-i]
			break
		}
	}
	t = strings.Join(strings.Fields(t), " ")
	const max = 256
	if len(t) > max {
		cut := max
		for cut > 0 && !isRuneStart(t[cut]) {
			cut--
		}
		t = t[:cut] + "…"
	}
	return t
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
