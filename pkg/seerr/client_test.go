package seerr_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

func newClient(t *testing.T, baseURL, key string, mod ...func(*seerr.Config)) *seerr.Client {
	t.Helper()
	// The per-call timeout is not what most tests check (those that do set their own): it
	// only has to outlast a loaded machine, so it comes from the test's own deadline.
	cfg := seerr.Config{BaseURL: baseURL, APIKey: key, Timeout: testbudget.Budget(t)}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := seerr.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func clientFor(t *testing.T, srv *seerrtest.Server) *seerr.Client {
	t.Helper()
	return newClient(t, srv.URL(), srv.APIKey())
}

func TestNewValidation(t *testing.T) {
	cases := []struct {
		name    string
		cfg     seerr.Config
		wantErr string
	}{
		{"ok", seerr.Config{BaseURL: "http://seerr:5055", APIKey: "k"}, ""},
		{"ok sub-path slash", seerr.Config{BaseURL: "https://host/seerr/", APIKey: "k"}, ""},
		{"no key is allowed (status only)", seerr.Config{BaseURL: "http://seerr:5055"}, ""},
		{"empty", seerr.Config{}, "BaseURL is empty"},
		{"scheme", seerr.Config{BaseURL: "ftp://seerr"}, "scheme"},
		{"no scheme", seerr.Config{BaseURL: "seerr:5055"}, "scheme"},
		{"no host", seerr.Config{BaseURL: "http:///x"}, "no host"},
		{"query", seerr.Config{BaseURL: "http://seerr/?a=b"}, "query"},
		{"password not echoed", seerr.Config{BaseURL: "ftp://u:pa55word@seerr"}, "scheme"},
		{"control char key", seerr.Config{BaseURL: "http://seerr", APIKey: "abc\ndef"}, "control"},
		{"negative timeout", seerr.Config{BaseURL: "http://seerr", Timeout: -time.Second}, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := seerr.New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "pa55word") || strings.Contains(err.Error(), "abc\ndef") {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestBaseURLForms(t *testing.T) {
	cases := []struct {
		name, basePath, suffix string
	}{
		{"root", "", ""},
		{"root trailing slash", "", "/"},
		{"sub-path", "/seerr", ""},
		{"sub-path trailing slash", "/seerr", "/"},
		{"sub-path with api/v1", "/seerr", "/api/v1/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: "3.1.0", BasePath: tc.basePath})
			defer srv.Close()
			srv.AddRequest(seerr.Request{Status: seerr.RequestApproved})
			c := newClient(t, srv.URL()+tc.suffix, srv.APIKey())
			st, err := c.Status(context.Background())
			if err != nil || st.Version != "3.1.0" {
				t.Fatalf("Status = %+v, %v", st, err)
			}
			p, err := c.ListRequests(context.Background(), seerr.ListOptions{})
			if err != nil || len(p.Results) != 1 {
				t.Fatalf("ListRequests = %+v, %v", p, err)
			}
			for _, call := range srv.Calls() {
				if !strings.HasPrefix(call.Path, tc.basePath+"/api/v1/") || strings.Contains(call.Path, "//") {
					t.Fatalf("bad path %q", call.Path)
				}
			}
		})
	}
}

func TestStatusPerVersion(t *testing.T) {
	for _, v := range []string{"1.34.0", "2.7.3", "3.1.0"} {
		t.Run(v, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: v})
			defer srv.Close()
			c := clientFor(t, srv)
			st, err := c.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Version != v || st.CommitTag != "local" {
				t.Fatalf("status %+v", st)
			}
			if calls := srv.Calls(); len(calls) != 1 || calls[0].KeyOK {
				t.Fatalf("status must be sent without the API key: %+v", calls)
			}
		})
	}
}

// mixed adds n requests cycling through statuses, types, 4K and media statuses valid
// for the version, and returns the APPROVED ids Deliverable keeps (what filter=approved
// plus Deliverable yields).
func mixed(f *seerrtest.Fake, n int, modern bool) map[int]bool {
	deliverable := map[int]bool{}
	reqStatuses := []int{1, 2, 3, 4}
	if modern {
		reqStatuses = append(reqStatuses, 5)
	}
	for i := 0; i < n; i++ {
		r := seerr.Request{
			Status: reqStatuses[i%len(reqStatuses)],
			Type:   []string{seerr.TypeMovie, seerr.TypeTV}[i%2],
			Is4K:   i%7 == 0,
			Media:  seerr.Media{TMDBID: 10000 + i},
		}
		ms := []int{2, 3, 4, 5}[(i/3)%4]
		if r.Is4K {
			r.Media.Status4K = ms
		} else {
			r.Media.Status = ms
		}
		id := f.AddRequest(r)
		if r.Status == seerr.RequestApproved && ms != seerr.MediaAvailable {
			deliverable[id] = true
		}
	}
	return deliverable
}

func TestWalkPaging123(t *testing.T) {
	cases := []struct {
		version   string
		wantSort  bool
		wantPages int
	}{
		{"3.1.0", true, 3},
		{"2.7.3", true, 3},
		{"1.34.0", false, 3},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: tc.version})
			defer srv.Close()
			mixed(srv.Fake, 123, tc.version != "1.34.0")
			c := clientFor(t, srv)
			seen := map[int]int{}
			st, err := c.Walk(context.Background(), seerr.WalkOptions{Take: 50, Features: seerr.FeaturesFor(tc.version)},
				func(r seerr.Request) error { seen[r.ID]++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if st.Pages != tc.wantPages || st.Seen != 123 || st.Duplicates != 0 || st.SortDropped {
				t.Fatalf("stats %+v", st)
			}
			for id := 1; id <= 123; id++ {
				if seen[id] != 1 {
					t.Fatalf("id %d seen %d times", id, seen[id])
				}
			}
			calls := srv.Calls()
			if len(calls) != 3 {
				t.Fatalf("%d calls, want 3", len(calls))
			}
			for i, call := range calls {
				q := call.Query
				// Each page after the first starts at the last row read (the anchor).
				wantTake, wantSkip := "50", ""
				if i > 0 {
					wantTake, wantSkip = "51", fmt.Sprint(50*i-1)
				}
				if q.Get("take") != wantTake || q.Get("skip") != wantSkip {
					t.Fatalf("call %d query %v", i, q)
				}
				if got := q.Get("sortDirection") == "asc" && q.Get("sort") == "added"; got != tc.wantSort {
					t.Fatalf("call %d sort sent=%v, want %v (%v)", i, got, tc.wantSort, q)
				}
				if !tc.wantSort && (q.Has("sortDirection") || q.Has("sort")) {
					t.Fatalf("call %d sent sort params to %s: %v", i, tc.version, q)
				}
			}
		})
	}
}

func TestWalkFilterIgnoredByServer(t *testing.T) {
	cases := []struct {
		name   string
		ignore bool
	}{
		{"server honours filter", false},
		{"server ignores filter", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: "3.1.0", IgnoreFilter: tc.ignore})
			defer srv.Close()
			want := mixed(srv.Fake, 80, true)
			c := clientFor(t, srv)
			var returned int
			got := map[int]bool{}
			_, err := c.Walk(context.Background(), seerr.WalkOptions{Filter: seerr.FilterApproved, Take: 20,
				Features: seerr.FeaturesFor("3.1.0")}, func(r seerr.Request) error {
				returned++
				if ok, _ := seerr.Deliverable(r); ok && r.Status == seerr.RequestApproved {
					got[r.ID] = true
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.ignore && returned != 80 {
				t.Fatalf("a filter-ignoring server returns everything; walk returned %d", returned)
			}
			if !tc.ignore && returned >= 80 {
				t.Fatalf("filter had no effect: %d", returned)
			}
			if len(got) != len(want) {
				t.Fatalf("deliverable %d, want %d", len(got), len(want))
			}
			for id := range want {
				if !got[id] {
					t.Fatalf("deliverable id %d missed", id)
				}
			}
		})
	}
}

func TestWalkPageShifting(t *testing.T) {
	cases := []struct {
		name         string
		version      string
		dupsExpected bool
	}{
		{"seerr sorted asc", "3.1.0", false},
		{"overseerr newest first", "1.34.0", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var added []int
			var mu sync.Mutex
			srv := seerrtest.New(seerrtest.Options{Version: tc.version, Hook: func(f *seerrtest.Fake, c seerrtest.Call) {
				// Before pages 2 and 3, five new approved requests arrive.
				if c.Path == "/api/v1/request" && c.Query.Get("skip") != "" {
					for i := 0; i < 5; i++ {
						id := f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{Status: seerr.MediaProcessing}})
						mu.Lock()
						added = append(added, id)
						mu.Unlock()
					}
				}
			}})
			defer srv.Close()
			for i := 0; i < 45; i++ {
				srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{Status: seerr.MediaProcessing}})
			}
			c := clientFor(t, srv)
			calls := map[int]int{}
			st, err := c.Walk(context.Background(), seerr.WalkOptions{Filter: seerr.FilterApproved, Take: 20,
				Features: seerr.FeaturesFor(tc.version)}, func(r seerr.Request) error { calls[r.ID]++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			for id, n := range calls {
				if n != 1 {
					t.Fatalf("fn called %d times for id %d", n, id)
				}
			}
			if tc.dupsExpected != (st.Duplicates > 0) {
				t.Fatalf("duplicates %d, expected some: %v", st.Duplicates, tc.dupsExpected)
			}
			for id := 1; id <= 45; id++ {
				if calls[id] != 1 {
					t.Fatalf("pre-existing approved request %d missed (stats %+v)", id, st)
				}
			}
			if !tc.dupsExpected {
				mu.Lock()
				defer mu.Unlock()
				for _, id := range added {
					if calls[id] != 1 {
						t.Fatalf("request %d added during an ascending walk was missed", id)
					}
				}
			}
		})
	}
}

func TestWalkSortFallback(t *testing.T) {
	cases := []struct {
		name        string
		version     string
		features    seerr.Features
		wantDropped bool
		wantCalls   int
	}{
		{"unknown version vs overseerr: 400 then dropped", "1.34.0", seerr.FeaturesFor("develop"), true, 4},
		{"unknown version vs jellyseerr 2.1", "2.1.0", seerr.FeaturesFor(""), true, 4},
		{"known overseerr: never sent", "1.34.0", seerr.FeaturesFor("1.34.0"), false, 3},
		{"seerr: accepted", "3.1.0", seerr.FeaturesFor("3.1.0"), false, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: tc.version})
			defer srv.Close()
			for i := 0; i < 25; i++ {
				srv.AddRequest(seerr.Request{Status: seerr.RequestApproved})
			}
			c := clientFor(t, srv)
			n := 0
			st, err := c.Walk(context.Background(), seerr.WalkOptions{Take: 10, Features: tc.features},
				func(seerr.Request) error { n++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if st.SortDropped != tc.wantDropped || n != 25 || st.Seen != 25 || st.Pages != 3 {
				t.Fatalf("stats %+v, n %d", st, n)
			}
			calls := srv.Calls()
			if len(calls) != tc.wantCalls {
				t.Fatalf("%d calls, want %d", len(calls), tc.wantCalls)
			}
			if tc.wantDropped {
				if calls[0].Status != http.StatusBadRequest || !calls[0].Query.Has("sortDirection") {
					t.Fatalf("first call %+v", calls[0])
				}
				for _, call := range calls[1:] {
					if call.Query.Has("sortDirection") || call.Query.Has("sort") {
						t.Fatalf("sort params sent after being dropped: %v", call.Query)
					}
				}
			}
		})
	}
}

func TestWalkBadFilterIsAnError(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "1.34.0"})
	defer srv.Close()
	c := clientFor(t, srv)
	_, err := c.Walk(context.Background(), seerr.WalkOptions{Filter: seerr.FilterCompleted,
		Features: seerr.FeaturesFor("1.34.0")}, func(seerr.Request) error { return nil })
	if !errors.Is(err, seerr.ErrBadRequest) {
		t.Fatalf("err %v, want ErrBadRequest", err)
	}
	if len(srv.Calls()) != 1 {
		t.Fatalf("a 400 without sort params must not be retried: %d calls", len(srv.Calls()))
	}
}

func TestCompletedAcrossVersions(t *testing.T) {
	cases := []struct {
		version        string
		filter         string
		wantStatus     int
		wantInApproved bool
	}{
		{"3.1.0", seerr.FilterApproved, seerr.RequestCompleted, false},
		{"2.7.3", seerr.FilterApproved, seerr.RequestCompleted, false},
		{"1.34.0", seerr.FilterApproved, seerr.RequestApproved, true},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: tc.version})
			defer srv.Close()
			done := srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{TMDBID: 603, Status: seerr.MediaProcessing}})
			open := srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{TMDBID: 604, Status: seerr.MediaProcessing}})
			srv.SetMediaStatus(done, seerr.MediaAvailable, 0)
			c := clientFor(t, srv)
			r, err := c.GetRequest(context.Background(), done)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.wantStatus || r.Media.Status != seerr.MediaAvailable {
				t.Fatalf("request %+v", r)
			}
			if ok, reason := seerr.Deliverable(*r); ok || reason == "" {
				t.Fatalf("available request deliverable: %v %q", ok, reason)
			}
			got := map[int]bool{}
			f := seerr.FeaturesFor(tc.version)
			if _, err := c.Walk(context.Background(), seerr.WalkOptions{Filter: tc.filter, Features: f},
				func(r seerr.Request) error { got[r.ID] = true; return nil }); err != nil {
				t.Fatal(err)
			}
			if got[done] != tc.wantInApproved || !got[open] {
				t.Fatalf("approved walk %v (done %d in=%v, open %d)", got, done, tc.wantInApproved, open)
			}
			if f.Completed {
				got = map[int]bool{}
				if _, err := c.Walk(context.Background(), seerr.WalkOptions{Filter: seerr.FilterCompleted, Features: f},
					func(r seerr.Request) error { got[r.ID] = true; return nil }); err != nil {
					t.Fatal(err)
				}
				if !got[done] || got[open] {
					t.Fatalf("completed walk %v", got)
				}
			}
		})
	}
}

func TestGetRequest(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	tvdb := 81189
	created := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	id := srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeTV, Is4K: true, CreatedAt: created,
		Media:       seerr.Media{TMDBID: 1396, TVDBID: &tvdb, IMDBID: "tt0903747", Status4K: seerr.MediaProcessing},
		Seasons:     []seerr.SeasonRequest{{SeasonNumber: 1}, {SeasonNumber: 2, Status: seerr.RequestPending}},
		RequestedBy: &seerr.User{ID: 9, DisplayName: "walter", Email: "w@example.com"}})
	c := clientFor(t, srv)
	cases := []struct {
		name    string
		id      int
		wantErr error
		calls   int
	}{
		{"found", id, nil, 1},
		{"missing", 4242, seerr.ErrNotFound, 1},
		{"zero id is not sent", 0, seerr.ErrNotFound, 0},
		{"negative id is not sent", -3, seerr.ErrNotFound, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetCalls()
			r, err := c.GetRequest(context.Background(), tc.id)
			if len(srv.Calls()) != tc.calls {
				t.Fatalf("%d calls, want %d", len(srv.Calls()), tc.calls)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || r != nil {
					t.Fatalf("got %v, %v; want %v", r, err, tc.wantErr)
				}
				if errors.Is(err, seerr.ErrUnauthorized) || seerr.IsTemporary(err) {
					t.Fatalf("404 must be neither unauthorized nor temporary: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := seerr.Request{ID: id, Status: 2, Type: "tv", Is4K: true, CreatedAt: created, UpdatedAt: created,
				Media: seerr.Media{ID: 1, MediaType: "tv", TMDBID: 1396, TVDBID: &tvdb, IMDBID: "tt0903747",
					Status: seerr.MediaUnknown, Status4K: seerr.MediaProcessing},
				Seasons:     []seerr.SeasonRequest{{SeasonNumber: 1, Status: 2}, {SeasonNumber: 2, Status: 1}},
				RequestedBy: &seerr.User{ID: 9, DisplayName: "walter", Email: "w@example.com"}}
			if r.Media.TVDBID == nil || *r.Media.TVDBID != tvdb {
				t.Fatalf("tvdbId %v", r.Media.TVDBID)
			}
			if r.RequestedBy == nil || *r.RequestedBy != *want.RequestedBy {
				t.Fatalf("requestedBy %+v, want %+v", r.RequestedBy, want.RequestedBy)
			}
			if !r.CreatedAt.Equal(created) || !r.UpdatedAt.Equal(created) {
				t.Fatalf("times %v %v", r.CreatedAt, r.UpdatedAt)
			}
			got := *r
			got.Media.TVDBID, got.RequestedBy, want.Media.TVDBID, want.RequestedBy = nil, nil, nil, nil
			got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0", APIKey: "right-key-0123"})
	defer srv.Close()
	srv.AddRequest(seerr.Request{Status: seerr.RequestApproved})
	cases := []struct {
		name string
		key  string
	}{
		{"wrong key", "wrong-key-4567"},
		{"no key", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, srv.URL(), tc.key)
			_, errList := c.ListRequests(context.Background(), seerr.ListOptions{})
			_, errGet := c.GetRequest(context.Background(), 1)
			_, errWalk := c.Walk(context.Background(), seerr.WalkOptions{}, func(seerr.Request) error { return nil })
			for _, err := range []error{errList, errGet, errWalk} {
				if !errors.Is(err, seerr.ErrUnauthorized) || errors.Is(err, seerr.ErrNotFound) || seerr.IsTemporary(err) {
					t.Fatalf("err %v, want ErrUnauthorized only", err)
				}
				if tc.key != "" && strings.Contains(err.Error(), tc.key) {
					t.Fatalf("error leaks the key: %v", err)
				}
			}
			if _, err := c.Status(context.Background()); err != nil {
				t.Fatalf("status needs no key: %v", err)
			}
		})
	}
}

func TestServerDownIsTemporary(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(s *seerrtest.Server)
		status  int
		outcome string
	}{
		{"503", func(s *seerrtest.Server) { s.SetDown(true) }, 503, seerr.OutcomeServerError},
		{"dropped connections", func(s *seerrtest.Server) { s.SetDropConnections(true) }, 0, seerr.OutcomeNetwork},
		{"closed server", func(s *seerrtest.Server) { s.Close() }, 0, seerr.OutcomeNetwork},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{APIKey: "k-down-secret"})
			defer srv.Close()
			var mu sync.Mutex
			var outcomes []string
			c := newClient(t, srv.URL(), srv.APIKey(), func(cfg *seerr.Config) {
				cfg.Observe = func(op, outcome string, d time.Duration) {
					mu.Lock()
					outcomes = append(outcomes, op+":"+outcome)
					mu.Unlock()
				}
			})
			tc.setup(srv)
			_, err := c.ListRequests(context.Background(), seerr.ListOptions{})
			var e *seerr.Error
			if !errors.As(err, &e) || e.Status != tc.status || !e.Temporary() || !seerr.IsTemporary(err) {
				t.Fatalf("err %#v, want temporary with status %d", err, tc.status)
			}
			if e.Op != seerr.OpList || strings.Contains(err.Error(), "k-down-secret") {
				t.Fatalf("bad error %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(outcomes) != 1 || outcomes[0] != "list:"+tc.outcome {
				t.Fatalf("observed %v", outcomes)
			}
		})
	}
}

func TestObserve(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{})
	defer srv.Close()
	id := srv.AddRequest(seerr.Request{Status: seerr.RequestApproved})
	var got []string
	c := newClient(t, srv.URL(), srv.APIKey(), func(cfg *seerr.Config) {
		cfg.Observe = func(op, outcome string, d time.Duration) {
			if d < 0 {
				t.Errorf("negative duration")
			}
			got = append(got, op+":"+outcome)
		}
	})
	ctx := context.Background()
	_, _ = c.Status(ctx)
	_, _ = c.ListRequests(ctx, seerr.ListOptions{})
	_, _ = c.ListRequests(ctx, seerr.ListOptions{Filter: "bogus"})
	_, _ = c.GetRequest(ctx, id)
	_, _ = c.GetRequest(ctx, id+1)
	want := []string{"status:ok", "list:ok", "list:bad_request", "get:ok", "get:not_found"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	// The server answers only after a minute (or when the client goes away): a call that
	// returns before then was cut short by its bound, however slow this machine is.
	const stall = time.Minute
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(stall):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	cases := []struct {
		name      string
		timeout   time.Duration
		ctx       func() (context.Context, context.CancelFunc)
		temporary bool
		is        error
	}{
		{"per-call timeout", 50 * time.Millisecond, func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, true, context.DeadlineExceeded},
		{"caller cancels", 5 * time.Second, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, false, context.Canceled},
		{"caller deadline", 5 * time.Second, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, false, context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, slow.URL, "k", func(cfg *seerr.Config) { cfg.Timeout = tc.timeout })
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err := c.ListRequests(ctx, seerr.ListOptions{})
			if d := time.Since(start); d >= stall {
				t.Fatalf("call was not bounded: it took %s", d)
			}
			if seerr.IsTemporary(err) != tc.temporary || !errors.Is(err, tc.is) {
				t.Fatalf("err %v: temporary=%v, is %v=%v", err, seerr.IsTemporary(err), tc.is, errors.Is(err, tc.is))
			}
		})
	}
}

func TestWalkControl(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{})
	defer srv.Close()
	for i := 0; i < 30; i++ {
		srv.AddRequest(seerr.Request{Status: seerr.RequestApproved})
	}
	c := clientFor(t, srv)
	boom := errors.New("boom")
	cases := []struct {
		name     string
		opts     seerr.WalkOptions
		fn       func(n int) error
		wantErr  error
		wantSeen int
	}{
		{"page limit", seerr.WalkOptions{Take: 5, MaxPages: 2}, func(int) error { return nil }, seerr.ErrPageLimit, 10},
		{"callback error", seerr.WalkOptions{Take: 5}, func(n int) error {
			if n == 7 {
				return boom
			}
			return nil
		}, boom, 7},
		{"stop walk", seerr.WalkOptions{Take: 5}, func(n int) error {
			if n == 12 {
				return fmt.Errorf("enough: %w", seerr.ErrStopWalk)
			}
			return nil
		}, nil, 12},
		{"exact multiple of take", seerr.WalkOptions{Take: 10}, func(int) error { return nil }, nil, 30},
		{"default take", seerr.WalkOptions{}, func(int) error { return nil }, nil, 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			st, err := c.Walk(context.Background(), tc.opts, func(seerr.Request) error { n++; return tc.fn(n) })
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if st.Seen != tc.wantSeen || n != tc.wantSeen {
				t.Fatalf("seen %d / %d, want %d", st.Seen, n, tc.wantSeen)
			}
		})
	}
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Walk(ctx, seerr.WalkOptions{}, func(seerr.Request) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("nil callback", func(t *testing.T) {
		if _, err := c.Walk(context.Background(), seerr.WalkOptions{}, nil); err == nil {
			t.Fatal("want error")
		}
	})
}
