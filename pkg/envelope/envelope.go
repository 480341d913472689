// Package envelope is the one JSON answer shape of seerrpilot: {"code", "msg", "data"}.
//
// Every HTTP handler (webhook, operator API, reconcile trigger, health) answers with it, so
// scripts and assistants parse one shape. The code table is shared with the worker-dlp task API.
package envelope

import (
	"encoding/json"
	"net/http"
)

// Code is an application error code carried in the envelope.
type Code int

// The code table. It is a contract: add codes, never renumber them.
const (
	OK              Code = 0
	InvalidParam    Code = 1001
	NotFound        Code = 1002
	Conflict        Code = 1003
	SubscribeFailed Code = 2001
	InternalError   Code = 5000
	Unauthorized    Code = -32001
)

// String is the code's symbolic name, as the README's table lists it.
func (c Code) String() string {
	switch c {
	case OK:
		return "OK"
	case InvalidParam:
		return "INVALID_PARAM"
	case NotFound:
		return "NOT_FOUND"
	case Conflict:
		return "CONFLICT"
	case SubscribeFailed:
		return "SUBSCRIBE_FAILED"
	case InternalError:
		return "INTERNAL_ERROR"
	case Unauthorized:
		return "UNAUTHORIZED"
	}
	return "UNKNOWN"
}

// Response is the envelope itself.
type Response struct {
	Code Code   `json:"code"`
	Msg  string `json:"msg"`
	Data any    `json:"data"`
}

// Scrubber removes secrets from text before it leaves the process. A nil Scrubber is allowed.
type Scrubber interface {
	String(string) string
}

// Writer writes envelopes. Its zero value works; set Scrub to guard every message.
type Writer struct {
	Scrub Scrubber
}

// JSON writes status and the envelope {code, msg, data}.
func (w Writer) JSON(rw http.ResponseWriter, status int, code Code, msg string, data any) {
	if w.Scrub != nil {
		msg = w.Scrub.String(msg)
	}
	body, err := json.Marshal(Response{Code: code, Msg: msg, Data: data})
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"code":5000,"msg":"could not encode the answer","data":null}`)
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(status)
	_, _ = rw.Write(append(body, '\n'))
}

// OK writes 200 with code 0.
func (w Writer) OK(rw http.ResponseWriter, msg string, data any) {
	w.JSON(rw, http.StatusOK, OK, msg, data)
}

// Error writes an error envelope with data null.
func (w Writer) Error(rw http.ResponseWriter, status int, code Code, msg string) {
	w.JSON(rw, status, code, msg, nil)
}
