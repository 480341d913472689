package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// Notification types Seerr sends (the enum names of server/lib/notifications).
const (
	TypeMediaPending       = "MEDIA_PENDING"
	TypeMediaApproved      = "MEDIA_APPROVED"
	TypeMediaAvailable     = "MEDIA_AVAILABLE"
	TypeMediaFailed        = "MEDIA_FAILED"
	TypeTest               = "TEST_NOTIFICATION"
	TypeMediaDeclined      = "MEDIA_DECLINED"
	TypeMediaAutoApproved  = "MEDIA_AUTO_APPROVED"
	TypeIssueCreated       = "ISSUE_CREATED"
	TypeIssueComment       = "ISSUE_COMMENT"
	TypeIssueResolved      = "ISSUE_RESOLVED"
	TypeIssueReopened      = "ISSUE_REOPENED"
	TypeMediaAutoRequested = "MEDIA_AUTO_REQUESTED"
)

// requestStatusApproved is Seerr's MediaRequestStatus.APPROVED.
const requestStatusApproved = 2

// Bounds for free text taken from the payload, so a stored task stays small.
const (
	maxTitleBytes       = 512
	maxRequestedByBytes = 256
	maxSeason           = 9999
	maxEchoBytes        = 40
)

// knownType reports whether t is a notification type Seerr defines.
func knownType(t string) bool {
	switch t {
	case TypeMediaPending, TypeMediaApproved, TypeMediaAvailable, TypeMediaFailed, TypeTest,
		TypeMediaDeclined, TypeMediaAutoApproved, TypeIssueCreated, TypeIssueComment,
		TypeIssueResolved, TypeIssueReopened, TypeMediaAutoRequested:
		return true
	}
	return false
}

// kind is the JSON type of a value as it arrived.
type kind uint8

const (
	kindAbsent kind = iota
	kindNull
	kindString
	kindNumber
	kindBool
	kindObject
	kindArray
)

func (k kind) String() string {
	switch k {
	case kindAbsent:
		return "absent"
	case kindNull:
		return "null"
	case kindString:
		return "a string"
	case kindNumber:
		return "a number"
	case kindBool:
		return "a boolean"
	case kindObject:
		return "an object"
	case kindArray:
		return "an array"
	}
	return "unknown"
}

func kindOf(raw []byte) kind {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return kindAbsent
	}
	switch raw[0] {
	case '"':
		return kindString
	case 'n':
		return kindNull
	case 't', 'f':
		return kindBool
	case '{':
		return kindObject
	case '[':
		return kindArray
	}
	return kindNumber
}

// scalar is one payload value of any JSON type. Unmarshalling it never fails, so one odd
// field in a custom template cannot make the whole payload undecodable; the mapping step
// judges the fields it needs.
type scalar struct {
	kind kind
	text string // the string, the number literal or "true"/"false"
}

// set records raw, one valid JSON value, and its JSON type.
func (s *scalar) set(raw []byte) {
	s.kind = kindOf(raw)
	switch s.kind {
	case kindString:
		if v, ok := plainString(raw); ok {
			s.text = v
			return
		}
		// Escapes or invalid UTF-8: encoding/json unescapes and turns invalid bytes into
		// U+FFFD. It cannot fail on a valid string literal.
		var v string
		_ = json.Unmarshal(raw, &v)
		s.text = v
	case kindNumber, kindBool:
		s.text = string(bytes.TrimSpace(raw))
	case kindArray:
		s.text = arrayText(raw)
	}
}

// arrayText joins the elements of a JSON array of strings and numbers with ", ", the way
// Seerr renders a list into a string ("1, 2, 3"): a Liquid template's `{{ … | json }}` sends
// the list itself ([1, 2, 3] or ["1", "2"]). An array holding anything else (objects,
// arrays, booleans, null) is not a list of values and reads as "" (missing).
func arrayText(raw []byte) string {
	var b strings.Builder
	n := 0
	for item := range elements(raw) {
		var v string
		switch kindOf(item) {
		case kindString:
			if p, ok := plainString(item); ok {
				v = p
			} else {
				_ = json.Unmarshal(item, &v) // valid literal: cannot fail
			}
		case kindNumber:
			v = string(bytes.TrimSpace(item))
		default:
			return ""
		}
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v)
		n++
	}
	return b.String()
}

// plainString returns the contents of a JSON string literal that needs no unescaping (no
// backslash, valid UTF-8), which is nearly every value Seerr renders, without running a
// second decoder over it. The literal was already validated by the enclosing decode.
func plainString(raw []byte) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}

// isPlaceholder reports whether v is an unreplaced template variable like
// "{{requestedBy_settings_discordIds}}", which Seerr leaves literal when it does not know it.
func isPlaceholder(v string) bool {
	name, ok := strings.CutPrefix(v, "{{")
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

// str is the value as text, "" when it is missing (absent, null, empty, a placeholder or
// not a scalar). An array of strings and numbers reads as its elements joined by ", ".
func (s scalar) str() string {
	switch s.kind {
	case kindString, kindNumber, kindBool, kindArray:
		v := strings.TrimSpace(s.text)
		if isPlaceholder(v) {
			return ""
		}
		return v
	}
	return ""
}

// errMissing marks a field that is absent, null, empty or an unreplaced placeholder.
var errMissing = errors.New("missing")

// positiveInt reads an id: a string of digits ("603", what the default template sends) or a
// JSON integer (603, what a hand-made template or relay may send).
func (s scalar) positiveInt() (int, error) {
	switch s.kind {
	case kindAbsent, kindNull:
		return 0, errMissing
	case kindString, kindNumber:
	default:
		return 0, fmt.Errorf("must be a positive integer, got %s", s.kind)
	}
	v := strings.TrimSpace(s.text)
	if v == "" {
		return 0, errMissing
	}
	if isPlaceholder(v) {
		return 0, fmt.Errorf("%w: Seerr left the placeholder %q unreplaced", errMissing, v)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil && s.kind == kindNumber {
		// 603.0 or 6.03e2 from a relay that re-encoded the number.
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr == nil && f == math.Trunc(f) && math.Abs(f) <= math.MaxInt32 {
			n, err = int64(f), nil
		}
	}
	if err != nil || n <= 0 || n > math.MaxInt32 {
		return 0, fmt.Errorf("must be a positive integer, got %s", echo(v))
	}
	return int(n), nil
}

// echo quotes a value from the payload for an error message, bounded.
func echo(v string) string {
	return strconv.Quote(trunc.String(v, maxEchoBytes))
}

// block is a nested object of the payload ({{media}}, {{request}}): Seerr sends the object
// or null when the notification has no such entity.
type block struct {
	kind kind
	raw  []byte // the object, a slice of the validated body; set only when kind is kindObject
}

// set records raw, one valid JSON value, as the block.
func (b *block) set(raw []byte) {
	b.kind = kindOf(raw)
	if b.kind == kindObject {
		b.raw = raw
	}
}

// decodeInto passes each member of an object block to set, the set method of a wire struct;
// it reports false when the block is not an object.
func (b block) decodeInto(set func(key, raw []byte)) bool {
	if b.kind != kindObject {
		return false
	}
	for key, raw := range members(b.raw) {
		set(key, raw)
	}
	return true
}

// The wire structs below take the keys of the default template. Like encoding/json, they
// match keys case insensitively (keyIs), let a repeated key overwrite an earlier one and
// ignore unknown keys, so custom templates with more keys decode too.

// wireMedia is the {{media}} block of the default template.
type wireMedia struct {
	MediaType scalar // media_type
	TMDBID    scalar // tmdbId
	TVDBID    scalar // tvdbId
}

func (m *wireMedia) set(key, raw []byte) {
	switch {
	case keyIs(key, "media_type"):
		m.MediaType.set(raw)
	case keyIs(key, "tmdbId"):
		m.TMDBID.set(raw)
	case keyIs(key, "tvdbId"):
		m.TVDBID.set(raw)
	}
}

// wireRequest is the {{request}} block of the default template.
type wireRequest struct {
	RequestID   scalar // request_id
	RequestedBy scalar // requestedBy_username
}

func (r *wireRequest) set(key, raw []byte) {
	switch {
	case keyIs(key, "request_id"):
		r.RequestID.set(raw)
	case keyIs(key, "requestedBy_username"):
		r.RequestedBy.set(raw)
	}
}

// wireExtra is one entry of the {{extra}} list.
type wireExtra struct {
	Name  scalar // name
	Value scalar // value
}

func (e *wireExtra) set(key, raw []byte) {
	switch {
	case keyIs(key, "name"):
		e.Name.set(raw)
	case keyIs(key, "value"):
		e.Value.set(raw)
	}
}

// wirePayload is the top level of the default template.
type wirePayload struct {
	NotificationType scalar // notification_type
	Event            scalar // event
	Subject          scalar // subject
	Media            block  // media
	Request          block  // request
	Extra            []byte // extra, raw
}

func (w *wirePayload) set(key, raw []byte) {
	switch {
	case keyIs(key, "notification_type"):
		w.NotificationType.set(raw)
	case keyIs(key, "event"):
		w.Event.set(raw)
	case keyIs(key, "subject"):
		w.Subject.set(raw)
	case keyIs(key, "media"):
		w.Media.set(raw)
	case keyIs(key, "request"):
		w.Request.set(raw)
	case keyIs(key, "extra"):
		w.Extra = raw
	}
}

// payload is a decoded webhook call, before any field is judged.
type payload struct {
	Type    string // normalised notification_type, e.g. "MEDIA_APPROVED"
	Event   string
	Subject string
	media   block
	request block
	extra   []wireExtra
}

// decodeError is a body that cannot be read as a Seerr webhook at all.
type decodeError struct{ msg string }

func (e *decodeError) Error() string { return e.msg }

// decode reads a webhook body. It fails only when the body is not a JSON object or has no
// notification_type; every other field is judged later, by what the notification needs.
func decode(body []byte) (payload, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // a UTF-8 BOM from a hand-made sender
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return payload{}, &decodeError{"the body is empty; Seerr sends the webhook's JSON payload"}
	}
	// The walk below (members, elements) relies on valid JSON.
	if !json.Valid(trimmed) {
		return payload{}, &decodeError{"the body is not valid JSON (" + syntaxError(trimmed).Error() + "); check the webhook's JSON Payload in Seerr"}
	}
	if k := kindOf(trimmed); k != kindObject {
		return payload{}, &decodeError{fmt.Sprintf("the body must be a JSON object, got %s", jsonKindName(k))}
	}
	var w wirePayload
	for key, raw := range members(trimmed) {
		w.set(key, raw)
	}
	typ := strings.ToUpper(w.NotificationType.str())
	if typ == "" {
		return payload{}, &decodeError{`notification_type is missing; keep "notification_type": "{{notification_type}}" in the webhook's JSON Payload`}
	}
	p := payload{
		Type:    typ,
		Event:   w.Event.str(),
		Subject: w.Subject.str(),
		media:   w.Media,
		request: w.Request,
	}
	if kindOf(w.Extra) == kindArray {
		for item := range elements(w.Extra) {
			var b block
			b.set(item)
			var e wireExtra
			if b.decodeInto(e.set) {
				p.extra = append(p.extra, e)
			}
		}
	}
	return p, nil
}

// syntaxError is encoding/json's error for data, which json.Valid rejected.
func syntaxError(data []byte) error {
	var v json.RawMessage
	return json.Unmarshal(data, &v) // validates data before it decodes anything
}

func jsonKindName(k kind) string {
	if k == kindNull {
		return "null"
	}
	return k.String()
}

// fieldError is a field an approval needs that is missing or wrong. Field uses the names of
// the default template, so the message points at what to fix there.
type fieldError struct {
	Field string
	Err   error
}

func (e *fieldError) Error() string {
	if errors.Is(e.Err, errMissing) {
		if e.Err == errMissing {
			return e.Field + " is missing"
		}
		return e.Field + " is " + e.Err.Error()
	}
	return e.Field + " " + e.Err.Error()
}

func (e *fieldError) Unwrap() error { return e.Err }

// requestID reads request.request_id, which approvals and declines both need.
func (p payload) requestID() (int, error) {
	r, err := p.requestBlock()
	if err != nil {
		return 0, err
	}
	return r.id()
}

// requestBlock decodes the {{request}} block.
func (p payload) requestBlock() (wireRequest, error) {
	var r wireRequest
	if !p.request.decodeInto(r.set) {
		return r, &fieldError{"request", fmt.Errorf("must be an object with request_id, got %s (keep the \"{{request}}\" block of the default template)", jsonKindName(p.request.kind))}
	}
	return r, nil
}

// id reads request_id.
func (r wireRequest) id() (int, error) {
	id, err := r.RequestID.positiveInt()
	if err != nil {
		return 0, &fieldError{"request.request_id", err}
	}
	return id, nil
}

// approvalInput maps an approval to the task input. Every error is a *fieldError.
func (p payload) approvalInput() (task.Input, error) {
	var in task.Input
	if p.media.kind != kindObject {
		return in, &fieldError{"media", fmt.Errorf("must be an object with tmdbId and media_type, got %s (keep the \"{{media}}\" block of the default template)", jsonKindName(p.media.kind))}
	}
	var m wireMedia
	p.media.decodeInto(m.set)
	r, err := p.requestBlock()
	if err != nil {
		return in, err
	}
	if in.RequestID, err = r.id(); err != nil {
		return in, err
	}

	if in.TMDBID, err = m.TMDBID.positiveInt(); err != nil {
		return in, &fieldError{"media.tmdbId", err}
	}
	switch mt := strings.ToLower(m.MediaType.str()); mt {
	case string(task.TypeMovie), string(task.TypeTV):
		in.MediaType = task.Type(mt)
	case "":
		return in, &fieldError{"media.media_type", errMissing}
	default:
		return in, &fieldError{"media.media_type", fmt.Errorf(`must be "movie" or "tv", got %s`, echo(mt))}
	}
	// tvdbId is optional: "" for movies, and a wrong one is better ignored than fatal.
	if tvdb, err := m.TVDBID.positiveInt(); err == nil {
		in.TVDBID = tvdb
	}

	in.Title, in.Year = splitSubject(p.Subject)
	in.Is4K = is4K(p.Event)
	in.RequestStatus = requestStatusApproved

	in.RequestedBy = trunc.String(r.RequestedBy.str(), maxRequestedByBytes)

	if in.MediaType == task.TypeTV {
		if in.Seasons, err = p.seasons(); err != nil {
			return in, err
		}
	}
	return in, nil
}

// seasonsExtra is the name of the extra Seerr adds to TV request notifications.
const seasonsExtra = "Requested Seasons"

// seasons reads the "Requested Seasons" extra ("0, 1, 2"; 0 is specials). No such extra means
// no seasons: the worker asks Seerr, nothing here guesses.
func (p payload) seasons() ([]task.SeasonRequest, error) {
	var out []task.SeasonRequest
	for _, e := range p.extra {
		if !strings.EqualFold(e.Name.str(), seasonsExtra) {
			continue
		}
		v := e.Value.str()
		for _, tok := range strings.Split(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "" {
				continue
			}
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n > maxSeason {
				return nil, &fieldError{`extra "Requested Seasons"`, fmt.Errorf(`must list season numbers like "1, 2, 3", got %s`, echo(v))}
			}
			out = append(out, task.SeasonRequest{Season: n})
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	merged, _ := task.MergeSeasons(nil, out)
	return merged, nil
}

// splitSubject splits Seerr's subject "Title (YYYY)" into title and year. Without a trailing
// year the subject is the title as given.
func splitSubject(s string) (string, int) {
	s = strings.TrimSpace(s)
	const suffix = len(" (2000)")
	if n := len(s); n > suffix && s[n-suffix] == ' ' && s[n-suffix+1] == '(' && s[n-1] == ')' {
		digits := s[n-suffix+2 : n-1]
		year, err := strconv.Atoi(digits)
		if err == nil && len(digits) == 4 && digits[0] != '+' && digits[0] != '-' && year > 0 {
			if title := strings.TrimSpace(s[:n-suffix]); title != "" {
				return trunc.String(title, maxTitleBytes), year
			}
		}
	}
	return trunc.String(s, maxTitleBytes), 0
}

// is4K reports whether Seerr's event text names a 4K request ("4K Movie Request Approved",
// "New 4K Series Request").
func is4K(event string) bool {
	for w := range strings.FieldsSeq(event) {
		if strings.EqualFold(w, "4K") {
			return true
		}
	}
	return false
}
