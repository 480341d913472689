package seerr_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
)

// fixed serves one canned answer on every path.
func fixed(status int, contentType, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
}

func TestLenientDecoding(t *testing.T) {
	const weird = `{
	  "pageInfo": {"pages": "2", "pageSize": 2.0, "results": 3, "page": null, "extra": true},
	  "results": [
	    {"id": "7", "status": 2.0, "createdAt": "2024-05-06 07:08:09", "updatedAt": null,
	     "type": null, "is4k": 1, "unknownField": {"deep": [1,2,3]},
	     "media": {"id": 3, "mediaType": "tv", "tmdbId": "1399", "tvdbId": null, "imdbId": 12,
	               "status": "5", "status4k": null},
	     "seasons": [null, 5, {"seasonNumber": 0, "status": 2}, {"seasonNumber": "2", "status": "x"}],
	     "requestedBy": {"id": 4, "displayName": null, "username": null, "plexUsername": null,
	                     "jellyfinUsername": "jf", "email": "e@x"}},
	    null,
	    {"id": 8, "media": "not an object", "seasons": {"not": "array"}, "requestedBy": "nobody",
	     "createdAt": "garbage", "is4k": "true"},
	    {"id": 1e400, "status": [], "media": {"tvdbId": "abc", "tmdbId": 9999999999999}}
	  ]
	}`
	srv := fixed(200, "application/json", weird)
	defer srv.Close()
	c := newClient(t, srv.URL, "k")
	p, err := c.ListRequests(context.Background(), seerr.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.PageInfo != (seerr.PageInfo{Pages: 2, PageSize: 2, Results: 3, Page: 0}) {
		t.Fatalf("pageInfo %+v", p.PageInfo)
	}
	if len(p.Results) != 4 {
		t.Fatalf("%d results, want 4 (non-objects kept as zero requests)", len(p.Results))
	}
	r := p.Results[0]
	cases := []struct {
		name      string
		got, want any
	}{
		{"id", r.ID, 7},
		{"status", r.Status, 2},
		{"createdAt", r.CreatedAt, time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
		{"updatedAt zero", r.UpdatedAt.IsZero(), true},
		{"type from media", r.Type, "tv"},
		{"is4k", r.Is4K, true},
		{"tmdbId", r.Media.TMDBID, 1399},
		{"tvdbId nil", r.Media.TVDBID == nil, true},
		{"imdbId number kept as text", r.Media.IMDBID, "12"},
		{"media status", r.Media.Status, 5},
		{"seasons", fmt.Sprint(r.Seasons), "[{0 2} {2 0}]"},
		{"displayName fallback", r.RequestedBy.DisplayName, "jf"},
		{"user id", r.RequestedBy.ID, 4},
		{"null item", p.Results[1].ID, 0},
		{"media string", p.Results[2].Media, seerr.Media{}},
		{"seasons object", len(p.Results[2].Seasons), 0},
		{"requestedBy string", p.Results[2].RequestedBy == nil, true},
		{"createdAt garbage", p.Results[2].CreatedAt.IsZero(), true},
		{"is4k string", p.Results[2].Is4K, true},
		{"huge id", p.Results[3].ID, 0},
		{"array status", p.Results[3].Status, 0},
		{"huge tmdbId", p.Results[3].Media.TMDBID, 0},
		{"bad tvdbId", p.Results[3].Media.TVDBID == nil, true},
	}
	for _, tc := range cases {
		if fmt.Sprint(tc.got) != fmt.Sprint(tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}

	// Walk skips the unusable ones instead of handing id 0 to the callback.
	var ids []int
	st, err := c.Walk(context.Background(), seerr.WalkOptions{Take: 10}, func(r seerr.Request) error {
		ids = append(ids, r.ID)
		return nil
	})
	if err != nil || fmt.Sprint(ids) != "[7 8]" || st.Invalid != 2 {
		t.Fatalf("walk ids %v, stats %+v, err %v", ids, st, err)
	}
}

func TestDecodeFailures(t *testing.T) {
	const key = "KEY-abcdef-123456"
	cases := []struct {
		name, ctype, body string
		op                string
		wantIn            string
	}{
		{"html page (wrong base URL)", "text/html", "<!DOCTYPE html><html>seerr</html>", seerr.OpList, "text/html"},
		{"truncated json", "application/json", `{"pageInfo": {"pages": 1}, "results": [`, seerr.OpList, "decoding"},
		{"top-level array", "application/json", `[]`, seerr.OpList, "not a JSON object"},
		{"no results", "application/json", `{"pageInfo": {}}`, seerr.OpList, "no results"},
		{"results not array", "application/json", `{"results": {}}`, seerr.OpList, "no results"},
		{"get without id", "application/json", `{"status": 2}`, seerr.OpGet, "no request id"},
		{"get null", "application/json", `null`, seerr.OpGet, "not a JSON object"},
		{"body echoes key", "text/plain", "bad key " + key, seerr.OpList, "decoding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := fixed(200, tc.ctype, tc.body)
			defer srv.Close()
			c := newClient(t, srv.URL, key)
			var err error
			if tc.op == seerr.OpGet {
				_, err = c.GetRequest(context.Background(), 1)
			} else {
				_, err = c.ListRequests(context.Background(), seerr.ListOptions{})
			}
			var e *seerr.Error
			if !errors.As(err, &e) || !e.Decode || e.Op != tc.op || seerr.IsTemporary(err) {
				t.Fatalf("err %#v, want a non-temporary decode error", err)
			}
			if !strings.Contains(err.Error(), tc.wantIn) {
				t.Fatalf("error %q lacks %q", err, tc.wantIn)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(fmt.Sprintf("%+v %#v", err, e), key) {
				t.Fatalf("error leaks the key: %v", err)
			}
			if errors.Is(err, seerr.ErrNotFound) || errors.Is(err, seerr.ErrUnauthorized) {
				t.Fatal("decode errors match no HTTP sentinel")
			}
		})
	}
}

func TestErrorsNeverContainKey(t *testing.T) {
	const key = "SUPER-secret-KEY-0042"
	cases := []struct {
		name   string
		status int
		body   string
		is     error
		temp   bool
	}{
		{"403 echoing key", 403, `{"error":"bad key ` + key + `"}`, seerr.ErrUnauthorized, false},
		{"401", 401, `{"message":"'X-Api-Key' header required"}`, seerr.ErrUnauthorized, false},
		{"404", 404, `{"message":"Request not found."}`, seerr.ErrNotFound, false},
		{"400", 400, `{"message":"Unknown query parameter"}`, seerr.ErrBadRequest, false},
		{"409", 409, `{}`, nil, false},
		{"429", 429, `slow down ` + key, nil, true},
		{"408", 408, ``, nil, true},
		{"500 with stack", 500, strings.Repeat("x", 300) + key + strings.Repeat("y", 5000), nil, true},
		{"502 html", 502, "<html>Bad Gateway " + key + "</html>", nil, true},
		{"key split by cut", 500, strings.Repeat("z", 250) + key, nil, true},
		{"3xx without Location", 302, ``, nil, false},
		{"key at the end of a truncated read", 500, strings.Repeat(" ", 4096-10) + key, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := fixed(tc.status, "application/json", tc.body)
			defer srv.Close()
			c := newClient(t, srv.URL, key)
			_, err := c.ListRequests(context.Background(), seerr.ListOptions{})
			var e *seerr.Error
			if !errors.As(err, &e) || e.Status != tc.status {
				t.Fatalf("err %v, want status %d", err, tc.status)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err %v is not %v", err, tc.is)
			}
			if e.Temporary() != tc.temp {
				t.Fatalf("Temporary() = %v, want %v", e.Temporary(), tc.temp)
			}
			all := err.Error() + fmt.Sprintf("%+v %#v %s", err, e, e.Body)
			if strings.Contains(all, key) || strings.Contains(all, key[:6]) {
				t.Fatalf("error leaks (part of) the key: %s", all)
			}
			if len(e.Body) > 260 {
				t.Fatalf("body excerpt too long: %d", len(e.Body))
			}
		})
	}
}

func TestRedirectsKeepKeyOnHost(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "" {
			leaked.Add(1)
		}
		_, _ = io.WriteString(w, `{"pageInfo":{},"results":[]}`)
	}))
	defer other.Close()
	var sawKeyAfterSameHostRedirect atomic.Bool
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/request":
			http.Redirect(w, r, "/moved/api/v1/request", http.StatusMovedPermanently)
		case "/moved/api/v1/request":
			sawKeyAfterSameHostRedirect.Store(r.Header.Get("X-Api-Key") == "k")
			_, _ = io.WriteString(w, `{"pageInfo":{},"results":[]}`)
		}
	}))
	defer home.Close()

	c := newClient(t, home.URL, "k")
	if _, err := c.ListRequests(context.Background(), seerr.ListOptions{}); err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	if !sawKeyAfterSameHostRedirect.Load() {
		t.Fatal("same-host redirect lost the key")
	}
	var err error
	off := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer off.Close()
	c3 := newClient(t, off.URL, "k")
	_, err = c3.ListRequests(context.Background(), seerr.ListOptions{})
	var e *seerr.Error
	if !errors.As(err, &e) || e.Status != http.StatusFound {
		t.Fatalf("off-host redirect: err %v, want the 302 reported", err)
	}
	if leaked.Load() != 0 {
		t.Fatal("the API key was sent to another host")
	}
}

func TestBodyLimit(t *testing.T) {
	cases := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"just under 8 MiB", 8<<20 - 100, false},
		{"over 8 MiB", 9 << 20, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				head := `{"results":[],"pad":"`
				tail := `"}`
				_, _ = io.WriteString(w, head)
				_, _ = io.WriteString(w, strings.Repeat("a", tc.size-len(head)-len(tail)))
				_, _ = io.WriteString(w, tail)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, "k")
			_, err := c.ListRequests(context.Background(), seerr.ListOptions{})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr && !strings.Contains(err.Error(), "larger than") {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestListQueryEncoding(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.RawQuery
		_, _ = io.WriteString(w, `{"pageInfo":{},"results":[]}`)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, "k")
	cases := []struct {
		opts seerr.ListOptions
		want string
	}{
		{seerr.ListOptions{}, ""},
		{seerr.ListOptions{Take: 50}, "take=50"},
		{seerr.ListOptions{Take: 50, Skip: 100, Filter: "approved", Sort: "added", SortDirection: "asc"},
			"filter=approved&skip=100&sort=added&sortDirection=asc&take=50"},
		{seerr.ListOptions{Filter: "a b&c=d", MediaType: "tv"}, "filter=a+b%26c%3Dd&mediaType=tv"},
	}
	for _, tc := range cases {
		if _, err := c.ListRequests(context.Background(), tc.opts); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("query %q, want %q", got, tc.want)
		}
	}
	if _, err := c.ListRequests(context.Background(), seerr.ListOptions{Take: -1}); err == nil {
		t.Error("negative take must fail")
	}
}
