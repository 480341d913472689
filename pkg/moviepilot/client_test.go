package moviepilot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

const (
	fakeToken = "QT-SECRET-9f8e7d6c5b4a"
	fakeUser  = "alice"
	fakePass  = "pw-7c1b-secret"
)

func intp(n int) *int { return &n }

func fake(t *testing.T, o mptest.Options) *mptest.Server {
	t.Helper()
	if o.APIToken == "" {
		o.APIToken = fakeToken
	}
	if o.Users == nil {
		o.Users = map[string]string{fakeUser: fakePass}
	}
	s := mptest.New(o)
	t.Cleanup(s.Close)
	return s
}

func client(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.Token == "" && cfg.Scheme != AuthLogin {
		cfg.Token = fakeToken
	}
	if cfg.Scheme == AuthLogin && cfg.Username == "" {
		cfg.Username, cfg.Password = fakeUser, fakePass
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tvReq(season int) SubscribeRequest {
	return SubscribeRequest{Name: "Severance", Year: 2022, MediaType: MediaTV, TMDBID: 95396, Season: intp(season)}
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error, got %T: %v", err, err)
	}
	return e
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"x-api-key", Config{BaseURL: "http://mp:3001", Scheme: AuthXAPIKey, Token: "t"}, true},
		{"sub-path with slash", Config{BaseURL: "https://host/mp/", Scheme: AuthBearer, Token: "t", APIVersion: "V3"}, true},
		{"login", Config{BaseURL: "http://mp", Scheme: AuthLogin, Username: "u", Password: "p"}, true},
		{"unknown scheme", Config{BaseURL: "http://mp", Scheme: "auto", Token: "t"}, false},
		{"missing token", Config{BaseURL: "http://mp", Scheme: AuthQueryToken}, false},
		{"missing password", Config{BaseURL: "http://mp", Scheme: AuthLogin, Username: "u"}, false},
		{"bad version", Config{BaseURL: "http://mp", Scheme: AuthXAPIKey, Token: "t", APIVersion: "v4"}, false},
		{"ftp", Config{BaseURL: "ftp://mp", Scheme: AuthXAPIKey, Token: "t"}, false},
		{"no host", Config{BaseURL: "http:///x", Scheme: AuthXAPIKey, Token: "t"}, false},
		{"relative", Config{BaseURL: "mp:3001", Scheme: AuthXAPIKey, Token: "t"}, false},
		{"query in URL", Config{BaseURL: "http://mp/?token=" + fakeToken, Scheme: AuthXAPIKey, Token: "t"}, false},
		{"userinfo in URL", Config{BaseURL: "http://u:" + fakeToken + "@mp/", Scheme: AuthXAPIKey, Token: "t"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), fakeToken) {
				t.Fatalf("secret in error: %v", err)
			}
		})
	}
}

func TestAuthSchemes(t *testing.T) {
	tests := []struct {
		name      string
		opts      mptest.Options
		cfg       func(s *mptest.Server) Config
		wantClass Class
		wantAuth  string // how the fake saw the create
		wantUser  string
	}{
		{"x-api-key on v2.9+", mptest.Options{AcceptAPIKey: true}, func(*mptest.Server) Config { return Config{Scheme: AuthXAPIKey} }, ClassNone, "x-api-key", "admin"},
		{"query-token on v3", mptest.Options{Version: "v3", AcceptAPIKey: true}, func(*mptest.Server) Config { return Config{Scheme: AuthQueryToken} }, ClassNone, "token-query", "admin"},
		{"login on v2.5.6", mptest.Options{}, func(*mptest.Server) Config { return Config{Scheme: AuthLogin} }, ClassNone, "jwt", fakeUser},
		{"login on v3", mptest.Options{Version: "v3"}, func(*mptest.Server) Config { return Config{Scheme: AuthLogin} }, ClassNone, "jwt", fakeUser},
		{"bearer with a pasted JWT", mptest.Options{}, func(s *mptest.Server) Config {
			return Config{Scheme: AuthBearer, Token: pasteJWT(t, s)}
		}, ClassNone, "jwt", fakeUser},
		{"x-api-key on v2.5.6 is refused", mptest.Options{}, func(*mptest.Server) Config { return Config{Scheme: AuthXAPIKey} }, ClassAuth, "", ""},
		{"bearer with the API token is refused", mptest.Options{AcceptAPIKey: true}, func(*mptest.Server) Config { return Config{Scheme: AuthBearer} }, ClassAuth, "", ""},
		{"login with a wrong password", mptest.Options{}, func(*mptest.Server) Config {
			return Config{Scheme: AuthLogin, Username: fakeUser, Password: "wrong-password"}
		}, ClassAuth, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fake(t, tc.opts)
			cfg := tc.cfg(s)
			cfg.BaseURL = s.URL()
			c := client(t, cfg)
			id, err := c.Create(context.Background(), movieReq())
			if got := Classify(err); got != tc.wantClass {
				t.Fatalf("Classify = %v, want %v (err %v)", got, tc.wantClass, err)
			}
			if err != nil {
				for _, secret := range []string{fakeToken, fakePass, "wrong-password", cfg.Token} {
					if secret != "" && strings.Contains(err.Error(), secret) {
						t.Fatalf("secret in error: %v", err)
					}
				}
				if len(s.Subscriptions()) != 0 {
					t.Fatalf("stored despite auth failure")
				}
				return
			}
			subs := s.Subscriptions()
			if len(subs) != 1 || subs[0].ID != id || subs[0].Username != tc.wantUser {
				t.Fatalf("id %d, rows %+v", id, subs)
			}
			var createCall *mptest.Call
			for _, call := range s.Calls() {
				if call.Op == "create" {
					createCall = &call
				}
			}
			if createCall == nil || createCall.Auth != tc.wantAuth {
				t.Fatalf("create call %+v, want auth %q", createCall, tc.wantAuth)
			}
			got, err := c.Lookup(context.Background(), movieReq().TMDBID, nil)
			if err != nil || got == nil || got.ID != id {
				t.Fatalf("Lookup = %+v, %v", got, err)
			}
		})
	}
}

// pasteJWT logs in out of band, as a user copying a token from the web UI would.
func pasteJWT(t *testing.T, s *mptest.Server) string {
	t.Helper()
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthLogin})
	tok, err := c.login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestReloginAfterRestart(t *testing.T) {
	s := fake(t, mptest.Options{})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthLogin, APIVersion: "v2"})
	ctx := context.Background()

	lookupAll := func() {
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Lookup(ctx, 1, nil); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	lookupAll()
	if n := s.LoginCount(); n != 1 {
		t.Fatalf("LoginCount = %d after first burst, want 1", n)
	}
	s.Restart()
	lookupAll()
	if n := s.LoginCount(); n != 2 {
		t.Fatalf("LoginCount = %d after restart, want 2 (one shared re-login)", n)
	}
	if _, err := c.Create(ctx, movieReq()); err != nil {
		t.Fatal(err)
	}
	if n := s.LoginCount(); n != 2 {
		t.Fatalf("LoginCount = %d, want 2", n)
	}
}

func TestReloginOnlyOnce(t *testing.T) {
	var logins, calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/login/access-token" {
			logins.Add(1)
			_, _ = w.Write([]byte(`{"access_token":"jwt-` + string(rune('a'+logins.Load())) + `","token_type":"bearer"}`))
			return
		}
		calls.Add(1)
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"detail":"token校验不通过"}`))
	}))
	defer srv.Close()
	c := client(t, Config{BaseURL: srv.URL, Scheme: AuthLogin, APIVersion: "v2"})
	_, err := c.Lookup(context.Background(), 1, nil)
	e := asError(t, err)
	if e.Class != ClassAuth || e.Status != 403 || e.Message != "token校验不通过" {
		t.Fatalf("err = %v", err)
	}
	if logins.Load() != 2 || calls.Load() != 2 {
		t.Fatalf("logins=%d calls=%d, want 2 and 2", logins.Load(), calls.Load())
	}
}

func TestCreateAndLookupByVersion(t *testing.T) {
	tests := []struct {
		version     string
		wantMovie   string
		wantTV      string
		lookupPath  string
		lookupQuery string
	}{
		{"v2",
			`{"name":"Heat","year":"1995","type":"电影","tmdbid":949}`,
			`{"name":"Severance","year":"2022","type":"电视剧","tmdbid":95396,"season":2,"total_episode":10,"best_version":1,"resolution":"4K"}`,
			"/api/v1/subscribe/media/tmdb:95396", "season=2"},
		{"v3",
			`{"name":"Heat","year":"1995","type":"电影","media_source":"themoviedb","media_id":"949"}`,
			`{"name":"Severance","year":"2022","type":"电视剧","media_source":"themoviedb","media_id":"95396","season":2,"total_episode":10,"best_version":1,"resolution":"4K"}`,
			"/api/v1/subscribe/media/95396", "media_source=themoviedb&season=2"},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			s := fake(t, mptest.Options{Version: tc.version, AcceptAPIKey: true})
			c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey, APIVersion: tc.version})
			ctx := context.Background()
			tv := tvReq(2)
			tv.TotalEpisode, tv.BestVersion, tv.Resolution = 10, true, "4K"

			for _, p := range []struct {
				req  SubscribeRequest
				want string
			}{{movieReq(), tc.wantMovie}, {tv, tc.wantTV}} {
				got, err := c.Payload(ctx, p.req)
				if err != nil || string(got) != p.want {
					t.Fatalf("Payload = %s, %v\nwant %s", got, err, p.want)
				}
			}
			if sub, err := c.Lookup(ctx, 95396, intp(2)); sub != nil || err != nil {
				t.Fatalf("Lookup before create = %+v, %v; want nil, nil", sub, err)
			}
			movieID, err := c.Create(ctx, movieReq())
			if err != nil {
				t.Fatal(err)
			}
			tvID, err := c.Create(ctx, tv)
			if err != nil {
				t.Fatal(err)
			}
			if movieID == tvID {
				t.Fatalf("same id %d", tvID)
			}
			sub, err := c.Lookup(ctx, 95396, intp(2))
			if err != nil || sub == nil {
				t.Fatalf("Lookup = %+v, %v", sub, err)
			}
			if sub.ID != tvID || sub.TMDBID != 95396 || sub.Season == nil || *sub.Season != 2 ||
				sub.Type != "电视剧" || sub.TotalEpisode != 10 || !sub.BestVersion || sub.Name != "Severance" {
				t.Fatalf("Lookup = %+v", sub)
			}
			if tc.version == "v3" && (sub.MediaSource != "themoviedb" || sub.MediaID != "95396") {
				t.Fatalf("v3 identity = %q/%q", sub.MediaSource, sub.MediaID)
			}
			if other, err := c.Lookup(ctx, 95396, intp(3)); other != nil || err != nil {
				t.Fatalf("Lookup season 3 = %+v, %v", other, err)
			}
			var sawLookup bool
			for _, call := range s.Calls() {
				if call.Op == "lookup" && call.Path == tc.lookupPath && call.Query == tc.lookupQuery {
					sawLookup = true
				}
				if call.Op == "create" && call.Path != "/api/v1/subscribe/" {
					t.Fatalf("create without trailing slash: %s", call.Path)
				}
			}
			if !sawLookup {
				t.Fatalf("no lookup at %s?%s in %+v", tc.lookupPath, tc.lookupQuery, s.Calls())
			}
		})
	}
}

func TestAutoDetect(t *testing.T) {
	tests := []struct {
		name string
		opts mptest.Options
		cfg  Config
		want string
	}{
		{"v2.5.6 with login", mptest.Options{}, Config{Scheme: AuthLogin}, "v2"},
		{"v2.9 with x-api-key", mptest.Options{AcceptAPIKey: true}, Config{Scheme: AuthXAPIKey}, "v2"},
		{"v3 with x-api-key", mptest.Options{Version: "v3", AcceptAPIKey: true}, Config{Scheme: AuthXAPIKey, APIVersion: "auto"}, "v3"},
		{"v3 with login", mptest.Options{Version: "v3"}, Config{Scheme: AuthLogin}, "v3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fake(t, tc.opts)
			cfg := tc.cfg
			cfg.BaseURL = s.URL()
			c := client(t, cfg)
			ctx := context.Background()
			for i := 0; i < 3; i++ {
				v, err := c.Version(ctx)
				if err != nil || v != tc.want {
					t.Fatalf("Version = %q, %v; want %q", v, err, tc.want)
				}
			}
			if _, err := c.Create(ctx, tvReq(1)); err != nil {
				t.Fatalf("Create after detection: %v", err)
			}
			detects := 0
			for _, call := range s.Calls() {
				if call.Path == "/api/v1/subscribe/media/tmdb:0" {
					detects++
				}
			}
			if detects != 1 {
				t.Fatalf("%d detection probes, want 1", detects)
			}
			if len(s.Subscriptions()) != 1 {
				t.Fatalf("rows = %+v", s.Subscriptions())
			}
		})
	}
}

func TestAutoDetectRetriesAfterError(t *testing.T) {
	s := fake(t, mptest.Options{Version: "v3", AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	s.SetDown(true)
	if _, err := c.Version(context.Background()); Classify(err) != ClassRetry {
		t.Fatalf("Version while down: %v", err)
	}
	s.SetDown(false)
	if v, err := c.Version(context.Background()); err != nil || v != "v3" {
		t.Fatalf("Version = %q, %v", v, err)
	}
}

func TestWrongVersionConfigured(t *testing.T) {
	s := fake(t, mptest.Options{Version: "v3", AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey, APIVersion: "v2"})
	_, err := c.Lookup(context.Background(), 1, nil)
	if e := asError(t, err); e.Class != ClassPermanent || e.Status != 422 || !strings.Contains(e.Message, "media_source") {
		t.Fatalf("v2 lookup against v3 = %v", err)
	}
	_, err = c.Create(context.Background(), movieReq())
	if e := asError(t, err); e.Class != ClassBusiness || e.Reason != ReasonNotRecognised || !strings.Contains(e.Message, `("未识别到媒体信息")`) {
		t.Fatalf("v2 create against v3 = %v", err)
	}
}

func TestDuplicatesAndSeasonZero(t *testing.T) {
	s := fake(t, mptest.Options{AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	ctx := context.Background()
	first, err := c.Create(ctx, tvReq(1))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Create(ctx, tvReq(1))
	if err != nil || again != first {
		t.Fatalf("duplicate create = %d, %v; want %d", again, err, first)
	}
	if len(s.Subscriptions()) != 1 {
		t.Fatalf("rows = %d", len(s.Subscriptions()))
	}
	for _, bad := range []*int{intp(0), intp(-1), nil} {
		req := tvReq(1)
		req.Season = bad
		_, err := c.Create(ctx, req)
		if e := asError(t, err); e.Class != ClassPermanent || e.Status != 0 {
			t.Fatalf("season %v: %v", bad, err)
		}
		if _, err := c.Payload(ctx, req); Classify(err) != ClassPermanent {
			t.Fatalf("Payload season %v: %v", bad, err)
		}
	}
	if _, err := c.Lookup(ctx, 95396, intp(0)); Classify(err) != ClassPermanent {
		t.Fatalf("Lookup season 0: %v", err)
	}
	if n := s.CreateCount(); n != 2 {
		t.Fatalf("CreateCount = %d, want 2 (invalid requests are never sent)", n)
	}
}

func TestFaultsThroughClient(t *testing.T) {
	tests := []struct {
		name        string
		inject      func(s *mptest.Fake)
		wrap        func(h http.Handler) http.Handler
		wantClass   Class
		wantStatus  int
		wantMessage string
		wantRetry   time.Duration
		wantRows    int
	}{
		{name: "503 burst", inject: func(s *mptest.Fake) { s.FailNext(1, 503, "Service Unavailable") }, wantClass: ClassRetry, wantStatus: 503, wantMessage: "Service Unavailable"},
		{name: "down", inject: func(s *mptest.Fake) { s.SetDown(true) }, wantClass: ClassRetry, wantStatus: 503},
		{name: "429 with Retry-After", inject: func(s *mptest.Fake) { s.RateLimitNext(1, 3*time.Second) }, wantClass: ClassRetry, wantStatus: 429, wantRetry: 3 * time.Second},
		{name: "business failure keeps the message", inject: func(s *mptest.Fake) { s.BusinessFailNext(1, "未获取到第 2 季的总集数") }, wantClass: ClassBusiness, wantStatus: 200, wantMessage: "未获取到第 2 季的总集数"},
		{name: "created then 500", inject: func(s *mptest.Fake) { s.CreateThenFailNext(1) }, wantClass: ClassRetry, wantStatus: 500, wantMessage: "Internal Server Error", wantRows: 1},
		{name: "malformed json", inject: func(s *mptest.Fake) { s.FailNext(1, 200, `{"success": tr`) }, wantClass: ClassPermanent, wantStatus: 200},
		{name: "422", inject: func(s *mptest.Fake) {
			s.FailNext(1, 422, `{"detail":[{"loc":["body","season"],"msg":"value is not a valid integer","type":"type_error.integer"}]}`)
		}, wantClass: ClassPermanent, wantStatus: 422, wantMessage: "body.season: value is not a valid integer"},
		{name: "proxy strips the slash: 307 surfaced", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.URL.Path = strings.TrimSuffix(r.URL.Path, "/")
				h.ServeHTTP(w, r)
			})
		}, wantClass: ClassPermanent, wantStatus: 307, wantMessage: "redirect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mptest.NewHandler(mptest.Options{AcceptAPIKey: true, APIToken: fakeToken})
			var h http.Handler = f
			if tc.wrap != nil {
				h = tc.wrap(h)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			if tc.inject != nil {
				tc.inject(f)
			}
			c := client(t, Config{BaseURL: srv.URL, Scheme: AuthXAPIKey, APIVersion: "v2"})
			_, err := c.Create(context.Background(), tvReq(2))
			e := asError(t, err)
			if e.Class != tc.wantClass || e.Status != tc.wantStatus || !strings.Contains(e.Message, tc.wantMessage) {
				t.Fatalf("err = %v (class %v status %d), want %v %d %q", err, e.Class, e.Status, tc.wantClass, tc.wantStatus, tc.wantMessage)
			}
			if e.RetryAfter != tc.wantRetry {
				t.Fatalf("RetryAfter = %s, want %s", e.RetryAfter, tc.wantRetry)
			}
			if got := len(f.Subscriptions()); got != tc.wantRows {
				t.Fatalf("rows = %d, want %d", got, tc.wantRows)
			}
			if tc.wantRows > 0 {
				// "Created but never heard back": Lookup reveals the row.
				sub, err := c.Lookup(context.Background(), 95396, intp(2))
				if err != nil || sub == nil {
					t.Fatalf("Lookup after lost answer = %+v, %v", sub, err)
				}
			}
		})
	}
}

func TestQueryTokenNeverLeaks(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *mptest.Fake, base string) string // returns the base URL to use
		timeout   time.Duration
		acceptKey bool
		wantCl    Class
	}{
		{"network error", func(*mptest.Fake, string) string {
			l := httptest.NewServer(http.NotFoundHandler())
			l.Close()
			return l.URL
		}, 0, true, ClassRetry},
		{"per-call timeout", func(f *mptest.Fake, base string) string { f.SetLatency(time.Second); return base }, 50 * time.Millisecond, true, ClassRetry},
		{"500 echoing the URL", func(f *mptest.Fake, base string) string {
			f.FailNext(1, 500, "error at /api/v1/subscribe/?token="+fakeToken)
			return base
		}, 0, true, ClassRetry},
		{"422 echoing the token", func(f *mptest.Fake, base string) string {
			f.FailNext(1, 422, `{"detail":[{"loc":["query","token"],"msg":"bad `+fakeToken+`","type":"x"}]}`)
			return base
		}, 0, true, ClassPermanent},
		{"307 keeps the query in Location", func(_ *mptest.Fake, base string) string { return base + "/strip" }, 0, true, ClassPermanent},
		{"v2.5.6 refuses the token", func(_ *mptest.Fake, base string) string { return base }, 0, false, ClassAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mptest.NewHandler(mptest.Options{AcceptAPIKey: tc.acceptKey, APIToken: fakeToken})
			mux := http.NewServeMux()
			mux.Handle("/", f)
			mux.Handle("/strip/", http.StripPrefix("/strip", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.URL.Path = strings.TrimSuffix(r.URL.Path, "/")
				f.ServeHTTP(w, r)
			})))
			srv := httptest.NewServer(mux)
			defer srv.Close()
			base := tc.setup(f, srv.URL)
			c := client(t, Config{BaseURL: base, Scheme: AuthQueryToken, Token: fakeToken, APIVersion: "v2", Timeout: tc.timeout})
			_, err := c.Create(context.Background(), movieReq())
			if Classify(err) != tc.wantCl {
				t.Fatalf("Classify = %v, want %v (%v)", Classify(err), tc.wantCl, err)
			}
			e := asError(t, err)
			for what, s := range map[string]string{"Error()": err.Error(), "Message": e.Message, "Body": e.Body} {
				if strings.Contains(s, fakeToken) {
					t.Fatalf("token leaked in %s: %s", what, s)
				}
			}
			var ue *url.Error
			if errors.As(err, &ue) && strings.Contains(ue.URL, fakeToken) {
				t.Fatalf("token leaked in url.Error: %s", ue.URL)
			}
			if cause := errors.Unwrap(err); cause != nil && strings.Contains(cause.Error(), fakeToken) {
				t.Fatalf("token leaked in cause: %v", cause)
			}
			if tc.name == "307 keeps the query in Location" && e.Status != 307 {
				t.Fatalf("status = %d, want 307", e.Status)
			}
		})
	}
}

func TestContextHonoured(t *testing.T) {
	// The server would answer only after a minute (it gives up when the client goes away):
	// returning at all before then proves the bound held, however slow this machine is.
	const stall = time.Minute
	s := fake(t, mptest.Options{AcceptAPIKey: true})
	s.SetLatency(stall)
	tests := []struct {
		name    string
		timeout time.Duration
		ctxTO   time.Duration
		want    Class
	}{
		{"per-call timeout is retryable", 100 * time.Millisecond, 0, ClassRetry},
		{"caller deadline is canceled", 10 * time.Second, 100 * time.Millisecond, ClassCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey, Timeout: tc.timeout})
			ctx := context.Background()
			if tc.ctxTO > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTO)
				defer cancel()
			}
			start := time.Now()
			_, err := c.Lookup(ctx, 1, nil) // detection runs first and is cut short
			if d := time.Since(start); d >= stall {
				t.Fatalf("took %s: waited for the server's answer", d)
			}
			if got := Classify(err); got != tc.want {
				t.Fatalf("Classify = %v, want %v (%v)", got, tc.want, err)
			}
			if tc.want == ClassCanceled && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("canceled error does not wrap the context error: %v", err)
			}
		})
	}
}

func TestSubPathBaseURL(t *testing.T) {
	f := mptest.NewHandler(mptest.Options{AcceptAPIKey: true, APIToken: fakeToken})
	mux := http.NewServeMux()
	mux.Handle("/mp/", http.StripPrefix("/mp", f))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, base := range []string{srv.URL + "/mp", srv.URL + "/mp/"} {
		c := client(t, Config{BaseURL: base, Scheme: AuthXAPIKey})
		if _, err := c.Create(context.Background(), movieReq()); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
	}
	if len(f.Subscriptions()) != 1 {
		t.Fatalf("rows = %d", len(f.Subscriptions()))
	}
}

func TestObserve(t *testing.T) {
	s := fake(t, mptest.Options{})
	var mu sync.Mutex
	var got []string
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthLogin, Observe: func(op, outcome string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, op+":"+outcome)
	}})
	ctx := context.Background()
	if _, err := c.Create(ctx, movieReq()); err != nil {
		t.Fatal(err)
	}
	s.BusinessFailNext(1, "未识别到媒体信息")
	_, _ = c.Create(ctx, tvReq(1))
	s.FailNext(1, 502, "bad gateway")
	_, _ = c.Lookup(ctx, 1, nil)
	want := "login:ok detect:ok create:ok create:business lookup:http_5xx"
	if strings.Join(got, " ") != want {
		t.Fatalf("observed %q, want %q", strings.Join(got, " "), want)
	}
}

func TestLargeAnswerIsBounded(t *testing.T) {
	big := `{"success":true,"data":{"id":1},"pad":"` + strings.Repeat("x", 2<<20) + `"}`
	srv := cannedServer(t, canned{status: 200, body: big})
	c := client(t, Config{BaseURL: srv.URL, Scheme: AuthXAPIKey, APIVersion: "v2"})
	_, err := c.Create(context.Background(), movieReq())
	if e := asError(t, err); e.Class != ClassPermanent || !strings.Contains(e.Message, "larger than") || len(e.Body) > 400 {
		t.Fatalf("err = %v (body %d bytes)", err, len(e.Body))
	}
}

func TestLookupLenientShapes(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantID  int
		wantNil bool
		wantCl  Class
	}{
		{"v2 all-null", `{"id":null,"name":null,"season":null}`, 0, true, ClassNone},
		{"v3 data null", `{"success":true,"message":"","data":null}`, 0, true, ClassNone},
		{"v3 all-null data", `{"success":true,"data":{"id":null}}`, 0, true, ClassNone},
		{"v3 found, media_id only", `{"success":true,"data":{"id":4,"media_source":"themoviedb","media_id":"77","season":"2"}}`, 4, false, ClassNone},
		{"v3 business", `{"success":false,"message":"无权限","data":null}`, 0, true, ClassBusiness},
		{"garbage id", `{"id":"abc"}`, 0, true, ClassPermanent},
		{"array", `[1,2]`, 0, true, ClassPermanent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := cannedServer(t, canned{status: 200, body: tc.body})
			c := client(t, Config{BaseURL: srv.URL, Scheme: AuthXAPIKey, APIVersion: "v3"})
			sub, err := c.Lookup(context.Background(), 77, intp(2))
			if Classify(err) != tc.wantCl || (sub == nil) != tc.wantNil {
				t.Fatalf("Lookup = %+v, %v", sub, err)
			}
			if sub != nil && (sub.ID != tc.wantID || sub.TMDBID != 77 || sub.Season == nil || *sub.Season != 2) {
				t.Fatalf("Lookup = %+v", sub)
			}
		})
	}
}

// TestRatePerSecPacesEveryRequest: with RatePerSec set, the login, the version detection, the
// lookup, the create and the re-login after a restart are all spaced by the bucket (burst 1):
// every request MoviePilot sees went through the limiter first, and the limiter scheduled
// them at least 1/rate apart. The test reads the limiter's own schedule (its reservations),
// not the gaps the server measured, which a loaded machine shrinks or stretches at will.
func TestRatePerSecPacesEveryRequest(t *testing.T) {
	const perSec = 20.0
	mp := fake(t, mptest.Options{})
	c := client(t, Config{BaseURL: mp.URL(), Scheme: AuthLogin, APIVersion: "auto", RatePerSec: perSec})
	var mu sync.Mutex
	var slots []time.Time
	c.paced = func(at time.Time) { mu.Lock(); slots = append(slots, at); mu.Unlock() }
	ctx := context.Background()
	if _, err := c.Lookup(ctx, 95396, intp(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, tvReq(1)); err != nil {
		t.Fatal(err)
	}
	mp.Fake.Restart() // JWTs invalid: the next call is refused, logs in again and retries
	if _, err := c.Lookup(ctx, 95396, intp(2)); err != nil {
		t.Fatal(err)
	}
	calls := mp.Calls()
	var ops []string
	for _, cl := range calls {
		ops = append(ops, cl.Op)
	}
	if len(calls) < 6 {
		t.Fatalf("calls %v: want login, detect, lookup, create, refused lookup, login, lookup", ops)
	}
	mu.Lock()
	defer mu.Unlock()
	// Every request took a token: none bypassed the limiter (the retry after a re-login
	// included).
	if len(slots) != len(calls) {
		t.Fatalf("%d requests reached MoviePilot but %d went through the limiter: %v", len(calls), len(slots), ops)
	}
	// Burst 1: the limiter never scheduled two requests closer than 1/rate. (1 µs for the
	// limiter's float arithmetic.)
	const minGap = time.Duration(float64(time.Second)/perSec) - time.Microsecond
	for i := 1; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-1]); gap < minGap {
			t.Errorf("%s then %s scheduled only %s apart (want ≥ %s): %v", ops[i-1], ops[i], gap, minGap, ops)
		}
	}
	// And no request was sent before its slot (calls and slots are both in sending order).
	for i := range calls {
		if calls[i].Time.Before(slots[i]) {
			t.Errorf("%s reached MoviePilot at %s, before its slot %s", ops[i], calls[i].Time, slots[i])
		}
	}
}
