package moviepilot

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/seerrpilot/seerrpilot/pkg/jsonx"
)

// The answers decode leniently (pkg/jsonx) into the wire structs below: unknown fields are
// ignored and a value of the wrong kind reads as missing; only a body that is not a JSON
// object fails.

// envelope is {"success","message","data"}: v3's wrapper and v2's schemas.Response.
type envelope struct {
	Success jsonx.Value     `json:"success"`
	Message jsonx.Value     `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// isEnvelope recognises an envelope by its boolean "success" key (the Subscribe schema has
// no such field).
func (e envelope) isEnvelope() bool { return e.Success.Kind == jsonx.KindBool }

func (e envelope) success() bool   { return e.Success.Bool() }
func (e envelope) message() string { return stringOf(e.Message) }

// noData reports whether the envelope's data is absent or null.
func (e envelope) noData() bool {
	k := jsonx.KindOf(e.Data)
	return k == jsonx.KindAbsent || k == jsonx.KindNull
}

// unwrap reads an answer that must be a JSON object: v2's bare object, or v3's envelope. obj
// is the object inside (the body itself, or the envelope's data, which may be of any kind);
// env.isEnvelope says which. ok is false when the body is not a JSON object.
func unwrap(body []byte) (obj json.RawMessage, env envelope, ok bool) {
	body = trimSpace(body)
	if jsonx.KindOf(body) != jsonx.KindObject || jsonx.Unmarshal(body, &env) != nil {
		return nil, envelope{}, false
	}
	if env.isEnvelope() {
		return env.Data, env, true
	}
	return body, env, true
}

// wireSubscription is the part of MoviePilot's Subscribe schema that Subscription reads.
type wireSubscription struct {
	ID           jsonx.Value `json:"id"`
	Name         jsonx.Value `json:"name"`
	Year         jsonx.Value `json:"year"`
	Type         jsonx.Value `json:"type"`
	MediaSource  jsonx.Value `json:"media_source"`
	MediaID      jsonx.Value `json:"media_id"`
	State        jsonx.Value `json:"state"`
	Username     jsonx.Value `json:"username"`
	BestVersion  jsonx.Value `json:"best_version"`
	Season       jsonx.Value `json:"season"`
	TMDBID       jsonx.Value `json:"tmdbid"`
	StartEpisode jsonx.Value `json:"start_episode"`
	TotalEpisode jsonx.Value `json:"total_episode"`
	LackEpisode  jsonx.Value `json:"lack_episode"`
	// v3's progress, and the row's date (a history row's completion time).
	CompletedEpisode jsonx.Value `json:"completed_episode"`
	ExecutionStatus  jsonx.Value `json:"execution_status"`
	Date             jsonx.Value `json:"date"`
}

// subscriptionOf decodes a subscription object; ok is false when obj is not an object.
func subscriptionOf(obj json.RawMessage) (w wireSubscription, ok bool) {
	if jsonx.KindOf(obj) != jsonx.KindObject || jsonx.Unmarshal(obj, &w) != nil {
		return wireSubscription{}, false
	}
	return w, true
}

// none reports MoviePilot's "nothing found": every field null (or an empty object).
func (w wireSubscription) none() bool {
	return w.ID.Kind == jsonx.KindAbsent || w.ID.Kind == jsonx.KindNull
}

// errorMessage extracts MoviePilot's message from an error answer: v2's {"detail": "..."}
// or 422 list, v3's envelope message (plus its issue list), or plain text.
func errorMessage(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	var w struct {
		Detail  json.RawMessage `json:"detail"`
		Message jsonx.Value     `json:"message"`
		Msg     jsonx.Value     `json:"msg"`
		Data    json.RawMessage `json:"data"`
	}
	err := jsonx.Unmarshal([]byte(text), &w)
	if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
		if strings.HasPrefix(text, "<") {
			return htmlTitle(text)
		}
		line, _, _ := strings.Cut(text, "\n")
		return strings.TrimSpace(line)
	}
	if jsonx.KindOf([]byte(text)) != jsonx.KindObject {
		return ""
	}
	switch jsonx.KindOf(w.Detail) {
	case jsonx.KindString:
		var d jsonx.Value
		_ = jsonx.Unmarshal(w.Detail, &d)
		return d.Text
	case jsonx.KindArray:
		return issues(w.Detail)
	}
	msg := stringOf(w.Message)
	if jsonx.KindOf(w.Data) == jsonx.KindArray {
		if is := issues(w.Data); is != "" {
			if msg == "" || strings.Contains(is, msg) {
				return is
			}
			return msg + " (" + is + ")"
		}
	}
	if msg == "" {
		msg = stringOf(w.Msg)
	}
	return msg
}

// stringOf is v's text when it is a JSON string, "" otherwise.
func stringOf(v jsonx.Value) string {
	if v.Kind != jsonx.KindString {
		return ""
	}
	return v.Text
}

// issues renders FastAPI/pydantic validation issues, a JSON array, as "body.tmdbid: msg; ...".
func issues(list json.RawMessage) string {
	type issue struct {
		Msg jsonx.Value   `json:"msg"`
		Loc []jsonx.Value `json:"loc"`
	}
	var l []jsonx.Object[issue]
	_ = jsonx.Unmarshal(list, &l)
	parts := make([]string, 0, len(l))
	for _, it := range l {
		if !it.OK() {
			continue
		}
		msg := textOf(it.V.Msg)
		var loc []string
		for _, p := range it.V.Loc {
			loc = append(loc, textOf(p))
		}
		switch {
		case len(loc) > 0 && msg != "":
			parts = append(parts, strings.Join(loc, ".")+": "+msg)
		case msg != "":
			parts = append(parts, msg)
		}
	}
	return strings.Join(parts, "; ")
}

// textOf is v's text when it is a JSON string or number, "" otherwise.
func textOf(v jsonx.Value) string {
	if v.Kind != jsonx.KindString && v.Kind != jsonx.KindNumber {
		return ""
	}
	return v.Text
}

// htmlTitle returns an HTML page's <title>, as a proxy error page's summary.
func htmlTitle(s string) string {
	lower := strings.ToLower(s)
	i := strings.Index(lower, "<title>")
	if i < 0 {
		return "HTML answer"
	}
	rest := s[i+len("<title>"):]
	if j := strings.Index(strings.ToLower(rest), "</title>"); j >= 0 {
		return strings.TrimSpace(rest[:j])
	}
	return "HTML answer"
}
