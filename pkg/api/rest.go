package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
)

// write renders a reply as an HTTP status and the envelope.
func (a *API) write(w http.ResponseWriter, r reply) {
	w.Header().Set("Cache-Control", "no-store")
	a.env.JSON(w, r.status, r.code, r.msg, r.data)
}

// listTasks serves GET /api/v1/tasks?status=&source=&limit=.
func (a *API) listTasks(w http.ResponseWriter, r *http.Request) {
	q, bad := query(r, "status", "source", "limit")
	if bad != nil {
		a.write(w, *bad)
		return
	}
	limit := 0
	if v, given := q["limit"]; given {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 {
			a.write(w, invalid("limit %s is not valid: use an integer from 1 to %d (default %d)", quote(v), maxLimit, defaultLimit))
			return
		}
		limit = n
	}
	a.write(w, a.svc.listTasks(r.Context(), q["status"], q["source"], limit))
}

// getTask serves GET /api/v1/tasks/{id}.
func (a *API) getTask(w http.ResponseWriter, r *http.Request) {
	if _, bad := query(r); bad != nil {
		a.write(w, *bad)
		return
	}
	a.write(w, a.svc.getTask(r.Context(), chi.URLParam(r, "id")))
}

// retryTask serves POST /api/v1/tasks/{id}/retry. It takes no body.
func (a *API) retryTask(w http.ResponseWriter, r *http.Request) {
	var none struct{}
	if bad := a.decode(w, r, &none, true, "no fields"); bad != nil {
		a.write(w, *bad)
		return
	}
	a.write(w, a.svc.retryTask(r.Context(), chi.URLParam(r, "id")))
}

// cancelRequest is the optional body of POST /api/v1/tasks/{id}/cancel.
type cancelRequest struct {
	Reason string `json:"reason"`
}

// cancelTask serves POST /api/v1/tasks/{id}/cancel with an optional {"reason": "..."}.
func (a *API) cancelTask(w http.ResponseWriter, r *http.Request) {
	var body cancelRequest
	if bad := a.decode(w, r, &body, true, "reason"); bad != nil {
		a.write(w, *bad)
		return
	}
	a.write(w, a.svc.cancelTask(r.Context(), chi.URLParam(r, "id"), body.Reason))
}

// subscribe serves POST /api/v1/subscriptions.
func (a *API) subscribe(w http.ResponseWriter, r *http.Request) {
	var body SubscribeRequest
	if bad := a.decode(w, r, &body, false, "tmdbId, mediaType, seasons, title, year"); bad != nil {
		a.write(w, *bad)
		return
	}
	a.write(w, a.svc.subscribe(r.Context(), body))
}

// stats serves GET /api/v1/stats.
func (a *API) stats(w http.ResponseWriter, r *http.Request) {
	if _, bad := query(r); bad != nil {
		a.write(w, *bad)
		return
	}
	a.write(w, a.svc.stats(r.Context()))
}

// query returns the single-valued query parameters of r, refusing unknown or repeated ones.
func query(r *http.Request, allowed ...string) (map[string]string, *reply) {
	vals, err := parseQuery(r)
	if err != nil {
		rep := invalid("the query string is malformed: %v", err)
		return nil, &rep
	}
	out := make(map[string]string, len(vals))
	var unknown []string
	for k, v := range vals {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			unknown = append(unknown, quote(k))
			continue
		}
		if len(v) > 1 {
			rep := invalid("query parameter %s is given %d times: give it once", k, len(v))
			return nil, &rep
		}
		out[k] = v[0]
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		hint := "this endpoint takes no query parameters"
		if len(allowed) > 0 {
			hint = "allowed: " + strings.Join(allowed, ", ")
		}
		rep := invalid("unknown query parameter %s; %s", strings.Join(unknown, ", "), hint)
		return nil, &rep
	}
	return out, nil
}

func parseQuery(r *http.Request) (map[string][]string, error) {
	if r.URL.RawQuery == "" {
		return nil, nil
	}
	return url.ParseQuery(r.URL.RawQuery)
}

// decode reads a bounded JSON object body into dst, strictly: unknown fields, wrong types,
// trailing data and oversize bodies are refused. With optional, an empty body is fine.
// fields lists the allowed fields for the error message.
func (a *API) decode(w http.ResponseWriter, r *http.Request, dst any, optional bool, fields string) *reply {
	fail := func(rep reply) *reply { return &rep }
	if _, bad := query(r); bad != nil {
		return bad
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(reply{status: http.StatusRequestEntityTooLarge, code: envelope.InvalidParam,
				msg: fmt.Sprintf("request body is larger than %d KiB", MaxBodyBytes>>10)})
		}
		return fail(invalid("request body could not be read: %v", err))
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		if optional {
			return nil
		}
		return fail(invalid("request body is empty: send a JSON object with %s", fields))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return fail(reply{status: http.StatusUnsupportedMediaType, code: envelope.InvalidParam,
				msg: "Content-Type must be application/json"})
		}
	}
	if trimmed[0] != '{' {
		return fail(invalid("request body must be a JSON object with %s", fields))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fail(invalid("%s", describeJSONError(err, fields)))
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return fail(invalid("request body has data after the JSON object: send exactly one object"))
	}
	return nil
}

func describeJSONError(err error, fields string) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("request body is not valid JSON (at byte %d): %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "request body is truncated JSON"
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return fmt.Sprintf("field %s must be %s, not %s", quote(field), jsonKind(typ.Type.Kind().String()), typ.Value)
	}
	if name, found := strings.CutPrefix(err.Error(), "json: unknown field "); found {
		return "unknown field " + name + "; allowed: " + fields
	}
	return "request body is not valid: " + strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a " + goKind
}
