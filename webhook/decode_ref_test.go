package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The reference decoder: the wire structs decoded by encoding/json, as decode did before it
// walked the validated body itself. FuzzDecodeMatchesEncodingJSON holds decode to it.

type refScalar struct{ scalar }

func (s *refScalar) UnmarshalJSON(raw []byte) error {
	s.kind = kindOf(raw)
	switch s.kind {
	case kindString:
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		s.text = v
	case kindNumber, kindBool:
		s.text = string(bytes.TrimSpace(raw))
	case kindArray:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return err
		}
		parts := make([]string, 0, len(items))
		for _, it := range items {
			switch kindOf(it) {
			case kindString:
				var v string
				if err := json.Unmarshal(it, &v); err != nil {
					return err
				}
				parts = append(parts, v)
			case kindNumber:
				parts = append(parts, string(bytes.TrimSpace(it)))
			default:
				parts = nil
			}
			if parts == nil {
				break
			}
		}
		s.text = strings.Join(parts, ", ")
	}
	return nil
}

type refBlock struct {
	kind kind
	raw  json.RawMessage
}

func (b *refBlock) UnmarshalJSON(raw []byte) error {
	b.kind = kindOf(raw)
	if b.kind == kindObject {
		b.raw = append(json.RawMessage(nil), raw...)
	}
	return nil
}

type refMedia struct {
	MediaType refScalar `json:"media_type"`
	TMDBID    refScalar `json:"tmdbId"`
	TVDBID    refScalar `json:"tvdbId"`
}

type refRequest struct {
	RequestID   refScalar `json:"request_id"`
	RequestedBy refScalar `json:"requestedBy_username"`
}

type refExtra struct {
	Name  refScalar `json:"name"`
	Value refScalar `json:"value"`
}

type refPayload struct {
	NotificationType refScalar       `json:"notification_type"`
	Event            refScalar       `json:"event"`
	Subject          refScalar       `json:"subject"`
	Media            refBlock        `json:"media"`
	Request          refBlock        `json:"request"`
	Extra            json.RawMessage `json:"extra"`
}

// decoded is everything decode and the block decodes make of a body, in comparable form.
type decoded struct {
	Err                        string
	Type, Event, Subject       string
	MediaKind, RequestKind     kind
	Media                      [3]scalar // media_type, tmdbId, tvdbId
	Request                    [2]scalar // request_id, requestedBy_username
	MediaObject, RequestObject bool
	Extra                      [][2]scalar
}

func refDecode(body []byte) decoded {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return decoded{Err: "the body is empty; Seerr sends the webhook's JSON payload"}
	}
	var w refPayload
	err := json.Unmarshal(trimmed, &w)
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &syntaxErr):
		return decoded{Err: "the body is not valid JSON (" + syntaxErr.Error() + "); check the webhook's JSON Payload in Seerr"}
	case kindOf(trimmed) != kindObject:
		return decoded{Err: fmt.Sprintf("the body must be a JSON object, got %s", jsonKindName(kindOf(trimmed)))}
	case err != nil:
		return decoded{Err: "the body could not be decoded as a webhook payload: " + err.Error()}
	}
	typ := strings.ToUpper(w.NotificationType.str())
	if typ == "" {
		return decoded{Err: `notification_type is missing; keep "notification_type": "{{notification_type}}" in the webhook's JSON Payload`}
	}
	d := decoded{Type: typ, Event: w.Event.str(), Subject: w.Subject.str(), MediaKind: w.Media.kind, RequestKind: w.Request.kind}
	var m refMedia
	if w.Media.kind == kindObject && json.Unmarshal(w.Media.raw, &m) == nil {
		d.MediaObject = true
		d.Media = [3]scalar{m.MediaType.scalar, m.TMDBID.scalar, m.TVDBID.scalar}
	}
	var r refRequest
	if w.Request.kind == kindObject && json.Unmarshal(w.Request.raw, &r) == nil {
		d.RequestObject = true
		d.Request = [2]scalar{r.RequestID.scalar, r.RequestedBy.scalar}
	}
	if kindOf(w.Extra) == kindArray {
		var items []json.RawMessage
		if json.Unmarshal(w.Extra, &items) == nil {
			for _, it := range items {
				var e refExtra
				if kindOf(it) == kindObject && json.Unmarshal(it, &e) == nil {
					d.Extra = append(d.Extra, [2]scalar{e.Name.scalar, e.Value.scalar})
				}
			}
		}
	}
	return d
}

func walkDecode(body []byte) decoded {
	p, err := decode(body)
	if err != nil {
		return decoded{Err: err.Error()}
	}
	d := decoded{Type: p.Type, Event: p.Event, Subject: p.Subject, MediaKind: p.media.kind, RequestKind: p.request.kind}
	var m wireMedia
	if p.media.decodeInto(m.set) {
		d.MediaObject = true
		d.Media = [3]scalar{m.MediaType, m.TMDBID, m.TVDBID}
	}
	var r wireRequest
	if p.request.decodeInto(r.set) {
		d.RequestObject = true
		d.Request = [2]scalar{r.RequestID, r.RequestedBy}
	}
	for _, e := range p.extra {
		d.Extra = append(d.Extra, [2]scalar{e.Name, e.Value})
	}
	return d
}

// decodeEdgeCases are bodies where a hand-written walk could part from encoding/json.
var decodeEdgeCases = []string{
	`{"notification_type":"MEDIA_APPROVED","media":{"media_type":"movie","tmdbId":"1"},"request":{"request_id":"2"}}`,
	// Repeated keys: the last wins, and a later non-object leaves the block not an object.
	`{"notification_type":"A","notification_type":"MEDIA_APPROVED","media":{"tmdbId":"1"},"MEDIA":{"tmdbId":"7","media_type":"tv"},"request":{"request_id":1},"request":null}`,
	`{"notification_type":"X","media":{"tmdbId":"1"},"media":5,"request":{"request_id":"2","request_id":null}}`,
	// Case folding, including the non-ASCII runes that fold onto ASCII (ſ to s, K to k) and
	// the Turkish dotted/dotless i, which do not.
	"{\"NOTIFICATION_TYPE\":\"x\",\"ſubject\":\"S (2000)\",\"media\":{\"tmdbId\":1,\"tmdbıd\":2,\"tmdbİd\":3,\"media_type\":\"tv\"},\"request\":{\"requeſtedBy_username\":\"u\"}}",
	"{\"notification_type\":\"x\",\"extra\":[{\"NAME\":\"Requested Seasons\",\"valuE\":\"1\"},{\"name\":1}],\"media\":{\"\u212aey\":1}}",
	// Escaped keys and values, quotes and backslashes around the end of strings.
	`{"notification\u005ftype":"MEDIA_APPROVED","sub\u006aect":"a\"b\\","media":{"media_type":"\u0074v","tmdbId":"\"\\\\\""},"request":{"request_id":"\\"}}`,
	`{"x":"\\\\\\\"}","notification_type":"y\\\"","event":"\\\\"}`,
	// Invalid UTF-8 in keys and values.
	"{\"notification_type\":\"\xff\",\"\xffevent\":\"x\",\"event\":\"a\xc3b\",\"media\":{\"tmdbId\xff\":1}}",
	// Whitespace everywhere and nested junk.
	" {\n \"notification_type\" \t:\r \"x\" ,\n\"media\" : { \"tmdbId\" : 12 , \"x\" : [ { } , [ ] , \"]}\" ] } , \"extra\" : [ 1 , { \"name\" : \"n\" } , [ ] , null , { } ] }\n",
	// Values of every type where scalars and blocks are expected.
	`{"notification_type":true,"event":1.5e3,"subject":null,"media":[{"tmdbId":1}],"request":"x","extra":{"name":"n"}}`,
	`{"notification_type":{"a":1},"event":[1,2]}`,
	`{"notification_type":-0.0,"media":{"tmdbId":[1],"media_type":{"x":"y"},"tvdbId":false}}`,
	`{"notification_type":"x","extra":[{"name":"a","value":"1"},{"name":"b","value":"2","name":"c"}]}`,
	// Liquid templates ({{ media.tmdbId | json }}, Seerr with LiquidJS): numbers and lists.
	`{"notification_type":"MEDIA_APPROVED","media":{"media_type":"tv","tmdbId":1399,"tvdbId":121361},"request":{"request_id":12},"extra":[{"name":"Requested Seasons","value":[1, 2,"3"]}]}`,
	`{"notification_type":["MEDIA_APPROVED"],"subject":["A","B"],"media":{"media_type":["tv"],"tmdbId":[1]},"extra":[{"name":"Requested Seasons","value":2},{"name":"x","value":[1,{"a":1}]},{"name":"y","value":[]},{"name":"z","value":[null,"a"]},{"name":"w","value":[" 1 ","\u0032",3e0,"{{x}}"]}]}`,
	// Not objects, not JSON, empty.
	`[]`, `null`, `"x"`, `12`, `{`, `{"a":1,}`, `{"a" 1}`, "", " ", "\xef\xbb\xbf", `{}`, `{"notification_type":""}`,
	"{\"notification_type\":\"x\"}\x00", `{"notification_type":"x"} {}`, `{"a":"` + "\x01" + `"}`,
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, body := range decodeEdgeCases {
		want, got := refDecode([]byte(body)), walkDecode([]byte(body))
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Errorf("body %q:\n got %#v\nwant %#v", body, got, want)
		}
	}
}

// FuzzDecodeMatchesEncodingJSON: decode and the block decodes make of any body exactly what
// encoding/json made of it.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	for _, s := range decodeEdgeCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want, got := refDecode(body), walkDecode(body)
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Fatalf("body %q:\n got %#v\nwant %#v", body, got, want)
		}
	})
}
