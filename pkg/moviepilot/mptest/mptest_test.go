package mptest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	apiToken = "fake-api-token-0123456789"
	user     = "alice"
	pass     = "s3cret-pass"
)

type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

type req struct {
	method, path, query, body, ctype string
	header                           map[string]string
}

func do(t *testing.T, s *Server, rq req) resp {
	t.Helper()
	u := s.URL() + rq.path
	if rq.query != "" {
		u += "?" + rq.query
	}
	hr, err := http.NewRequest(rq.method, u, strings.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	if rq.ctype != "" {
		hr.Header.Set("Content-Type", rq.ctype)
	}
	for k, v := range rq.header {
		hr.Header.Set(k, v)
	}
	hc := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := hc.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Users == nil {
		o.Users = map[string]string{user: pass}
	}
	if o.APIToken == "" {
		o.APIToken = apiToken
	}
	s := New(o)
	t.Cleanup(s.Close)
	return s
}

func login(t *testing.T, s *Server) string {
	t.Helper()
	r := do(t, s, req{method: "POST", path: "/api/v1/login/access-token",
		body: url.Values{"username": {user}, "password": {pass}}.Encode(), ctype: "application/x-www-form-urlencoded"})
	if r.status != 200 {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	m := r.json(t)
	if d, ok := m["data"].(map[string]any); ok {
		m = d
	}
	tok, _ := m["access_token"].(string)
	if tok == "" {
		t.Fatalf("no access_token in %s", r.body)
	}
	return tok
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func create(t *testing.T, s *Server, auth map[string]string, body string) resp {
	t.Helper()
	return do(t, s, req{method: "POST", path: "/api/v1/subscribe/", body: body, ctype: "application/json", header: auth})
}

func TestLogin(t *testing.T) {
	for _, v := range []string{V2, V3} {
		s := newServer(t, Options{Version: v})
		tests := []struct {
			name       string
			body       string
			ctype      string
			wantStatus int
			wantText   string
		}{
			{"ok", "username=alice&password=s3cret-pass", "application/x-www-form-urlencoded", 200, "access_token"},
			{"bad password", "username=alice&password=nope", "application/x-www-form-urlencoded", 401, "用户名或密码或二次校验码不正确"},
			{"unknown user", "username=bob&password=s3cret-pass", "application/x-www-form-urlencoded", 401, "用户名或密码或二次校验码不正确"},
			{"json body is not a form", `{"username":"alice","password":"s3cret-pass"}`, "application/json", 422, "field required"},
		}
		for _, tc := range tests {
			t.Run(v+"/"+tc.name, func(t *testing.T) {
				r := do(t, s, req{method: "POST", path: "/api/v1/login/access-token", body: tc.body, ctype: tc.ctype})
				if r.status != tc.wantStatus || !strings.Contains(r.body, tc.wantText) {
					t.Fatalf("got %d %s, want %d containing %q", r.status, r.body, tc.wantStatus, tc.wantText)
				}
				if v == V3 && r.json(t)["success"] == nil {
					t.Fatalf("v3 answer not enveloped: %s", r.body)
				}
			})
		}
		if got := s.LoginCount(); got != len(tests) {
			t.Fatalf("LoginCount = %d, want %d", got, len(tests))
		}
	}
}

func TestAuth(t *testing.T) {
	const movie = `{"name":"M","year":"2020","type":"电影","tmdbid":1}`
	tests := []struct {
		name       string
		acceptKey  bool
		auth       func(t *testing.T, s *Server) (map[string]string, string)
		wantStatus int
		wantText   string
		wantAuth   string
	}{
		{"no credentials", true, func(*testing.T, *Server) (map[string]string, string) { return nil, "" }, 401, "Not authenticated", ""},
		{"jwt", false, func(t *testing.T, s *Server) (map[string]string, string) { return bearer(login(t, s)), "" }, 200, `"success":true`, "jwt"},
		{"garbage jwt", false, func(*testing.T, *Server) (map[string]string, string) { return bearer("a.b.c"), "" }, 403, "token校验不通过", ""},
		{"jwt after restart", false, func(t *testing.T, s *Server) (map[string]string, string) {
			tok := login(t, s)
			s.Restart()
			return bearer(tok), ""
		}, 403, "token校验不通过", ""},
		{"x-api-key refused on v2.5.6", false, func(*testing.T, *Server) (map[string]string, string) {
			return map[string]string{"X-API-KEY": apiToken}, ""
		}, 401, "Not authenticated", ""},
		{"x-api-key accepted", true, func(*testing.T, *Server) (map[string]string, string) {
			return map[string]string{"X-API-KEY": apiToken}, ""
		}, 200, `"success":true`, "x-api-key"},
		{"apikey query accepted", true, func(*testing.T, *Server) (map[string]string, string) { return nil, "apikey=" + apiToken }, 200, `"success":true`, "apikey-query"},
		{"token query accepted", true, func(*testing.T, *Server) (map[string]string, string) { return nil, "token=" + apiToken }, 200, `"success":true`, "token-query"},
		{"wrong token", true, func(*testing.T, *Server) (map[string]string, string) { return nil, "token=wrong" }, 401, "Not authenticated", ""},
		{"raw token in Authorization is not accepted", true, func(*testing.T, *Server) (map[string]string, string) {
			return map[string]string{"Authorization": apiToken}, ""
		}, 401, "Not authenticated", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, Options{AcceptAPIKey: tc.acceptKey})
			h, q := tc.auth(t, s)
			r := do(t, s, req{method: "POST", path: "/api/v1/subscribe/", query: q, body: movie, ctype: "application/json", header: h})
			if r.status != tc.wantStatus || !strings.Contains(r.body, tc.wantText) {
				t.Fatalf("got %d %s, want %d containing %q", r.status, r.body, tc.wantStatus, tc.wantText)
			}
			if r.status == 401 && r.header.Get("WWW-Authenticate") != "Bearer" {
				t.Fatalf("401 without WWW-Authenticate: Bearer")
			}
			calls := s.Calls()
			last := calls[len(calls)-1]
			if last.Auth != tc.wantAuth {
				t.Fatalf("Call.Auth = %q, want %q", last.Auth, tc.wantAuth)
			}
			if strings.Contains(last.Query, apiToken) {
				t.Fatalf("Call.Query leaks the token: %q", last.Query)
			}
		})
	}
}

func TestCreateQuirksV2(t *testing.T) {
	s := newServer(t, Options{AcceptAPIKey: true})
	key := map[string]string{"X-API-KEY": apiToken}

	t.Run("no trailing slash is a 307", func(t *testing.T) {
		r := do(t, s, req{method: "POST", path: "/api/v1/subscribe", body: `{}`, ctype: "application/json", header: key})
		if r.status != 307 || !strings.HasSuffix(r.header.Get("Location"), "/api/v1/subscribe/") {
			t.Fatalf("got %d Location %q", r.status, r.header.Get("Location"))
		}
	})
	t.Run("english type is a plain 500", func(t *testing.T) {
		r := create(t, s, key, `{"name":"M","type":"movie","tmdbid":5}`)
		if r.status != 500 || r.body != "Internal Server Error" {
			t.Fatalf("got %d %q", r.status, r.body)
		}
	})
	t.Run("bad tmdbid is a 422 list", func(t *testing.T) {
		r := create(t, s, key, `{"name":"M","type":"电影","tmdbid":"abc"}`)
		if r.status != 422 || !strings.Contains(r.body, `"loc":["body","tmdbid"]`) {
			t.Fatalf("got %d %s", r.status, r.body)
		}
	})
	t.Run("malformed json is a 422", func(t *testing.T) {
		if r := create(t, s, key, `{"name":`); r.status != 422 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
	})

	seasonTests := []struct {
		name, body string
		wantSeason int
	}{
		{"season 0 becomes 1", `{"name":"S","year":"2020","type":"电视剧","tmdbid":100,"season":0}`, 1},
		{"missing season becomes 1", `{"name":"S","year":"2020","type":"电视剧","tmdbid":101}`, 1},
		{"season 3 kept", `{"name":"S","year":"2020","type":"电视剧","tmdbid":102,"season":3}`, 3},
	}
	for _, tc := range seasonTests {
		t.Run(tc.name, func(t *testing.T) {
			m := create(t, s, key, tc.body).json(t)
			id := int(m["data"].(map[string]any)["id"].(float64))
			for _, sub := range s.Subscriptions() {
				if sub.ID == id {
					if sub.Season == nil || *sub.Season != tc.wantSeason {
						t.Fatalf("season = %v, want %d", sub.Season, tc.wantSeason)
					}
					if sub.Username != "admin" {
						t.Fatalf("username = %q, want admin", sub.Username)
					}
					return
				}
			}
			t.Fatalf("row %d not stored", id)
		})
	}

	t.Run("duplicates answer the existing id", func(t *testing.T) {
		before := len(s.Subscriptions())
		first := create(t, s, key, `{"name":"S","type":"电视剧","tmdbid":200,"season":2}`).body
		again := create(t, s, key, `{"name":"S","type":"电视剧","tmdbid":200,"season":2}`).body
		if first != again {
			t.Fatalf("duplicate answered %s, first %s", again, first)
		}
		// season 0 is season 1, so it duplicates the row made by "season 0 becomes 1".
		dup0 := create(t, s, key, `{"name":"S","type":"电视剧","tmdbid":100,"season":1}`).json(t)
		if dup0["data"].(map[string]any)["id"].(float64) != 1 {
			t.Fatalf("season 1 did not hit the season-0 row: %v", dup0)
		}
		// A movie (no season) collides with any row of the same tmdbid.
		mv := create(t, s, key, `{"name":"M","type":"电影","tmdbid":200}`).body
		if mv != first {
			t.Fatalf("movie with a TV tmdbid answered %s, want %s", mv, first)
		}
		if got := len(s.Subscriptions()); got != before+1 {
			t.Fatalf("%d rows, want %d", got, before+1)
		}
	})

	t.Run("lookup", func(t *testing.T) {
		tests := []struct {
			name, path, query string
			wantID            any
		}{
			{"not found is an all-null object", "/api/v1/subscribe/media/tmdb:999", "", nil},
			{"found by season", "/api/v1/subscribe/media/tmdb:200", "season=2", float64(4)},
			{"other season", "/api/v1/subscribe/media/tmdb:200", "season=5", nil},
			{"season 0 is no filter", "/api/v1/subscribe/media/tmdb:200", "season=0", float64(4)},
			{"douban id unknown", "/api/v1/subscribe/media/douban:1", "", nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := do(t, s, req{method: "GET", path: tc.path, query: tc.query, header: key})
				m := r.json(t)
				if r.status != 200 || m["id"] != tc.wantID {
					t.Fatalf("got %d id=%v, want 200 id=%v (%s)", r.status, m["id"], tc.wantID, r.body)
				}
				if _, enveloped := m["success"]; enveloped {
					t.Fatalf("v2 lookup is enveloped: %s", r.body)
				}
			})
		}
	})
}

func TestV3(t *testing.T) {
	s := newServer(t, Options{Version: V3, AcceptAPIKey: true})
	key := map[string]string{"X-API-KEY": apiToken}
	tests := []struct {
		name       string
		method     string
		path       string
		query      string
		body       string
		wantStatus int
		wantOK     bool
		wantText   string
	}{
		{"create with media pair", "POST", "/api/v1/subscribe/", "", `{"name":"M","year":"2021","type":"电影","media_source":"themoviedb","media_id":"42"}`, 200, true, `"id":1`},
		{"duplicate keeps the id", "POST", "/api/v1/subscribe/", "", `{"name":"M","year":"2021","type":"电影","media_source":"themoviedb","media_id":"42"}`, 200, true, `"id":1`},
		{"only media_source", "POST", "/api/v1/subscribe/", "", `{"name":"M","type":"电影","media_source":"themoviedb"}`, 200, false, msgPairRequired},
		{"only media_id", "POST", "/api/v1/subscribe/", "", `{"name":"M","type":"电影","media_id":"42"}`, 200, false, msgPairRequired},
		{"v2 tmdbid is not enough", "POST", "/api/v1/subscribe/", "", `{"name":"M","type":"电影","tmdbid":42}`, 200, false, msgNotRecognised},
		{"integer year is a 422", "POST", "/api/v1/subscribe/", "", `{"name":"M","year":2021,"type":"电影","media_source":"themoviedb","media_id":"43"}`, 422, false, "year"},
		{"bad type is an enveloped 500", "POST", "/api/v1/subscribe/", "", `{"name":"M","type":"movie","media_source":"themoviedb","media_id":"43"}`, 500, false, "未知错误"},
		{"lookup without media_source", "GET", "/api/v1/subscribe/media/42", "", "", 422, false, "media_source"},
		{"lookup found", "GET", "/api/v1/subscribe/media/42", "media_source=themoviedb", "", 200, true, `"media_id":"42"`},
		{"lookup not found", "GET", "/api/v1/subscribe/media/7", "media_source=themoviedb", "", 200, true, `"id":null`},
		{"auth error enveloped", "GET", "/api/v1/subscribe/media/7", "media_source=themoviedb&apikey=wrong", "", 401, false, "Not authenticated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := key
			if strings.Contains(tc.query, "apikey=") {
				h = nil
			}
			r := do(t, s, req{method: tc.method, path: tc.path, query: tc.query, body: tc.body, ctype: "application/json", header: h})
			if r.status != tc.wantStatus || !strings.Contains(r.body, tc.wantText) {
				t.Fatalf("got %d %s, want %d containing %q", r.status, r.body, tc.wantStatus, tc.wantText)
			}
			m := r.json(t)
			if ok, isBool := m["success"].(bool); !isBool || ok != tc.wantOK {
				t.Fatalf("success = %v, want %v (%s)", m["success"], tc.wantOK, r.body)
			}
		})
	}
}

func TestCatalogue(t *testing.T) {
	s := newServer(t, Options{AcceptAPIKey: true, KnownTMDB: map[int]Media{
		10: {Title: "Real Title", Year: "1999", Type: "movie"},
		20: {Title: "Show", Year: "2010", Type: "tv", Seasons: map[int]int{1: 8}},
	}})
	key := map[string]string{"X-API-KEY": apiToken}
	tests := []struct {
		name, body string
		wantOK     bool
		wantText   string
	}{
		{"unknown id", `{"name":"X","type":"电影","tmdbid":11}`, false, msgNotRecognised},
		{"type mismatch", `{"name":"X","type":"电视剧","tmdbid":10,"season":1}`, false, msgNotRecognised},
		{"movie renamed from catalogue", `{"name":"typo","type":"电影","tmdbid":10}`, true, `"id":1`},
		{"season without episode count", `{"name":"Show","type":"电视剧","tmdbid":20,"season":2}`, false, "未获取到第 2 季的总集数"},
		{"season with explicit total", `{"name":"Show","type":"电视剧","tmdbid":20,"season":2,"total_episode":6}`, true, `"id":2`},
		{"season from catalogue", `{"name":"Show","type":"电视剧","tmdbid":20,"season":1}`, true, `"id":3`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := create(t, s, key, tc.body)
			m := r.json(t)
			if r.status != 200 || m["success"] != tc.wantOK || !strings.Contains(r.body, tc.wantText) {
				t.Fatalf("got %d %s, want success=%v containing %q", r.status, r.body, tc.wantOK, tc.wantText)
			}
		})
	}
	subs := s.Subscriptions()
	if len(subs) != 3 || subs[0].Name != "Real Title" || subs[0].Year != "1999" || subs[0].Season != nil {
		t.Fatalf("rows = %+v", subs)
	}
	if subs[2].TotalEpisode != 8 || subs[2].LackEpisode != 8 || subs[1].TotalEpisode != 6 {
		t.Fatalf("episode counts = %+v", subs)
	}
}

func TestFaults(t *testing.T) {
	const movie = `{"name":"M","type":"电影","tmdbid":1}`
	key := map[string]string{"X-API-KEY": apiToken}
	tests := []struct {
		name   string
		inject func(s *Server)
		want   []int // statuses of successive creates
		check  func(t *testing.T, s *Server, last resp)
	}{
		{"FailNext", func(s *Server) { s.FailNext(2, 503, "Service Unavailable") }, []int{503, 503, 200}, nil},
		{"RateLimitNext", func(s *Server) { s.RateLimitNext(1, 1500*time.Millisecond) }, []int{429, 200}, nil},
		{"BusinessFailNext", func(s *Server) { s.BusinessFailNext(1, "未获取到第 2 季的总集数") }, []int{200}, func(t *testing.T, s *Server, last resp) {
			if !strings.Contains(last.body, `"success":false`) || !strings.Contains(last.body, "未获取到第 2 季的总集数") || len(s.Subscriptions()) != 0 {
				t.Fatalf("got %s with %d rows", last.body, len(s.Subscriptions()))
			}
		}},
		{"CreateThenFailNext", func(s *Server) { s.CreateThenFailNext(1) }, []int{500}, func(t *testing.T, s *Server, last resp) {
			if len(s.Subscriptions()) != 1 {
				t.Fatalf("row not stored before the 500")
			}
		}},
		{"SetDown", func(s *Server) { s.SetDown(true) }, []int{503, 503}, func(t *testing.T, s *Server, _ resp) {
			r := do(t, s, req{method: "POST", path: "/api/v1/login/access-token", body: "username=alice&password=s3cret-pass", ctype: "application/x-www-form-urlencoded"})
			if r.status != 503 {
				t.Fatalf("login while down: %d", r.status)
			}
			s.SetDown(false)
			if r := create(t, s, key, movie); r.status != 200 {
				t.Fatalf("after SetDown(false): %d", r.status)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, Options{AcceptAPIKey: true})
			tc.inject(s)
			var last resp
			for i, want := range tc.want {
				last = create(t, s, key, movie)
				if last.status != want {
					t.Fatalf("create %d: status %d (%s), want %d", i, last.status, last.body, want)
				}
				if last.status == 429 && last.header.Get("Retry-After") != "2" {
					t.Fatalf("Retry-After = %q, want 2", last.header.Get("Retry-After"))
				}
			}
			if tc.check != nil {
				tc.check(t, s, last)
			}
			if got := s.CreateCount(); got < len(tc.want) {
				t.Fatalf("CreateCount = %d, want ≥ %d", got, len(tc.want))
			}
		})
	}
}

func TestLatencyHonoursClientGoingAway(t *testing.T) {
	s := newServer(t, Options{AcceptAPIKey: true})
	const stall = time.Minute // returning before it proves the client's timeout ended the call
	s.SetLatency(stall)
	hc := &http.Client{Timeout: 100 * time.Millisecond}
	start := time.Now()
	_, err := hc.Get(s.URL() + "/api/v1/subscribe/media/tmdb:1?token=" + apiToken)
	if err == nil {
		t.Fatal("expected a client timeout")
	}
	if d := time.Since(start); d >= stall {
		t.Fatalf("took %s", d)
	}
}

func TestConcurrentCreates(t *testing.T) {
	s := newServer(t, Options{AcceptAPIKey: true})
	key := map[string]string{"X-API-KEY": apiToken}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hr, _ := http.NewRequest("POST", s.URL()+"/api/v1/subscribe/", strings.NewReader(`{"name":"S","type":"电视剧","tmdbid":7,"season":1}`))
			hr.Header.Set("X-API-KEY", key["X-API-KEY"])
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				errs <- err
				return
			}
			_ = res.Body.Close()
			s.FailNext(0, 500, "")
			_ = s.Calls()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(s.Subscriptions()); n != 1 {
		t.Fatalf("%d rows after 20 identical creates, want 1", n)
	}
	if s.CreateCount() != 20 {
		t.Fatalf("CreateCount = %d", s.CreateCount())
	}
}

func TestUnknownRoutesAndList(t *testing.T) {
	s := newServer(t, Options{AcceptAPIKey: true})
	create(t, s, map[string]string{"X-API-KEY": apiToken}, `{"name":"M","type":"电影","tmdbid":1}`)
	tests := []struct {
		name, method, path, query string
		wantStatus                int
		wantText                  string
	}{
		{"unknown route", "GET", "/api/v1/nope", "", 404, "Not Found"},
		{"wrong method", "DELETE", "/api/v1/subscribe/", "", 405, "Method Not Allowed"},
		{"list with token", "GET", "/api/v1/subscribe/list", "token=" + apiToken, 200, `"tmdbid":1`},
		{"list with bad token", "GET", "/api/v1/subscribe/list", "token=x", 401, "API_TOKEN 校验不通过"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, req{method: tc.method, path: tc.path, query: tc.query})
			if r.status != tc.wantStatus || !strings.Contains(r.body, tc.wantText) {
				t.Fatalf("got %d %s", r.status, r.body)
			}
		})
	}
	for _, c := range s.Calls() {
		if strings.Contains(c.Query, apiToken) {
			t.Fatalf("Calls leaks the token: %+v", c)
		}
	}
}
