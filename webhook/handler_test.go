package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging/logtest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

func seasons(n ...int) []task.SeasonRequest {
	out := make([]task.SeasonRequest, len(n))
	for i, s := range n {
		out[i] = task.SeasonRequest{Season: s}
	}
	return out
}

func TestApprovalsFromRealTemplate(t *testing.T) {
	movie := func(req, tmdb int, title string, year int, is4K bool) task.Input {
		return task.Input{RequestID: req, TMDBID: tmdb, MediaType: task.TypeMovie, Title: title, Year: year,
			Is4K: is4K, RequestedBy: "alice", RequestStatus: 2}
	}
	tv := func(req, tmdb int, title string, year int, is4K bool, s []task.SeasonRequest) task.Input {
		return task.Input{RequestID: req, TMDBID: tmdb, MediaType: task.TypeTV, Title: title, Year: year,
			Is4K: is4K, RequestedBy: "alice", RequestStatus: 2, Seasons: s}
	}
	tvWithTVDB := seerrhook.TVApproved(8, 1399, "Game of Thrones", 2011, []int{3, 1})
	tvWithTVDB.Media.TVDBID = 121361
	numeric, err := seerrhook.RenderNumeric(seerrhook.MovieApproved(9, 603, "The Matrix", 1999))
	if err != nil {
		t.Fatal(err)
	}
	v33Template := bytes.Replace(seerrhook.DefaultTemplate(), []byte(`"requestedBy_settings_discordId": "{{requestedBy_settings_discordId}}"`),
		[]byte(`"requestedBy_settings_discordIds": "{{requestedBy_settings_discordIds}}", "media_imdbid": "{{media_imdbid}}"`), 1)
	v33, err := seerrhook.Renderer{Template: v33Template, DiscordIDs: true}.Render(seerrhook.MovieApproved(10, 603, "The Matrix", 1999))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(v33Template, seerrhook.DefaultTemplate()) {
		t.Fatal("could not derive the 3.3 template")
	}
	oldTemplateOnV33, err := seerrhook.Renderer{DiscordIDs: true}.Render(seerrhook.MovieApproved(11, 603, "The Matrix", 1999))
	if err != nil {
		t.Fatal(err)
	}
	bigRequest := setJSON(render(seerrhook.MovieApproved(12, 603, "The Matrix", 1999)), func(m map[string]any) {
		m["message"] = strings.Repeat("x", int(DefaultMaxBody)) // filled up to the limit below
	})
	bigRequest = setJSON(bigRequest, func(m map[string]any) {
		m["message"] = strings.Repeat("x", int(DefaultMaxBody)-(len(bigRequest)-int(DefaultMaxBody)))
	})

	tests := []struct {
		name string
		body []byte
		want task.Input
	}{
		{"movie", render(seerrhook.MovieApproved(1, 603, "The Matrix", 1999)), movie(1, 603, "The Matrix", 1999, false)},
		{"tv with specials", render(seerrhook.TVApproved(2, 1399, "Game of Thrones", 2011, []int{0, 1, 2})),
			tv(2, 1399, "Game of Thrones", 2011, false, seasons(0, 1, 2))},
		{"tv seasons unsorted, tvdb id", render(tvWithTVDB), func() task.Input {
			in := tv(8, 1399, "Game of Thrones", 2011, false, seasons(1, 3))
			in.TVDBID = 121361
			return in
		}()},
		{"tv without Requested Seasons is accepted with no seasons",
			render(seerrhook.MediaNotification(seerrhook.Spec{Type: "MEDIA_APPROVED", MediaType: "tv", RequestID: 3, TMDBID: 1399, Title: "Game of Thrones", Year: 2011})),
			tv(3, 1399, "Game of Thrones", 2011, false, nil)},
		{"4K movie", render(seerrhook.MovieApproved(4, 603, "The Matrix", 1999).As4K()), movie(4, 603, "The Matrix", 1999, true)},
		{"4K tv auto-approved", render(seerrhook.TVApproved(5, 1399, "Game of Thrones", 2011, []int{1}).As4K().WithType("MEDIA_AUTO_APPROVED")),
			tv(5, 1399, "Game of Thrones", 2011, true, seasons(1))},
		{"auto-approved movie", render(seerrhook.MovieApproved(6, 27205, "Inception", 2010).WithType("MEDIA_AUTO_APPROVED")),
			movie(6, 27205, "Inception", 2010, false)},
		{"unicode title", render(seerrhook.MovieApproved(7, 194, "Le Fabuleux Destin d'Amélie Poulain — 東京", 2001)),
			movie(7, 194, "Le Fabuleux Destin d'Amélie Poulain — 東京", 2001, false)},
		{"quotes and backslash", render(seerrhook.MovieApproved(7, 1, `He said "Hi" \o/`, 2020)), movie(7, 1, `He said "Hi" \o/`, 2020, false)},
		{"dollar-ampersand title arrives corrupted and is kept as given", render(seerrhook.MovieApproved(7, 2, "Tom $& Jerry", 2020)),
			movie(7, 2, "Tom {{subject}} Jerry", 2020, false)},
		{"dollar-quote title", render(seerrhook.MovieApproved(7, 3, "Rock $' Roll", 1999)), movie(7, 3, "Rock  Roll", 1999, false)},
		{"no release year", render(seerrhook.MovieApproved(7, 4, "Untitled Project", 0)), movie(7, 4, "Untitled Project", 0, false)},
		{"title ending in a year in brackets", render(seerrhook.MovieApproved(7, 5, "Dune (2021)", 2021)), movie(7, 5, "Dune (2021)", 2021, false)},
		{"custom template with numbers", numeric, movie(9, 603, "The Matrix", 1999, false)},
		{"seerr 3.3 template with discordIds", v33, movie(10, 603, "The Matrix", 1999, false)},
		{"old template on seerr 3.3 (literal placeholder)", oldTemplateOnV33, movie(11, 603, "The Matrix", 1999, false)},
		{"body of exactly MaxBody bytes", bigRequest, movie(12, 603, "The Matrix", 1999, false)},
		// A Liquid template (Seerr with LiquidJS): `{{ media.tmdbId | json }}` sends real
		// numbers, `{{ extra | json }}`-style values real lists.
		{"liquid template: numbers and a season list", []byte(`{"notification_type":"MEDIA_APPROVED","event":"Series Request Approved",` +
			`"subject":"Game of Thrones (2011)","media":{"media_type":"tv","tmdbId":1399,"tvdbId":121361},` +
			`"request":{"request_id":13,"requestedBy_username":"alice","requestedBy_settings_discordIds":["1","2"]},` +
			`"extra":[{"name":"Requested Seasons","value":[2,1]}]}`), func() task.Input {
			in := tv(13, 1399, "Game of Thrones", 2011, false, seasons(1, 2))
			in.TVDBID = 121361
			return in
		}()},
		{"liquid template: one season as a number", []byte(`{"notification_type":"MEDIA_AUTO_APPROVED","event":"Series Request Automatically Approved",` +
			`"subject":"Game of Thrones (2011)","media":{"media_type":"tv","tmdbId":1399},"request":{"request_id":14,"requestedBy_username":"alice"},` +
			`"extra":[{"name":"Requested Seasons","value":3}]}`), tv(14, 1399, "Game of Thrones", 2011, false, seasons(3))},
	}
	if len(bigRequest) != int(DefaultMaxBody) {
		t.Fatalf("bigRequest is %d bytes, want %d", len(bigRequest), DefaultMaxBody)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture("")
			a := postBytes(t, f.h, tt.body, nil)
			if a.Status != http.StatusAccepted || a.Code != 0 {
				t.Fatalf("answer %d %d %q, want 202 0", a.Status, a.Code, a.Msg)
			}
			if len(f.store.enqueued) != 1 {
				t.Fatalf("store got %d enqueues, want 1", len(f.store.enqueued))
			}
			if got := f.store.enqueued[0]; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("input =\n%+v\nwant\n%+v", got, tt.want)
			}
			d := a.data(t)
			if d["taskId"] != "tsk_1" || d["status"] != "pending" || d["created"] != true {
				t.Fatalf("data = %v", d)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	f := newFixture("")
	r := chi.NewRouter()
	f.h.Routes(r)
	// Each also with a trailing slash (an easy paste mistake in Seerr's Webhook URL field).
	paths := []string{"/webhook/jellyseerr", "/webhook/seerr", "/webhook/overseerr",
		"/webhook/jellyseerr/", "/webhook/seerr/", "/webhook/overseerr/"}
	for i, path := range paths {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(render(seerrhook.MovieApproved(i+1, 603, "M", 1999))))
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			t.Errorf("POST %s = %d %s", path, rec.Code, rec.Body)
		}
		req = httptest.NewRequest(http.MethodGet, path, nil)
		rec = httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("GET %s = %d, want 405", path, rec.Code)
		}
	}
	if n, _ := f.store.counts(); n != len(paths) {
		t.Fatalf("enqueued %d, want %d", n, len(paths))
	}
	// Used without the router, the handler itself refuses other methods.
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhook/seerr", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
		t.Fatalf("GET = %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestNonApprovals(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		wantMsg string
	}{
		{"test notification", render(seerrhook.Test()), "the webhook works"},
		{"pending", render(seerrhook.MovieApproved(1, 603, "M", 1999).WithType("MEDIA_PENDING")), "ignored MEDIA_PENDING: the request is not approved yet"},
		{"available", render(seerrhook.TVApproved(1, 1399, "S", 2011, []int{1}).WithType("MEDIA_AVAILABLE")), "ignored MEDIA_AVAILABLE: the media is already available"},
		{"failed", render(seerrhook.MovieApproved(1, 603, "M", 1999).WithType("MEDIA_FAILED")), "ignored MEDIA_FAILED"},
		{"auto requested", render(seerrhook.MovieApproved(1, 603, "M", 1999).WithType("MEDIA_AUTO_REQUESTED")), "ignored MEDIA_AUTO_REQUESTED"},
		{"issue", render(seerrhook.IssueCreated(4, 603, "M", 1999)), "ignored ISSUE_CREATED: issues are not handled"},
		{"issue comment", render(seerrhook.IssueCreated(4, 603, "M", 1999).WithType("ISSUE_COMMENT")), "ignored ISSUE_COMMENT"},
		{"unknown type", []byte(`{"notification_type":"SOMETHING_NEW"}`), "ignored SOMETHING_NEW: unknown notification type"},
		{"lower-case type still recognised", []byte(`{"notification_type":"test_notification","media":null}`), "the webhook works"},
		{"pending with broken media is still just ignored", []byte(`{"notification_type":"MEDIA_PENDING","media":{"tmdbId":"abc"},"request":null}`), "ignored MEDIA_PENDING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture("")
			a := postBytes(t, f.h, tt.body, nil)
			if a.Status != http.StatusOK || a.Code != 0 || string(a.Data) != "null" {
				t.Fatalf("answer %d %d %s %q, want 200 0 null", a.Status, a.Code, a.Data, a.Msg)
			}
			if !strings.Contains(a.Msg, tt.wantMsg) {
				t.Fatalf("msg %q lacks %q", a.Msg, tt.wantMsg)
			}
			if e, c := f.store.counts(); e+c != 0 {
				t.Fatalf("store touched: %d enqueues, %d cancels", e, c)
			}
		})
	}
}

// nestedArray is n levels of [ ], deeper than encoding/json accepts.
func nestedArray(n int) []byte {
	return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
}

func TestBadInputs(t *testing.T) {
	const secret = "s3cret-Value"
	auth := map[string]string{"Authorization": secret}
	movie := seerrhook.MovieApproved(21, 603, "The Matrix", 1999)
	good := render(movie)
	overLimit := setJSON(good, func(m map[string]any) { m["message"] = strings.Repeat("y", int(DefaultMaxBody)) })
	noMedia := movie
	noMedia.Media = nil
	noRequest := movie
	noRequest.Request = nil
	declineNoRequest := movie.WithType("MEDIA_DECLINED")
	declineNoRequest.Request = nil

	tests := []struct {
		name    string
		body    io.Reader
		headers map[string]string
		status  int
		code    envelope.Code
		msg     string
	}{
		{"empty body", strings.NewReader(""), auth, 400, 1001, "the body is empty"},
		{"whitespace body", strings.NewReader(" \n\t"), auth, 400, 1001, "the body is empty"},
		{"null", strings.NewReader("null"), auth, 400, 1001, "must be a JSON object, got null"},
		{"array", strings.NewReader("[]"), auth, 400, 1001, "must be a JSON object, got an array"},
		{"string", strings.NewReader(`"x"`), auth, 400, 1001, "must be a JSON object, got a string"},
		{"number", strings.NewReader(`42`), auth, 400, 1001, "must be a JSON object, got a number"},
		{"truncated JSON", bytes.NewReader(good[:len(good)/2]), auth, 400, 1001, "not valid JSON"},
		{"trailing garbage", strings.NewReader(string(good) + " x"), auth, 400, 1001, "not valid JSON"},
		{"form body", strings.NewReader("notification_type=MEDIA_APPROVED"), map[string]string{"Authorization": secret, "Content-Type": "application/x-www-form-urlencoded"}, 400, 1001, "Content-Type: application/json"},
		{"too deeply nested", bytes.NewReader(nestedArray(20000)), auth, 400, 1001, "not valid JSON"},
		{"missing notification_type", strings.NewReader(`{}`), auth, 400, 1001, "notification_type is missing"},
		{"empty notification_type", strings.NewReader(`{"notification_type":""}`), auth, 400, 1001, "notification_type is missing"},
		{"placeholder notification_type", strings.NewReader(`{"notification_type":"{{notification_type}}"}`), auth, 400, 1001, "notification_type is missing"},
		{"object notification_type", strings.NewReader(`{"notification_type":{"a":1}}`), auth, 400, 1001, "notification_type is missing"},
		{"tmdbId abc", bytes.NewReader(render(withOverride(movie, "media_tmdbid", "abc"))), auth, 400, 1001, `media.tmdbId must be a positive integer, got "abc"`},
		{"tmdbId placeholder", bytes.NewReader(render(withOverride(movie, "media_tmdbid", "{{media_tmdbid}}"))), auth, 400, 1001, `media.tmdbId is missing: Seerr left the placeholder "{{media_tmdbid}}" unreplaced`},
		{"tmdbId 0", bytes.NewReader(render(withOverride(movie, "media_tmdbid", "0"))), auth, 400, 1001, `media.tmdbId must be a positive integer, got "0"`},
		{"tmdbId -1", bytes.NewReader(render(withOverride(movie, "media_tmdbid", "-1"))), auth, 400, 1001, `media.tmdbId must be a positive integer, got "-1"`},
		{"tmdbId empty", bytes.NewReader(render(withOverride(movie, "media_tmdbid", ""))), auth, 400, 1001, "media.tmdbId is missing"},
		{"tmdbId too large", bytes.NewReader(render(withOverride(movie, "media_tmdbid", "99999999999"))), auth, 400, 1001, "media.tmdbId must be a positive integer"},
		{"tmdbId fraction", bytes.NewReader(setJSON(good, func(m map[string]any) { m["media"].(map[string]any)["tmdbId"] = 1.5 })), auth, 400, 1001, `media.tmdbId must be a positive integer, got "1.5"`},
		{"tmdbId boolean", bytes.NewReader(setJSON(good, func(m map[string]any) { m["media"].(map[string]any)["tmdbId"] = true })), auth, 400, 1001, "media.tmdbId must be a positive integer, got a boolean"},
		{"media null on approval", bytes.NewReader(render(noMedia)), auth, 400, 1001, "media must be an object with tmdbId and media_type, got null"},
		{"media a string", bytes.NewReader(setJSON(good, func(m map[string]any) { m["media"] = "{{media}}" })), auth, 400, 1001, "media must be an object with tmdbId and media_type, got a string"},
		{"media absent", bytes.NewReader(setJSON(good, func(m map[string]any) { delete(m, "media") })), auth, 400, 1001, "got absent"},
		{"request null on approval", bytes.NewReader(render(noRequest)), auth, 400, 1001, "request must be an object with request_id, got null"},
		{"request_id missing", bytes.NewReader(setJSON(good, func(m map[string]any) { delete(m["request"].(map[string]any), "request_id") })), auth, 400, 1001, "request.request_id is missing"},
		{"request_id empty", bytes.NewReader(render(withOverride(movie, "request_id", ""))), auth, 400, 1001, "request.request_id is missing"},
		{"request_id abc", bytes.NewReader(render(withOverride(movie, "request_id", "abc"))), auth, 400, 1001, `request.request_id must be a positive integer, got "abc"`},
		{"media_type music", bytes.NewReader(render(withOverride(movie, "media_type", "music"))), auth, 400, 1001, `media.media_type must be "movie" or "tv", got "music"`},
		{"media_type missing", bytes.NewReader(render(withOverride(movie, "media_type", ""))), auth, 400, 1001, "media.media_type is missing"},
		{"control: a valid TV approval passes", bytes.NewReader(render(seerrhook.TVApproved(22, 1399, "S", 2011, []int{1}))), auth, 202, 0, "queued as task tsk_1"},
		{"season not a number", bytes.NewReader(setJSON(render(seerrhook.TVApproved(22, 1399, "S", 2011, []int{1})), func(m map[string]any) {
			m["extra"] = []any{map[string]any{"name": "Requested Seasons", "value": "1, x"}}
		})), auth, 400, 1001, `extra "Requested Seasons" must list season numbers like "1, 2, 3", got "1, x"`},
		{"negative season", bytes.NewReader(setJSON(render(seerrhook.TVApproved(22, 1399, "S", 2011, []int{1})), func(m map[string]any) {
			m["extra"] = []any{map[string]any{"name": "Requested Seasons", "value": "-1"}}
		})), auth, 400, 1001, `extra "Requested Seasons"`},
		{"decline without request", bytes.NewReader(render(declineNoRequest)), auth, 400, 1001, "request must be an object"},
		{"body over 1 MiB with Content-Length", bytes.NewReader(overLimit), auth, 413, 1001, "larger than 1048576 bytes"},
		{"body over 1 MiB chunked", io.MultiReader(bytes.NewReader(overLimit)), auth, 413, 1001, "larger than 1048576 bytes"},
		{"wrong secret", bytes.NewReader(good), map[string]string{"Authorization": "wrong"}, 401, -32001, "does not match; set the Authorization Header of Seerr's webhook agent to the WEBHOOK_SECRET value"},
		{"wrong bearer", bytes.NewReader(good), map[string]string{"Authorization": "Bearer wrong"}, 401, -32001, "does not match"},
		{"secret with a suffix", bytes.NewReader(good), map[string]string{"Authorization": secret + "x"}, 401, -32001, "does not match"},
		{"missing Authorization", bytes.NewReader(good), nil, 401, -32001, "the Authorization header is missing; set the Authorization Header"},
		{"empty bearer", bytes.NewReader(good), map[string]string{"Authorization": "Bearer "}, 401, -32001, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(secret)
			a := post(t, f.h, tt.body, tt.headers)
			if a.Status != tt.status || envelope.Code(a.Code) != tt.code {
				t.Fatalf("answer %d %d %q, want %d %d", a.Status, a.Code, a.Msg, tt.status, tt.code)
			}
			if !strings.Contains(a.Msg, tt.msg) {
				t.Fatalf("msg %q lacks %q", a.Msg, tt.msg)
			}
			e, c := f.store.counts()
			if tt.status == 202 {
				if e != 1 {
					t.Fatalf("control case: %d enqueues, want 1", e)
				}
				return
			}
			if e+c != 0 {
				t.Fatalf("store touched: %d enqueues, %d cancels", e, c)
			}
			if string(a.Data) != "null" {
				t.Fatalf("error data = %s, want null", a.Data)
			}
			if strings.Contains(a.Raw, secret) || strings.Contains(f.log.String(), secret) {
				t.Fatal("the secret leaked into the answer or the log")
			}
		})
	}
	if len(tests) < 20 {
		t.Fatalf("only %d bad inputs", len(tests))
	}
}

func TestAuth(t *testing.T) {
	const secret = "hunter2-S3cret"
	body := render(seerrhook.MovieApproved(1, 603, "M", 1999))
	tests := []struct {
		name   string
		secret string
		header string
		status int
	}{
		{"verbatim", secret, secret, 202},
		{"bearer", secret, "Bearer " + secret, 202},
		{"bearer scheme is case-insensitive", secret, "bearer " + secret, 202},
		{"secret itself starting with Bearer", "Bearer " + secret, "Bearer " + secret, 202},
		{"no secret configured accepts anything", "", "whatever", 202},
		{"no secret configured accepts no header", "", "", 202},
		{"wrong", secret, "hunter2-wrong", 401},
		{"prefix of the secret", secret, secret[:5], 401},
		{"bearer of a prefix", secret, "Bearer " + secret[:5], 401},
		{"basic scheme", secret, "Basic " + secret, 401},
		{"missing", secret, "", 401},
		{"case differs", secret, strings.ToUpper(secret), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.secret)
			a := postBytes(t, f.h, body, map[string]string{"Authorization": tt.header})
			if a.Status != tt.status {
				t.Fatalf("status %d %q, want %d", a.Status, a.Msg, tt.status)
			}
			logs := f.log.String()
			for _, s := range []string{secret, "hunter2", tt.header} {
				if s == "" {
					continue
				}
				if strings.Contains(a.Raw, s) {
					t.Fatalf("answer holds %q: %s", s, a.Raw)
				}
				if strings.Contains(logs, s) {
					t.Fatalf("log holds %q: %s", s, logs)
				}
			}
			if e, _ := f.store.counts(); (e == 1) != (tt.status == 202) {
				t.Fatalf("enqueues = %d for status %d", e, tt.status)
			}
		})
	}
}

func TestDuplicateStorm(t *testing.T) {
	f := newFixture("")
	start := make(chan struct{})
	f.store.enqueueHook = func() { <-start } // hold every call until all 50 are in flight
	body := render(seerrhook.TVApproved(77, 1399, "Game of Thrones", 2011, []int{1, 2}))
	const n = 50
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = postBytes(t, f.h, body, nil)
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for i, a := range answers {
		if a.Status != http.StatusAccepted || a.Code != 0 {
			t.Fatalf("answer %d: %d %d %q", i, a.Status, a.Code, a.Msg)
		}
		d := a.data(t)
		if d["taskId"] != "tsk_1" {
			t.Fatalf("answer %d: taskId %v", i, d["taskId"])
		}
		if d["created"] == true {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("created:true in %d answers, want exactly 1", created)
	}
	if len(f.store.tasks) != 1 {
		t.Fatalf("store holds %d tasks", len(f.store.tasks))
	}
}

func TestStoreErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   envelope.Code
		msg    string
	}{
		{"store unavailable", errors.New("disk I/O error"), 503, 5000, "stored nothing. The reconcile loop will pick the request up from Seerr later"},
		{"store closed", taskdb.ErrClosed, 503, 5000, "stored nothing"},
		{"deadline", context.DeadlineExceeded, 503, 5000, "stored nothing"},
		{"store rejects the input", fmt.Errorf("%w: season 3 is odd", task.ErrInvalid), 400, 1001, "invalid task: season 3 is odd; nothing stored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture("")
			f.store.enqueueErr = tt.err
			a := postBytes(t, f.h, render(seerrhook.MovieApproved(1, 603, "M", 1999)), nil)
			if a.Status != tt.status || envelope.Code(a.Code) != tt.code || !strings.Contains(a.Msg, tt.msg) {
				t.Fatalf("answer %d %d %q, want %d %d %q", a.Status, a.Code, a.Msg, tt.status, tt.code, tt.msg)
			}
			if strings.Contains(a.Msg, "disk I/O") {
				t.Fatal("the store's error leaked into the answer")
			}
			if len(f.store.tasks) != 0 {
				t.Fatal("a task was stored")
			}
			if tt.status == 503 && !strings.Contains(f.log.String(), `"level":"error"`) {
				t.Fatalf("store failure not logged at error: %s", f.log.String())
			}
		})
	}
	t.Run("nil store", func(t *testing.T) {
		h := New(Options{})
		a := postBytes(t, h, render(seerrhook.MovieApproved(1, 603, "M", 1999)), nil)
		if a.Status != 503 || a.Code != 5000 {
			t.Fatalf("answer %d %d", a.Status, a.Code)
		}
	})
}

func TestDecline(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(key string) (task.Task, error)
		status  int
		code    envelope.Code
		msg     string
		outcome string
	}{
		{"cancelled", func(string) (task.Task, error) {
			return task.Task{ID: "tsk_9", Status: task.StatusCancelled}, nil
		}, 200, 0, "request 31 was declined in Seerr: task tsk_9 cancelled", OutcomeCancelled},
		{"no task", func(string) (task.Task, error) { return task.Task{}, task.ErrNotFound }, 200, 0,
			"it has no task, nothing to cancel", OutcomeNoTask},
		{"already sent", func(string) (task.Task, error) {
			return task.Task{}, fmt.Errorf("task tsk_9: %w", fmt.Errorf("%w: already sent to MoviePilot", task.ErrConflict))
		}, 200, 0, "its task was already sent to MoviePilot; it was left as is", OutcomeAlreadySent},
		{"already finished", func(string) (task.Task, error) {
			return task.Task{}, &task.TransitionError{ID: "tsk_9", From: task.StatusSuccess, To: task.StatusCancelled}
		}, 200, 0, "task tsk_9 is already success and was left as is", OutcomeAlreadySent},
		{"already cancelled", func(string) (task.Task, error) {
			return task.Task{}, &task.TransitionError{ID: "tsk_9", From: task.StatusCancelled, To: task.StatusCancelled}
		}, 200, 0, "task tsk_9 was already cancelled", OutcomeAlreadySent},
		{"store down", func(string) (task.Task, error) { return task.Task{}, errors.New("bolt: timeout") }, 503, 5000,
			"stored nothing", OutcomeStoreError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture("")
			f.store.cancelFn = tt.fn
			var outcomes []string
			f.h.observe = func(typ, outcome string, _ time.Duration) { outcomes = append(outcomes, typ+"/"+outcome) }
			body := render(seerrhook.MovieApproved(31, 603, "M", 1999).WithType("MEDIA_DECLINED"))
			a := postBytes(t, f.h, body, nil)
			if a.Status != tt.status || envelope.Code(a.Code) != tt.code || !strings.Contains(a.Msg, tt.msg) {
				t.Fatalf("answer %d %d %q, want %d %d %q", a.Status, a.Code, a.Msg, tt.status, tt.code, tt.msg)
			}
			if want := []string{"seerr:31|" + DeclineReason}; !reflect.DeepEqual(f.store.cancels, want) {
				t.Fatalf("CancelUnsent calls %v, want %v", f.store.cancels, want)
			}
			if len(f.store.enqueued) != 0 {
				t.Fatal("a decline enqueued a task")
			}
			if want := []string{"MEDIA_DECLINED/" + tt.outcome}; !reflect.DeepEqual(outcomes, want) {
				t.Fatalf("observed %v, want %v", outcomes, want)
			}
		})
	}
}

func TestObserveAndLog(t *testing.T) {
	var mu sync.Mutex
	var got []string
	var tooks []time.Duration // implausible durations
	var logBuf logtest.Sink
	st := newFakeStore()
	h := New(Options{Store: st, Secret: "k", Log: logBuf.Logger(zerolog.InfoLevel),
		Observe: func(typ, outcome string, took time.Duration) {
			mu.Lock()
			got = append(got, typ+"/"+outcome)
			if took <= 0 || took > time.Minute {
				tooks = append(tooks, took)
			}
			mu.Unlock()
		}})
	auth := map[string]string{"Authorization": "k"}
	postBytes(t, h, render(seerrhook.MovieApproved(5, 603, "M", 1999)), auth)
	postBytes(t, h, render(seerrhook.MovieApproved(5, 603, "M", 1999)), auth)
	postBytes(t, h, render(seerrhook.TVApproved(6, 1399, "S", 2011, []int{1})), auth)
	postBytes(t, h, render(seerrhook.TVApproved(6, 1399, "S", 2011, []int{2})), auth)
	postBytes(t, h, render(seerrhook.Test()), auth)
	postBytes(t, h, []byte(`{"notification_type":"NEW_THING"}`), auth)
	postBytes(t, h, []byte(`[]`), auth)
	postBytes(t, h, []byte(`{}`), nil)
	want := []string{"MEDIA_APPROVED/enqueued", "MEDIA_APPROVED/duplicate", "MEDIA_APPROVED/enqueued", "MEDIA_APPROVED/merged",
		"TEST_NOTIFICATION/test", "OTHER/ignored", "/invalid", "/unauthorized"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("observed\n%v\nwant\n%v", got, want)
	}
	if len(tooks) > 0 {
		t.Errorf("implausible observed durations %v", tooks)
	}
	logs := logBuf.String()
	for _, s := range []string{`"component":"webhook"`, `"notification_type":"MEDIA_APPROVED"`, `"request_id":5`, `"tmdb_id":603`,
		`"task_id":"tsk_1"`, `"outcome":"enqueued"`, `"outcome":"test"`} {
		if !strings.Contains(logs, s) {
			t.Errorf("log lacks %s", s)
		}
	}
	// Info level logs no body: the subject and the requester's e-mail never appear.
	for _, s := range []string{"alice@example.com", "An overview", `"body"`} {
		if strings.Contains(logs, s) {
			t.Errorf("info log holds %q", s)
		}
	}
	if n := strings.Count(logs, "\n"); n != len(want) {
		t.Errorf("%d log lines for %d webhooks", n, len(want))
	}
}

func BenchmarkHandler(b *testing.B) {
	st := newFakeStore()
	st.discard = true
	h := New(Options{Store: st, Secret: "bench-secret", Log: zerolog.Nop()})
	body := render(seerrhook.TVApproved(1, 1399, "Game of Thrones", 2011, []int{0, 1, 2, 3}))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/webhook/seerr", bytes.NewReader(body))
			req.Header.Set("Authorization", "bench-secret")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusAccepted {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// TestAuthCustomHeader: WEBHOOK_SECRET_HEADER names a custom header (Seerr 3.2+ sends the
// webhook agent's customHeaders); the secret is read from it, compared in constant time and
// never echoed. Authorization is then not consulted, and Seerr's authHeader still goes there.
func TestAuthCustomHeader(t *testing.T) {
	const secret = "hunter2-S3cret"
	body := render(seerrhook.MovieApproved(1, 603, "M", 1999))
	tests := []struct {
		name       string
		configured string
		headers    map[string]string
		status     int
		msg        string
	}{
		{"custom header verbatim", "X-Seerrpilot-Secret", map[string]string{"X-Seerrpilot-Secret": secret}, 202, ""},
		{"name is case-insensitive", "x-seerrpilot-secret", map[string]string{"X-SEERRPILOT-SECRET": secret}, 202, ""},
		{"bearer form in the custom header", "X-Seerrpilot-Secret", map[string]string{"X-Seerrpilot-Secret": "Bearer " + secret}, 202, ""},
		{"secret in Authorization only", "X-Seerrpilot-Secret", map[string]string{"Authorization": secret}, 401,
			"the X-Seerrpilot-Secret header is missing; add a custom header X-Seerrpilot-Secret (WEBHOOK_SECRET_HEADER)"},
		{"wrong value", "X-Seerrpilot-Secret", map[string]string{"X-Seerrpilot-Secret": "hunter2-wrong", "Authorization": secret}, 401,
			"the X-Seerrpilot-Secret header does not match"},
		{"Seerr's authHeader set to something else", "X-Seerrpilot-Secret",
			map[string]string{"Authorization": "Basic abc", "X-Seerrpilot-Secret": secret}, 202, ""},
		{"empty option means Authorization", "", map[string]string{"Authorization": secret}, 202, ""},
		{"empty option: a custom header is not read", "", map[string]string{"X-Seerrpilot-Secret": secret}, 401,
			"the Authorization header is missing; set the Authorization Header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fixture{store: newFakeStore(), log: &logtest.Sink{}}
			f.h = New(Options{Store: f.store, Secret: secret, SecretHeader: tt.configured,
				Log: f.log.Logger(zerolog.DebugLevel)})
			a := postBytes(t, f.h, body, tt.headers)
			if a.Status != tt.status || !strings.Contains(a.Msg, tt.msg) {
				t.Fatalf("answer %d %q, want %d %q", a.Status, a.Msg, tt.status, tt.msg)
			}
			if strings.Contains(a.Raw, "hunter2") || strings.Contains(f.log.String(), "hunter2") {
				t.Fatal("the secret (or the value sent) leaked into the answer or the log")
			}
			if e, _ := f.store.counts(); (e == 1) != (tt.status == 202) {
				t.Fatalf("enqueues = %d for status %d", e, tt.status)
			}
		})
	}
}
