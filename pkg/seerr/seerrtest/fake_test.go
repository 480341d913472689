package seerrtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

type answer struct {
	status int
	body   map[string]any
	raw    string
}

// call does one GET against a handler; key "" sends no X-Api-Key.
func call(t *testing.T, h http.Handler, target, key string) answer {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil)
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, raw: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &a.body); err != nil {
			t.Fatalf("%s: bad JSON %q: %v", target, a.raw, err)
		}
	}
	return a
}

func ids(t *testing.T, a answer) []int {
	t.Helper()
	res, ok := a.body["results"].([]any)
	if !ok {
		t.Fatalf("no results in %s", a.raw)
	}
	out := make([]int, 0, len(res))
	for _, r := range res {
		out = append(out, int(r.(map[string]any)["id"].(float64)))
	}
	return out
}

func sorted(v []int) []int {
	out := append([]int(nil), v...)
	sort.Ints(out)
	return out
}

// filterFixture adds the requests of the filter table test and returns their ids by name.
func filterFixture(f *seerrtest.Fake, modern bool) map[string]int {
	type row struct {
		name         string
		rs, ms, ms4k int
		is4k         bool
		modernOnly   bool
	}
	rows := []row{
		{name: "A", rs: 2, ms: 3},
		{name: "B", rs: 2, ms: 5},
		{name: "C", rs: 5, ms: 5, modernOnly: true},
		{name: "D", rs: 1, ms: 2},
		{name: "E", rs: 4, ms: 3},
		{name: "F", rs: 3, ms: 1},
		{name: "G", rs: 2, ms: 6, modernOnly: true},
		{name: "H", rs: 5, ms: 7, modernOnly: true},
		{name: "I", rs: 2, ms: 5, ms4k: 3, is4k: true},
	}
	out := map[string]int{}
	for i, r := range rows {
		if r.modernOnly && !modern {
			continue
		}
		out[r.name] = f.AddRequest(seerr.Request{Status: r.rs, Is4K: r.is4k,
			Media: seerr.Media{TMDBID: 100 + i, Status: r.ms, Status4K: r.ms4k}})
	}
	return out
}

func TestFilterSemantics(t *testing.T) {
	cases := []struct {
		version string
		filter  string
		want    string // names of the expected requests; "400" for a rejected filter
		ignore  bool
	}{
		{"3.1.0", "approved", "ABI", false},
		{"3.1.0", "processing", "AI", false},
		{"3.1.0", "pending", "D", false},
		{"3.1.0", "unavailable", "ADI", false},
		{"3.1.0", "failed", "E", false},
		{"3.1.0", "available", "C", false},
		{"3.1.0", "completed", "CH", false},
		{"3.1.0", "deleted", "H", false},
		{"3.1.0", "all", "ABCDEFHI", false},
		{"3.1.0", "", "ABCDEFHI", false},
		{"3.1.0", "bogus", "400", false},
		{"2.7.3", "approved", "ABI", false},
		{"2.7.3", "available", "C", false},
		{"2.7.3", "completed", "CH", false},
		{"2.5.2", "available", "B", false},
		{"2.5.2", "completed", "400", false},
		{"1.34.0", "approved", "ABI", false},
		{"1.34.0", "processing", "AI", false},
		{"1.34.0", "unavailable", "ADI", false},
		{"1.34.0", "available", "B", false},
		{"1.34.0", "all", "ABDEFI", false},
		{"1.34.0", "", "ABDEFI", false},
		{"1.34.0", "completed", "400", false},
		{"1.34.0", "deleted", "400", false},
		{"3.1.0", "approved", "ABCDEFGHI", true},
		{"1.34.0", "available", "ABDEFI", true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s/ignore=%v", tc.version, tc.filter, tc.ignore), func(t *testing.T) {
			f := seerrtest.NewHandler(seerrtest.Options{Version: tc.version, IgnoreFilter: tc.ignore})
			modern := tc.version != "1.34.0" && tc.version != "2.5.2"
			byName := filterFixture(f, modern)
			target := "/api/v1/request?take=100"
			if tc.filter != "" {
				target += "&filter=" + tc.filter
			}
			a := call(t, f, target, f.APIKey())
			if tc.want == "400" {
				if a.status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(a.body["message"]), "filter") {
					t.Fatalf("want 400 naming filter, got %d %s", a.status, a.raw)
				}
				return
			}
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.raw)
			}
			var want []int
			for _, n := range tc.want {
				want = append(want, byName[string(n)])
			}
			if got := sorted(ids(t, a)); !reflect.DeepEqual(got, sorted(want)) {
				t.Fatalf("filter %q: got ids %v, want %v (%s)", tc.filter, got, sorted(want), tc.want)
			}
		})
	}
}

func TestPageInfo(t *testing.T) {
	cases := []struct {
		query                        string
		pages, pageSize, results, pg any
		n                            int
	}{
		{"take=10&skip=20", 3.0, 10.0, 23.0, 3.0, 3},
		{"take=10&skip=5", 3.0, 10.0, 23.0, 2.0, 10},
		{"", 3.0, 10.0, 23.0, 1.0, 10},
		{"take=50", 1.0, 50.0, 23.0, 1.0, 23},
		{"take=10&skip=100", 3.0, 10.0, 23.0, 11.0, 0},
		{"take=0", nil, 0.0, 23.0, nil, 23},
	}
	f := seerrtest.NewHandler(seerrtest.Options{Version: "3.1.0"})
	for i := 0; i < 23; i++ {
		f.AddRequest(seerr.Request{Status: seerr.RequestApproved})
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			a := call(t, f, "/api/v1/request?"+tc.query, f.APIKey())
			pi := a.body["pageInfo"].(map[string]any)
			want := map[string]any{"pages": tc.pages, "pageSize": tc.pageSize, "results": tc.results, "page": tc.pg}
			if !reflect.DeepEqual(pi, want) {
				t.Fatalf("pageInfo %v, want %v", pi, want)
			}
			if got := len(ids(t, a)); got != tc.n {
				t.Fatalf("%d results, want %d", got, tc.n)
			}
		})
	}
}

func TestOrderingAndQueryValidation(t *testing.T) {
	cases := []struct {
		name    string
		version string
		reject  *bool
		query   string
		status  int
		asc     bool
	}{
		{"seerr default desc", "3.1.0", nil, "", 200, false},
		{"seerr asc", "3.1.0", nil, "sort=added&sortDirection=asc", 200, true},
		{"seerr modified asc", "3.1.0", nil, "sort=modified&sortDirection=asc", 200, true},
		{"jellyseerr asc", "2.7.3", nil, "sortDirection=asc", 200, true},
		{"jellyseerr 2.1 has no sortDirection", "2.1.0", nil, "sortDirection=asc", 400, false},
		{"overseerr rejects sortDirection", "1.34.0", nil, "sort=added&sortDirection=asc", 400, false},
		{"overseerr lenient ignores it, desc", "1.34.0", seerrtest.Bool(false), "sortDirection=asc", 200, false},
		{"overseerr has no mediaType", "1.34.0", nil, "mediaType=movie", 400, false},
		{"2.5 has no mediaType", "2.5.2", nil, "mediaType=movie", 400, false},
		{"seerr unknown param", "3.1.0", nil, "foo=1", 400, false},
		{"seerr unknown param allowed", "3.1.0", seerrtest.Bool(false), "foo=1", 200, false},
		{"bad sortDirection", "3.1.0", nil, "sortDirection=up", 400, false},
		{"bad take", "3.1.0", nil, "take=ten", 400, false},
		{"repeated filter", "3.1.0", nil, "filter=all&filter=pending", 400, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := seerrtest.NewHandler(seerrtest.Options{Version: tc.version, RejectUnknownQuery: tc.reject})
			for i := 0; i < 5; i++ {
				f.AddRequest(seerr.Request{Status: seerr.RequestApproved})
			}
			a := call(t, f, "/api/v1/request?"+tc.query, f.APIKey())
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
			if tc.status == 400 {
				if a.body["message"] == nil || a.body["errors"] == nil {
					t.Fatalf("400 body lacks message/errors: %s", a.raw)
				}
				return
			}
			want := []int{5, 4, 3, 2, 1}
			if tc.asc {
				want = []int{1, 2, 3, 4, 5}
			}
			if got := ids(t, a); !reflect.DeepEqual(got, want) {
				t.Fatalf("order %v, want %v", got, want)
			}
		})
	}
}

func TestAuthAndErrors(t *testing.T) {
	f := seerrtest.NewHandler(seerrtest.Options{Version: "3.1.0", APIKey: "k-123"})
	id := f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeTV,
		Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}, {SeasonNumber: 3}}})
	cases := []struct {
		name, target, key string
		status            int
		body              string
	}{
		{"status needs no key", "/api/v1/status", "", 200, `"version":"3.1.0"`},
		{"list without key", "/api/v1/request", "", 403, `{"error":"You do not have permission to access this endpoint","status":403}`},
		{"list with wrong key", "/api/v1/request", "nope", 403, `"status":403`},
		{"get with wrong key", fmt.Sprintf("/api/v1/request/%d", id), "nope", 403, `"status":403`},
		{"get unknown", "/api/v1/request/999", "k-123", 404, `{"message":"Request not found."}`},
		{"get non-numeric", "/api/v1/request/abc", "k-123", 404, `{"message":"Request not found."}`},
		{"get ok", fmt.Sprintf("/api/v1/request/%d", id), "k-123", 200, `"seasonNumber":3`},
		{"unknown api path", "/api/v1/nothing", "k-123", 404, `not found`},
		{"non-api path", "/", "", 404, `<html>`},
		{"400 beats 403", "/api/v1/request?filter=bogus", "", 400, `allowed values`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, f, tc.target, tc.key)
			if a.status != tc.status || !strings.Contains(a.raw, tc.body) {
				t.Fatalf("got %d %s, want %d containing %s", a.status, a.raw, tc.status, tc.body)
			}
		})
	}
}

func TestShapes(t *testing.T) {
	tvdb := 121361
	cases := []struct {
		version                 string
		serviceErrors, canRemov bool
		jellyfinFields          bool
	}{
		{"3.1.0", true, true, true},
		{"2.7.3", false, true, true},
		{"1.34.0", false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			f := seerrtest.NewHandler(seerrtest.Options{Version: tc.version})
			id := f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeTV,
				Media:   seerr.Media{TMDBID: 1399, TVDBID: &tvdb, Status: seerr.MediaProcessing},
				Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}, {SeasonNumber: 2}}})
			list := call(t, f, "/api/v1/request", f.APIKey())
			if _, ok := list.body["serviceErrors"]; ok != tc.serviceErrors {
				t.Errorf("serviceErrors present=%v, want %v", ok, tc.serviceErrors)
			}
			item := list.body["results"].([]any)[0].(map[string]any)
			if _, ok := item["canRemove"]; ok != tc.canRemov {
				t.Errorf("canRemove present=%v, want %v", ok, tc.canRemov)
			}
			media := item["media"].(map[string]any)
			if _, ok := media["seasons"]; ok {
				t.Error("list must not load media.seasons")
			}
			if media["tvdbId"] != float64(tvdb) || media["tmdbId"] != 1399.0 || media["mediaType"] != "tv" {
				t.Errorf("media ids wrong: %v", media)
			}
			user := item["requestedBy"].(map[string]any)
			if _, ok := user["jellyfinUsername"]; ok != tc.jellyfinFields {
				t.Errorf("jellyfinUsername present=%v, want %v", ok, tc.jellyfinFields)
			}
			if user["displayName"] != "admin" {
				t.Errorf("displayName %v", user["displayName"])
			}
			for _, k := range []string{"id", "status", "createdAt", "updatedAt", "type", "is4k", "seasons", "modifiedBy"} {
				if _, ok := item[k]; !ok {
					t.Errorf("list item lacks %q", k)
				}
			}
			one := call(t, f, fmt.Sprintf("/api/v1/request/%d", id), f.APIKey())
			if _, ok := one.body["canRemove"]; ok {
				t.Error("get must not carry canRemove")
			}
			ms, ok := one.body["media"].(map[string]any)["seasons"].([]any)
			if !ok || len(ms) != 2 {
				t.Errorf("get must load media.seasons (2), got %v", one.body["media"])
			}
			if rs := one.body["seasons"].([]any); len(rs) != 2 {
				t.Errorf("request seasons %v", rs)
			}
		})
	}
}

func TestMediaCompletion(t *testing.T) {
	cases := []struct {
		version    string
		media      int
		wantStatus int
	}{
		{"3.1.0", seerr.MediaAvailable, seerr.RequestCompleted},
		{"3.1.0", seerr.MediaDeleted, seerr.RequestCompleted},
		{"3.1.0", seerr.MediaPartiallyAvailable, seerr.RequestApproved},
		{"2.7.3", seerr.MediaAvailable, seerr.RequestCompleted},
		{"2.5.2", seerr.MediaAvailable, seerr.RequestApproved},
		{"1.34.0", seerr.MediaAvailable, seerr.RequestApproved},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%d", tc.version, tc.media), func(t *testing.T) {
			f := seerrtest.NewHandler(seerrtest.Options{Version: tc.version})
			hd := f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{TMDBID: 1}})
			uhd := f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Is4K: true, Media: seerr.Media{TMDBID: 1}})
			if !f.SetMediaStatus(hd, tc.media, 0) {
				t.Fatal("SetMediaStatus: unknown id")
			}
			if f.SetMediaStatus(999, 5, 5) {
				t.Fatal("SetMediaStatus on unknown id must report false")
			}
			got := call(t, f, fmt.Sprintf("/api/v1/request/%d", hd), f.APIKey()).body["status"]
			if got != float64(tc.wantStatus) {
				t.Fatalf("request status %v, want %d", got, tc.wantStatus)
			}
			if s4 := call(t, f, fmt.Sprintf("/api/v1/request/%d", uhd), f.APIKey()).body["status"]; s4 != 2.0 {
				t.Fatalf("4K request must stay APPROVED while status4k is unchanged, got %v", s4)
			}
		})
	}
}

func TestCallsNeverRecordKey(t *testing.T) {
	const key = "s3cr3t-key"
	f := seerrtest.NewHandler(seerrtest.Options{APIKey: key})
	call(t, f, "/api/v1/request?apikey="+key+"&take=1", key)
	call(t, f, "/api/v1/request/"+key, key)
	calls := f.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls logged", len(calls))
	}
	b, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), key) {
		t.Fatalf("call log contains the key: %s", b)
	}
	if !strings.Contains(string(b), "[REDACTED]") || !calls[0].KeyOK || calls[0].Status != 400 {
		t.Fatalf("unexpected log: %s", b)
	}
	f.ResetCalls()
	if len(f.Calls()) != 0 {
		t.Fatal("ResetCalls kept calls")
	}
}

func TestServerModes(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(s *seerrtest.Server)
		base    string
		wantErr bool
		status  int
	}{
		{"up", func(*seerrtest.Server) {}, "", false, 200},
		{"down 503", func(s *seerrtest.Server) { s.SetDown(true) }, "", false, 503},
		{"dropped connection", func(s *seerrtest.Server) { s.SetDropConnections(true) }, "", true, 0},
		{"base path", func(*seerrtest.Server) {}, "/seerr", false, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{BasePath: tc.base})
			defer srv.Close()
			tc.setup(srv)
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL()+"/api/v1/status", nil)
			resp, err := srv.HTTPClient().Do(req)
			if tc.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatal("want a connection error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.base != "" {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
					strings.TrimSuffix(srv.URL(), tc.base)+"/api/v1/status", nil)
				resp, err := srv.HTTPClient().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					t.Fatalf("path outside the base path answered %d", resp.StatusCode)
				}
			}
		})
	}
}

func TestConcurrentUseAndHook(t *testing.T) {
	var hooked int
	var mu sync.Mutex
	f := seerrtest.NewHandler(seerrtest.Options{Hook: func(f *seerrtest.Fake, c seerrtest.Call) {
		mu.Lock()
		hooked++
		mu.Unlock()
		if c.Query.Get("skip") == "2" {
			f.AddRequest(seerr.Request{Status: seerr.RequestApproved})
		}
	}})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				id := f.AddRequest(seerr.Request{Status: seerr.RequestPending})
				f.SetStatus(id, seerr.RequestApproved)
				req := httptest.NewRequestWithContext(context.Background(), http.MethodGet,
					"/api/v1/request?take=2&skip=2", nil)
				req.Header.Set("X-Api-Key", f.APIKey())
				rec := httptest.NewRecorder()
				f.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Errorf("status %d", rec.Code)
				}
				if j%5 == 0 {
					f.Delete(id)
				}
			}
		}()
	}
	wg.Wait()
	if want := 8*20 + 8*20 - 8*4; f.Len() != want {
		t.Fatalf("Len %d, want %d", f.Len(), want)
	}
	if hooked != 160 || len(f.Calls()) != 160 {
		t.Fatalf("hooked %d, calls %d, want 160", hooked, len(f.Calls()))
	}
}
