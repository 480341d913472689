package moviepilot

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// decodeObject decodes a JSON object leniently (numbers kept as json.Number).
func decodeObject(body []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// envelope is {"success","message","data"}: v3's wrapper and v2's schemas.Response.
type envelope struct {
	success bool
	message string
	data    any
}

// asEnvelope recognises an envelope by its boolean "success" key (the Subscribe schema has
// no such field).
func asEnvelope(obj map[string]any) (envelope, bool) {
	s, ok := obj["success"].(bool)
	if !ok {
		return envelope{}, false
	}
	msg, _ := obj["message"].(string)
	return envelope{success: s, message: msg, data: obj["data"]}, true
}

// asInt reads an integer given as a JSON number or a numeric string. null is (0, false).
func asInt(v any) (int, bool) {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i), true
		}
		if f, err := t.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int(f), true
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int(t), true
		}
	case string:
		if i, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return i, true
		}
	}
	return 0, false
}

// asString reads a string given as a JSON string or number.
func asString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	}
	return ""
}

// asBool reads a bool given as a JSON bool or a number.
func asBool(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	default:
		n, ok := asInt(v)
		return ok && n != 0
	}
}

// errorMessage extracts MoviePilot's message from an error answer: v2's {"detail": "..."}
// or 422 list, v3's envelope message (plus its issue list), or plain text.
func errorMessage(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		if strings.HasPrefix(text, "<") {
			return htmlTitle(text)
		}
		line, _, _ := strings.Cut(text, "\n")
		return strings.TrimSpace(line)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if d, ok := obj["detail"]; ok {
		switch t := d.(type) {
		case string:
			return t
		case []any:
			return issues(t)
		}
	}
	msg, _ := obj["message"].(string)
	if list, ok := obj["data"].([]any); ok {
		if is := issues(list); is != "" {
			if msg == "" || strings.Contains(is, msg) {
				return is
			}
			return msg + " (" + is + ")"
		}
	}
	if msg == "" {
		msg, _ = obj["msg"].(string)
	}
	return msg
}

// issues renders FastAPI/pydantic validation issues as "body.tmdbid: msg; ...".
func issues(list []any) string {
	parts := make([]string, 0, len(list))
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		msg := asString(m["msg"])
		var loc []string
		if l, ok := m["loc"].([]any); ok {
			for _, p := range l {
				loc = append(loc, asString(p))
			}
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
