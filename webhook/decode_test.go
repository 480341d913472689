package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/jsonx"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

func TestSplitSubject(t *testing.T) {
	tests := []struct {
		in        string
		wantTitle string
		wantYear  int
	}{
		{"The Matrix (1999)", "The Matrix", 1999},
		{"  The Matrix (1999)  ", "The Matrix", 1999},
		{"Dune (2021) (2021)", "Dune (2021)", 2021},
		{"Blade Runner 2049", "Blade Runner 2049", 0},
		{"(1999)", "(1999)", 0},
		{"Title (99)", "Title (99)", 0},
		{"Title (+999)", "Title (+999)", 0},
		{"Title (-999)", "Title (-999)", 0},
		{"Title (0000)", "Title (0000)", 0},
		{"Title(1999)", "Title(1999)", 0},
		{"Title (1999", "Title (1999", 0},
		{"東京物語 (1953)", "東京物語", 1953},
		{"", "", 0},
		{strings.Repeat("é", 400) + " (2001)", strings.Repeat("é", maxTitleBytes/2), 2001},
	}
	for _, tt := range tests {
		title, year := splitSubject(tt.in)
		if title != tt.wantTitle || year != tt.wantYear {
			t.Errorf("splitSubject(%q) = %q, %d; want %q, %d", tt.in, title, year, tt.wantTitle, tt.wantYear)
		}
	}
}

func TestIs4K(t *testing.T) {
	tests := map[string]bool{
		"4K Movie Request Approved":                   true,
		"4K Series Request Automatically Approved":    true,
		"New 4K Movie Request":                        true,
		"Movie Request Approved":                      false,
		"Series Request Automatically Approved":       false,
		"":                                            false,
		"{{event}}":                                   false,
		"Movie Request Approved 4k":                   true,
		"Movie 4KB Request":                           false,
		"Request for 14K Gold (a title in the event)": false,
	}
	for in, want := range tests {
		if got := is4K(in); got != want {
			t.Errorf("is4K(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPositiveInt(t *testing.T) {
	tests := []struct {
		raw     string // JSON value; "" means absent
		want    int
		missing bool
		bad     bool
	}{
		{`"603"`, 603, false, false},
		{`" 603 "`, 603, false, false},
		{`603`, 603, false, false},
		{`603.0`, 603, false, false},
		{`6.03e2`, 603, false, false},
		{`"0603"`, 603, false, false},
		{`2147483647`, 2147483647, false, false},
		{``, 0, true, false},
		{`null`, 0, true, false},
		{`""`, 0, true, false},
		{`"{{media_tmdbid}}"`, 0, true, false},
		{`"abc"`, 0, false, true},
		{`"603abc"`, 0, false, true},
		{`"6.5"`, 0, false, true},
		{`"603.0"`, 0, false, true},
		{`6.5`, 0, false, true},
		{`0`, 0, false, true},
		{`"-1"`, 0, false, true},
		{`2147483648`, 0, false, true},
		{`1e300`, 0, false, true},
		{`true`, 0, false, true},
		{`{}`, 0, false, true},
		{`[1]`, 0, false, true},
		{`"{{a}} b"`, 0, false, true},
	}
	for _, tt := range tests {
		var s jsonx.Value
		if tt.raw != "" {
			_ = json.Unmarshal([]byte(tt.raw), &s)
		}
		got, err := positiveInt(s)
		switch {
		case tt.missing:
			if !errors.Is(err, errMissing) {
				t.Errorf("%s: err %v, want missing", tt.raw, err)
			}
		case tt.bad:
			if err == nil || errors.Is(err, errMissing) {
				t.Errorf("%s: got %d, %v; want an invalid-value error", tt.raw, got, err)
			}
		default:
			if err != nil || got != tt.want {
				t.Errorf("%s: got %d, %v; want %d", tt.raw, got, err, tt.want)
			}
		}
	}
}

func TestSeasons(t *testing.T) {
	extra := func(kv ...string) string {
		var parts []string
		for i := 0; i+1 < len(kv); i += 2 {
			parts = append(parts, `{"name":`+strconv.Quote(kv[i])+`,"value":`+kv[i+1]+`}`)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	tests := []struct {
		name  string
		extra string
		want  []int
		bad   bool
	}{
		{"specials first", extra("Requested Seasons", `"0, 1, 2"`), []int{0, 1, 2}, false},
		{"unsorted with duplicates", extra("Requested Seasons", `"3,1, 1 ,2"`), []int{1, 2, 3}, false},
		{"empty value", extra("Requested Seasons", `""`), nil, false},
		{"placeholder value", extra("Requested Seasons", `"{{extra}}"`), nil, false},
		{"number value", extra("Requested Seasons", `4`), []int{4}, false},
		{"name case and spaces", extra(" requested seasons ", `"5"`), []int{5}, false},
		{"two entries merge", extra("Requested Seasons", `"1"`, "Requested Seasons", `"2"`), []int{1, 2}, false},
		{"other extras ignored", extra("Affected Season", `"9"`, "Requested Seasons", `"1"`), []int{1}, false},
		{"no extra", `[]`, nil, false},
		{"extra null", `null`, nil, false},
		{"extra an object", `{"name":"Requested Seasons","value":"1"}`, nil, false},
		{"extra items not objects", `["Requested Seasons", 1, null]`, nil, false},
		// Liquid templates ({{ extra | json }}, Seerr with LiquidJS) send the list itself.
		{"array of numbers", extra("Requested Seasons", `[2, 0, 1]`), []int{0, 1, 2}, false},
		{"array of strings", extra("Requested Seasons", `["1", " 3 "]`), []int{1, 3}, false},
		{"empty array", extra("Requested Seasons", `[]`), nil, false},
		{"array with an object", extra("Requested Seasons", `[1, {"s":2}]`), nil, false},
		{"array with letters", extra("Requested Seasons", `[1, "two"]`), nil, true},
		{"array with a fraction", extra("Requested Seasons", `[1.5]`), nil, true},
		{"letters", extra("Requested Seasons", `"1, two"`), nil, true},
		{"negative", extra("Requested Seasons", `"-1"`), nil, true},
		{"too large", extra("Requested Seasons", `"10000"`), nil, true},
		{"range notation", extra("Requested Seasons", `"1-3"`), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decode([]byte(`{"notification_type":"MEDIA_APPROVED","extra":` + tt.extra + `}`))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.seasons()
			if tt.bad {
				var fe *fieldError
				if !errors.As(err, &fe) || fe.Field != `extra "Requested Seasons"` {
					t.Fatalf("err = %v, want a Requested Seasons field error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var nums []int
			for _, s := range got {
				nums = append(nums, s.Season)
			}
			if !reflect.DeepEqual(nums, tt.want) {
				t.Fatalf("seasons = %v, want %v", nums, tt.want)
			}
		})
	}
}

func TestDecodeTolerance(t *testing.T) {
	tests := []struct {
		name string
		body string
		want task.Input
	}{
		{"BOM and surrounding whitespace",
			"\xef\xbb\xbf \n" + `{"notification_type":"MEDIA_APPROVED","media":{"media_type":"movie","tmdbId":"1"},"request":{"request_id":"2"}}` + "\n",
			task.Input{RequestID: 2, TMDBID: 1, MediaType: task.TypeMovie, RequestStatus: 2}},
		{"keys in other case, unknown keys, media_type upper case",
			`{"Notification_Type":"media_approved","MEDIA":{"Media_Type":"TV","TMDBID":3,"x":[1,{}]},"request":{"REQUEST_ID":4,"requestedBy_settings_discordIds":"1,2"},"new":{"deep":[null]}}`,
			task.Input{RequestID: 4, TMDBID: 3, MediaType: task.TypeTV, RequestStatus: 2}},
		{"placeholders in optional fields mean missing",
			`{"notification_type":"MEDIA_APPROVED","event":"{{event}}","subject":"{{subject}}","media":{"media_type":"movie","tmdbId":"5","tvdbId":"{{media_tvdbid}}"},"request":{"request_id":"6","requestedBy_username":"{{requestedBy_username}}"}}`,
			task.Input{RequestID: 6, TMDBID: 5, MediaType: task.TypeMovie, RequestStatus: 2}},
		{"a bad tvdbId is ignored",
			`{"notification_type":"MEDIA_APPROVED","media":{"media_type":"tv","tmdbId":"5","tvdbId":"abc"},"request":{"request_id":"6"}}`,
			task.Input{RequestID: 6, TMDBID: 5, MediaType: task.TypeTV, RequestStatus: 2}},
		{"seasons on a movie are ignored",
			`{"notification_type":"MEDIA_APPROVED","media":{"media_type":"movie","tmdbId":"5"},"request":{"request_id":"6"},"extra":[{"name":"Requested Seasons","value":"1"}]}`,
			task.Input{RequestID: 6, TMDBID: 5, MediaType: task.TypeMovie, RequestStatus: 2}},
		{"invalid UTF-8 in the subject is replaced",
			"{\"notification_type\":\"MEDIA_APPROVED\",\"subject\":\"A\xffB (2000)\",\"media\":{\"media_type\":\"movie\",\"tmdbId\":\"5\"},\"request\":{\"request_id\":\"6\"}}",
			task.Input{RequestID: 6, TMDBID: 5, MediaType: task.TypeMovie, RequestStatus: 2, Title: "A\uFFFDB", Year: 2000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decode([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.approvalInput()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("input =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// fuzzSeeds are rendered payloads of every kind plus a few broken ones.
func fuzzSeeds() [][]byte {
	must := func(b []byte, err error) []byte {
		if err != nil {
			panic(err)
		}
		return b
	}
	movie := seerrhook.MovieApproved(1, 603, "The Matrix", 1999)
	tv := seerrhook.TVApproved(2, 1399, "Game of Thrones", 2011, []int{0, 1, 2})
	good := render(movie)
	return [][]byte{
		good,
		render(tv),
		render(tv.As4K().WithType("MEDIA_AUTO_APPROVED")),
		render(movie.WithType("MEDIA_DECLINED")),
		render(seerrhook.Test()),
		render(seerrhook.IssueCreated(3, 603, "M", 1999)),
		render(seerrhook.MovieApproved(4, 5, `Tom $& "Jerry" — 東京`, 2020)),
		render(withOverride(movie, "media_tmdbid", "{{media_tmdbid}}")),
		must(seerrhook.RenderNumeric(tv)),
		must(seerrhook.Renderer{DiscordIDs: true}.Render(movie)),
		good[:len(good)/2],
		[]byte(`null`),
		[]byte(`[]`),
		[]byte(`{}`),
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	st := newFakeStore()
	st.discard = true
	h := New(Options{Store: st, Log: zerolog.Nop(), MaxBody: 64 << 10})
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decode(body)
		if err != nil {
			var de *decodeError
			if !errors.As(err, &de) || de.msg == "" {
				t.Fatalf("decode error %T %v", err, err)
			}
		} else {
			if p.Type == "" {
				t.Fatal("decoded without a notification type")
			}
			in, err := p.approvalInput()
			if err == nil {
				if in.TMDBID <= 0 || in.RequestID <= 0 || !in.MediaType.Valid() {
					t.Fatalf("accepted approval with %+v", in)
				}
				if verr := in.Validate(); verr != nil {
					t.Fatalf("accepted approval fails Validate: %v", verr)
				}
				if in.Key() != "seerr:"+strconv.Itoa(in.RequestID) {
					t.Fatalf("key %q", in.Key())
				}
				if !slices.IsSortedFunc(in.Seasons, func(a, b task.SeasonRequest) int { return a.Season - b.Season }) {
					t.Fatalf("seasons not sorted: %v", in.Seasons)
				}
				if len(in.Title) > maxTitleBytes || !utf8.ValidString(in.Title) || len(in.RequestedBy) > maxRequestedByBytes {
					t.Fatalf("title/requester not bounded or not UTF-8: %q %q", in.Title, in.RequestedBy)
				}
			} else {
				var fe *fieldError
				if !errors.As(err, &fe) || fe.Field == "" {
					t.Fatalf("approval error %T %v is not a field error", err, err)
				}
			}
		}
		// The whole handler must answer with an envelope, whatever the body.
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/webhook/seerr", bytes.NewReader(body)))
		switch rec.Code {
		case http.StatusOK, http.StatusAccepted, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %q", rec.Body)
		}
	})
}

func BenchmarkDecodeApproval(b *testing.B) {
	body := render(seerrhook.TVApproved(1, 1399, "Game of Thrones", 2011, []int{0, 1, 2, 3}))
	b.ReportAllocs()
	for b.Loop() {
		p, err := decode(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.approvalInput(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBlockKinds: media and request decode as plain blocks in one pass; one that looks empty
// is told apart from a value of another kind, so the message names what came.
func TestBlockKinds(t *testing.T) {
	for _, tc := range []struct{ media, request, want string }{
		{`{}`, `{"request_id":"1"}`, "media.tmdbId is missing"},
		{`[1]`, `{"request_id":"1"}`, "media must be an object with tmdbId and media_type, got an array"},
		{`{"tmdbId":"5","media_type":"movie"}`, `"{{request}}"`, "request must be an object with request_id, got a string"},
		{`{"tmdbId":"5","media_type":"movie"}`, `{}`, "request.request_id is missing"},
		{`{"tmdbId":"5","media_type":"movie"}`, `7`, "request must be an object with request_id, got a number"},
	} {
		p, err := decode([]byte(`{"notification_type":"MEDIA_APPROVED","media":` + tc.media + `,"request":` + tc.request + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.approvalInput(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("media %s request %s: %v, want %q", tc.media, tc.request, err, tc.want)
		}
	}
}
