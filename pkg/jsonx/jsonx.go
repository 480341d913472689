// Package jsonx is the one lenient-JSON idiom of seerrpilot, shared by the webhook, the
// Seerr and the MoviePilot decoders, so that one odd field cannot make a whole body
// undecodable. Declare tagged structs whose scalar fields are Value, decode with Unmarshal
// (encoding/json that leaves out a value of the wrong kind instead of failing), then read
// each field the way its consumer needs it:
//
//   - Value: any JSON value; Str, Int, Bool and Time read a string or a number alike. A
//     literal "{{placeholder}}" that Seerr's template left unreplaced reads as missing.
//   - Nested objects and lists are plain structs and slices: a value of the wrong kind
//     leaves them zero (a list element that is not an object becomes a zero element).
//   - Object[T]: a nested object that must be told apart from anything else (an element
//     that only counts when it is an object, a message that names what came instead).
//
// The strictness rules (what a required id must look like, bounds, error wording) belong to
// the consumers; this package only reads.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is the JSON type of a value as it arrived.
type Kind uint8

// Kinds of JSON values; KindAbsent is the zero value (the key was not there).
const (
	KindAbsent Kind = iota
	KindNull
	KindString
	KindNumber
	KindBool
	KindObject
	KindArray
)

func (k Kind) String() string {
	switch k {
	case KindAbsent:
		return "absent"
	case KindNull:
		return "null"
	case KindString:
		return "a string"
	case KindNumber:
		return "a number"
	case KindBool:
		return "a boolean"
	case KindObject:
		return "an object"
	case KindArray:
		return "an array"
	}
	return "unknown"
}

// KindOf is the kind of raw, one JSON value (leading white space allowed).
func KindOf(raw []byte) Kind {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return KindAbsent
	}
	switch raw[0] {
	case '"':
		return KindString
	case 'n':
		return KindNull
	case 't', 'f':
		return KindBool
	case '{':
		return KindObject
	case '[':
		return KindArray
	}
	return KindNumber
}

// Value is one JSON value of any kind, kept as text: a string's contents, a number's or a
// boolean's literal, or for an array of strings and numbers its elements joined by ", " (the
// way Seerr renders a list into a string; a Liquid `{{ … | json }}` sends the list itself).
// An array holding anything else, an object and null have no text.
type Value struct {
	Kind Kind
	Text string
}

// UnmarshalJSON records b and its kind; it never fails.
func (v *Value) UnmarshalJSON(b []byte) error {
	*v = Value{Kind: KindOf(b)}
	switch v.Kind {
	case KindString:
		v.Text = unquote(b)
	case KindNumber, KindBool:
		v.Text = string(bytes.TrimSpace(b))
	case KindArray:
		v.Text = listText(b)
	}
	return nil
}

// unquote returns the contents of a valid JSON string literal; invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func unquote(lit []byte) string {
	lit = bytes.TrimSpace(lit)
	if len(lit) >= 2 {
		inner := lit[1 : len(lit)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return string(inner)
		}
	}
	var s string
	_ = json.Unmarshal(lit, &s)
	return s
}

func listText(b []byte) string {
	var items []Value
	if json.Unmarshal(b, &items) != nil {
		return ""
	}
	parts := make([]string, len(items))
	for i, it := range items {
		if it.Kind != KindString && it.Kind != KindNumber {
			return ""
		}
		parts[i] = it.Text
	}
	return strings.Join(parts, ", ")
}

// Missing reports whether v carries nothing: absent, null, an object, an empty or blank
// text, or an unreplaced "{{placeholder}}".
func (v Value) Missing() bool { return v.Str() == "" }

// Str is the text, trimmed; "" when v is missing.
func (v Value) Str() string {
	switch v.Kind {
	case KindString, KindNumber, KindBool, KindArray:
		s := strings.TrimSpace(v.Text)
		if IsPlaceholder(s) {
			return ""
		}
		return s
	}
	return ""
}

// Int reads an integer in the int32 range given as a JSON number ("603", 603.0, 6.03e2) or a
// string of digits ("603", " 0603 "); ok is false for anything else (a fraction, a string
// holding a fraction, out of range, missing).
func (v Value) Int() (n int, ok bool) {
	if v.Kind != KindString && v.Kind != KindNumber {
		return 0, false
	}
	s := strings.TrimSpace(v.Text)
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil && v.Kind == KindNumber {
		// 603.0 or 6.03e2 from a sender that re-encoded the number.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr == nil && f == math.Trunc(f) && math.Abs(f) <= math.MaxInt32 {
			i, err = int64(f), nil
		}
	}
	if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
		return 0, false
	}
	return int(i), true
}

// Bool reads true, "true", or a non-zero number or numeric string; anything else is false.
func (v Value) Bool() bool {
	s := strings.TrimSpace(v.Text)
	switch v.Kind {
	case KindBool:
		return s == "true"
	case KindString:
		if strings.EqualFold(s, "true") {
			return true
		}
	}
	n, ok := v.Int()
	return ok && n != 0
}

// timeLayouts are the forms Seerr writes times in: ISO 8601, and SQLite's
// "YYYY-MM-DD hh:mm:ss" from older databases.
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// Time reads a time string in UTC; anything else is the zero time.
func (v Value) Time() time.Time {
	if v.Kind != KindString {
		return time.Time{}
	}
	s := strings.TrimSpace(v.Text)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// IsPlaceholder reports whether s is an unreplaced template variable like
// "{{requestedBy_settings_discordIds}}", which Seerr leaves literal when it does not know it.
func IsPlaceholder(s string) bool {
	name, ok := strings.CutPrefix(s, "{{")
	if !ok {
		return false
	}
	name, ok = strings.CutSuffix(name, "}}")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Unmarshal is json.Unmarshal for lenient wire structs: a value of the wrong kind for a
// plain struct, pointer or slice field is left out (that field stays zero) and the rest
// still decodes. It fails only on a syntax error (or a v that cannot be decoded into).
func Unmarshal(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) {
		return nil
	}
	return err
}

// Object is a nested object decoded into V, or, when something else came, its Kind and a
// zero V.
type Object[T any] struct {
	Kind Kind
	V    T
}

// UnmarshalJSON decodes b into V when it is an object; it never fails.
func (o *Object[T]) UnmarshalJSON(b []byte) error {
	*o = Object[T]{Kind: KindOf(b)}
	if o.Kind == KindObject && Unmarshal(b, &o.V) != nil {
		var zero T
		o.V = zero
	}
	return nil
}

// OK reports whether an object came.
func (o Object[T]) OK() bool { return o.Kind == KindObject }
