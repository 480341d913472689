package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seerrpilot/seerrpilot/pkg/jsonx"
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

// errMissing marks a field that is absent, null, empty or an unreplaced placeholder.
var errMissing = errors.New("missing")

// positiveInt reads an id: a string of digits ("603", what the default template sends) or a
// JSON integer (603, what a hand-made template or relay may send).
func positiveInt(v jsonx.Value) (int, error) {
	switch v.Kind {
	case jsonx.KindAbsent, jsonx.KindNull:
		return 0, errMissing
	case jsonx.KindString, jsonx.KindNumber:
	default:
		return 0, fmt.Errorf("must be a positive integer, got %s", v.Kind)
	}
	text := strings.TrimSpace(v.Text)
	if text == "" {
		return 0, errMissing
	}
	if jsonx.IsPlaceholder(text) {
		return 0, fmt.Errorf("%w: Seerr left the placeholder %q unreplaced", errMissing, text)
	}
	n, ok := v.Int()
	if !ok || n <= 0 {
		return 0, fmt.Errorf("must be a positive integer, got %s", echo(text))
	}
	return n, nil
}

// echo quotes a value from the payload for an error message, bounded.
func echo(v string) string {
	return strconv.Quote(trunc.String(v, maxEchoBytes))
}

// The wire structs take the keys of the default template. encoding/json matches keys case
// insensitively, lets a repeated key overwrite an earlier one and ignores unknown keys, so
// custom templates with more keys decode too; the jsonx types never fail, so one odd field
// cannot make the payload undecodable: the mapping step judges the fields it needs.

// wireMedia is the {{media}} block of the default template.
type wireMedia struct {
	MediaType jsonx.Value `json:"media_type"`
	TMDBID    jsonx.Value `json:"tmdbId"`
	TVDBID    jsonx.Value `json:"tvdbId"`
}

// wireRequest is the {{request}} block of the default template.
type wireRequest struct {
	RequestID   jsonx.Value `json:"request_id"`
	RequestedBy jsonx.Value `json:"requestedBy_username"`
}

// wireExtra is one entry of the {{extra}} list.
type wireExtra struct {
	Name  jsonx.Value `json:"name"`
	Value jsonx.Value `json:"value"`
}

// payload is a decoded webhook call (the top level of the default template), before any
// field but notification_type is judged.
type payload struct {
	NotificationType jsonx.Value  `json:"notification_type"`
	RawEvent         jsonx.Value  `json:"event"`
	RawSubject       jsonx.Value  `json:"subject"`
	Media            *wireMedia   `json:"media"`
	Request          *wireRequest `json:"request"`
	Extra            []wireExtra  `json:"extra"` // an item that is not an object has empty fields

	Type    string `json:"-"` // normalised notification_type, e.g. "MEDIA_APPROVED"
	Event   string `json:"-"`
	Subject string `json:"-"`
	body    []byte // the object, for blockKind
}

// blockKind is the JSON kind of a top-level member, for a message that names what came
// instead of an object. Media and Request stay plain pointers so that the hot path decodes in
// one pass; this second read happens only when a block looks wrong.
func (p payload) blockKind(name string) jsonx.Kind {
	var k struct {
		Media   json.RawMessage `json:"media"`
		Request json.RawMessage `json:"request"`
	}
	_ = json.Unmarshal(p.body, &k) // p.body decoded once already: cannot fail
	if name == "media" {
		return jsonx.KindOf(k.Media)
	}
	return jsonx.KindOf(k.Request)
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
	// One pass validates and decodes: every field is lenient, so the only errors are a
	// syntax error and a top level that is not an object.
	p := payload{body: trimmed}
	if err := jsonx.Unmarshal(trimmed, &p); err != nil {
		return payload{}, &decodeError{"the body is not valid JSON (" + err.Error() + "); check the webhook's JSON Payload in Seerr"}
	}
	if k := jsonx.KindOf(trimmed); k != jsonx.KindObject {
		return payload{}, &decodeError{fmt.Sprintf("the body must be a JSON object, got %s", jsonKindName(k))}
	}
	p.Type = strings.ToUpper(p.NotificationType.Str())
	if p.Type == "" {
		return payload{}, &decodeError{`notification_type is missing; keep "notification_type": "{{notification_type}}" in the webhook's JSON Payload`}
	}
	p.Event, p.Subject = p.RawEvent.Str(), p.RawSubject.Str()
	return p, nil
}

func jsonKindName(k jsonx.Kind) string {
	if k == jsonx.KindNull {
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

// requestBlock is the {{request}} block.
func (p payload) requestBlock() (wireRequest, error) {
	if p.Request == nil || *p.Request == (wireRequest{}) {
		if k := p.blockKind("request"); k != jsonx.KindObject {
			return wireRequest{}, &fieldError{"request", fmt.Errorf("must be an object with request_id, got %s (keep the \"{{request}}\" block of the default template)", jsonKindName(k))}
		}
		return wireRequest{}, nil
	}
	return *p.Request, nil
}

// id reads request_id.
func (r wireRequest) id() (int, error) {
	id, err := positiveInt(r.RequestID)
	if err != nil {
		return 0, &fieldError{"request.request_id", err}
	}
	return id, nil
}

// approvalInput maps an approval to the task input. Every error is a *fieldError.
func (p payload) approvalInput() (task.Input, error) {
	var in task.Input
	var m wireMedia
	if p.Media != nil {
		m = *p.Media
	}
	if m == (wireMedia{}) {
		if k := p.blockKind("media"); k != jsonx.KindObject {
			return in, &fieldError{"media", fmt.Errorf("must be an object with tmdbId and media_type, got %s (keep the \"{{media}}\" block of the default template)", jsonKindName(k))}
		}
	}
	r, err := p.requestBlock()
	if err != nil {
		return in, err
	}
	if in.RequestID, err = r.id(); err != nil {
		return in, err
	}

	if in.TMDBID, err = positiveInt(m.TMDBID); err != nil {
		return in, &fieldError{"media.tmdbId", err}
	}
	switch mt := strings.ToLower(m.MediaType.Str()); mt {
	case string(task.TypeMovie), string(task.TypeTV):
		in.MediaType = task.Type(mt)
	case "":
		return in, &fieldError{"media.media_type", errMissing}
	default:
		return in, &fieldError{"media.media_type", fmt.Errorf(`must be "movie" or "tv", got %s`, echo(mt))}
	}
	// tvdbId is optional: "" for movies, and a wrong one is better ignored than fatal.
	if tvdb, err := positiveInt(m.TVDBID); err == nil {
		in.TVDBID = tvdb
	}

	in.Title, in.Year = splitSubject(p.Subject)
	in.Is4K = is4K(p.Event)
	in.RequestStatus = requestStatusApproved

	in.RequestedBy = trunc.String(r.RequestedBy.Str(), maxRequestedByBytes)

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
	for _, e := range p.Extra {
		if !strings.EqualFold(e.Name.Str(), seasonsExtra) {
			continue
		}
		v := e.Value.Str()
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
