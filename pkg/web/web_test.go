package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

type answer struct {
	status int
	header http.Header
	body   string
	cookie map[string]*http.Cookie
}

type req struct {
	method, path string
	form         url.Values
	header       map[string]string
	cookies      []*http.Cookie
}

func (f *fixture) do(t *testing.T, r req) answer {
	t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	if r.method == "" {
		r.method = http.MethodGet
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.form != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, hr)
	res := rec.Result()
	out := answer{status: res.StatusCode, header: res.Header, body: rec.Body.String(), cookie: map[string]*http.Cookie{}}
	for _, c := range res.Cookies() {
		out.cookie[c.Name] = c
	}
	return out
}

// login signs in through the form and returns the session cookie.
func (f *fixture) login(t *testing.T, base string) *http.Cookie {
	t.Helper()
	a := f.do(t, req{method: http.MethodPost, path: base + "/ui/login", form: url.Values{"token": {testToken}},
		header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	if a.status != http.StatusSeeOther || a.cookie[sessionCookie] == nil {
		t.Fatalf("login: status %d, cookies %v\n%s", a.status, a.cookie, a.body)
	}
	return a.cookie[sessionCookie]
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token in the page:\n%s", body)
	}
	return m[1]
}

func TestNoTokenShowsOnlyHowToSetOne(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.demo(t)
	for _, r := range []req{
		{path: "/"},
		{path: "/", header: map[string]string{"Authorization": "Bearer "}},
		{path: "/?state=failed&n=25"},
	} {
		a := f.do(t, r)
		if a.status != http.StatusOK || !strings.Contains(a.body, "ADMIN_TOKEN") {
			t.Fatalf("%v: status %d, body lacks the hint:\n%s", r, a.status, a.body)
		}
		for _, leak := range []string{"Matrix", "Dune", "tsk_", "alice", "name=\"csrf\""} {
			if strings.Contains(a.body, leak) {
				t.Fatalf("without ADMIN_TOKEN the page shows %q:\n%s", leak, a.body)
			}
		}
	}
	// Actions are refused too, and change nothing.
	a := f.do(t, req{method: http.MethodPost, path: "/ui/tasks/tsk_4/retry", form: url.Values{},
		header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	if a.status != http.StatusUnauthorized {
		t.Fatalf("retry without a token: status %d", a.status)
	}
	if tk, _ := f.store.Get(context.Background(), "tsk_4"); tk.Status != task.StatusFailed {
		t.Fatalf("tsk_4 is %s", tk.Status)
	}
}

func TestLoginCookieBearer(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	f.demo(t)

	// Not signed in: the login form, no data.
	a := f.do(t, req{path: "/"})
	if a.status != http.StatusOK || !strings.Contains(a.body, `action="/ui/login"`) || strings.Contains(a.body, "Matrix") {
		t.Fatalf("anonymous: status %d\n%s", a.status, a.body)
	}
	// A wrong token: 401, the form again, no cookie.
	a = f.do(t, req{method: http.MethodPost, path: "/ui/login", form: url.Values{"token": {"nope"}},
		header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	if a.status != http.StatusUnauthorized || a.cookie[sessionCookie] != nil || !strings.Contains(a.body, `id="login-error"`) {
		t.Fatalf("wrong token: status %d cookie %v", a.status, a.cookie[sessionCookie])
	}
	// A wrong Bearer: 401 and the form.
	a = f.do(t, req{path: "/", header: map[string]string{"Authorization": "Bearer nope"}})
	if a.status != http.StatusUnauthorized || strings.Contains(a.body, "Matrix") {
		t.Fatalf("wrong bearer: status %d", a.status)
	}
	// The right Bearer: the page.
	a = f.do(t, req{path: "/", header: map[string]string{"Authorization": "bearer " + testToken}})
	if a.status != http.StatusOK || !strings.Contains(a.body, "The Matrix") {
		t.Fatalf("bearer: status %d\n%s", a.status, a.body)
	}

	// The form: the cookie's flags, and it does not hold the token.
	c := f.login(t, "")
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" {
		t.Fatalf("cookie flags: %+v", c)
	}
	if strings.Contains(c.Value, testToken) || strings.Contains(c.Value, url.QueryEscape(testToken)) {
		t.Fatal("the session cookie holds the token")
	}
	a = f.do(t, req{path: "/", cookies: []*http.Cookie{c}})
	if a.status != http.StatusOK || !strings.Contains(a.body, "Dune: Part Two") || !strings.Contains(a.body, `id="logout"`) {
		t.Fatalf("signed in: status %d\n%s", a.status, a.body)
	}
	// A tampered cookie is no session.
	bad := *c
	bad.Value = c.Value[:len(c.Value)-2] + "AA"
	if a = f.do(t, req{path: "/", cookies: []*http.Cookie{&bad}}); strings.Contains(a.body, "Matrix") {
		t.Fatal("a tampered cookie was accepted")
	}
	// Another ADMIN_TOKEN ends every session.
	g := newFixture(t, fixtureOpts{token: "another-token-entirely"})
	g.demo(t)
	if a = g.do(t, req{path: "/", cookies: []*http.Cookie{c}}); strings.Contains(a.body, "Matrix") {
		t.Fatal("a cookie from another token was accepted")
	}
	// It expires.
	f.clock.Advance(8 * 24 * time.Hour)
	if a = f.do(t, req{path: "/", cookies: []*http.Cookie{c}}); strings.Contains(a.body, "Matrix") {
		t.Fatal("an expired session was accepted")
	}
}

func TestSecureCookieBehindTLSProxy(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken, base: "/seerrpilot"})
	a := f.do(t, req{method: http.MethodPost, path: "/seerrpilot/ui/login", form: url.Values{"token": {testToken}},
		header: map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-Proto": "https"}})
	c := a.cookie[sessionCookie]
	if a.status != http.StatusSeeOther || c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/seerrpilot/" {
		t.Fatalf("status %d cookie %+v", a.status, c)
	}
	if loc := a.header.Get("Location"); loc != "/seerrpilot/" {
		t.Fatalf("redirect to %q", loc)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	f.demo(t)
	c := f.login(t, "")
	page := f.do(t, req{path: "/", cookies: []*http.Cookie{c}})
	a := f.do(t, req{method: http.MethodPost, path: "/ui/logout", form: url.Values{"csrf": {csrfOf(t, page.body)}},
		cookies: []*http.Cookie{c}, header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	if a.status != http.StatusSeeOther || a.cookie[sessionCookie] == nil || a.cookie[sessionCookie].MaxAge >= 0 {
		t.Fatalf("logout: status %d cookie %+v", a.status, a.cookie[sessionCookie])
	}
	// The old cookie, replayed, is no longer a session.
	if a = f.do(t, req{path: "/", cookies: []*http.Cookie{c}}); strings.Contains(a.body, "Matrix") {
		t.Fatal("the session survived logout")
	}
}

func TestActionsGuardedAgainstCrossSite(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	seeded := f.demo(t)
	dune := seeded["dune"].ID
	c := f.login(t, "")
	page := f.do(t, req{path: "/", cookies: []*http.Cookie{c}})
	csrf := csrfOf(t, page.body)
	path := "/ui/tasks/" + dune + "/retry"
	cases := []struct {
		name   string
		header map[string]string
		form   url.Values
		want   int
	}{
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, url.Values{"csrf": {csrf}}, http.StatusForbidden},
		{"foreign Origin", map[string]string{"Origin": "https://evil.example"}, url.Values{"csrf": {csrf}}, http.StatusForbidden},
		{"no form token", map[string]string{"Sec-Fetch-Site": "same-origin"}, url.Values{}, http.StatusForbidden},
		{"wrong form token", map[string]string{"Sec-Fetch-Site": "same-origin"}, url.Values{"csrf": {strings.Repeat("0", 32)}}, http.StatusForbidden},
	}
	for _, tc := range cases {
		a := f.do(t, req{method: http.MethodPost, path: path, form: tc.form, header: tc.header, cookies: []*http.Cookie{c}})
		if a.status != tc.want {
			t.Fatalf("%s: status %d, want %d", tc.name, a.status, tc.want)
		}
		if tk, _ := f.store.Get(context.Background(), dune); tk.Status != task.StatusFailed {
			t.Fatalf("%s: the task changed to %s", tc.name, tk.Status)
		}
	}
	// A cross-site login is refused too.
	a := f.do(t, req{method: http.MethodPost, path: "/ui/login", form: url.Values{"token": {testToken}},
		header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	if a.status != http.StatusForbidden || a.cookie[sessionCookie] != nil {
		t.Fatalf("cross-site login: status %d", a.status)
	}
	// Same origin with the form token works, and the flash says so on the next page.
	a = f.do(t, req{method: http.MethodPost, path: path, form: url.Values{"csrf": {csrf}, "back": {"state=failed&evil=1"}},
		header: map[string]string{"Sec-Fetch-Site": "same-origin"}, cookies: []*http.Cookie{c}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/?state=failed" {
		t.Fatalf("retry: status %d location %q\n%s", a.status, a.header.Get("Location"), a.body)
	}
	if tk, _ := f.store.Get(context.Background(), dune); tk.Status != task.StatusPending {
		t.Fatalf("after retry the task is %s", tk.Status)
	}
	next := f.do(t, req{path: "/", cookies: []*http.Cookie{c, a.cookie[flashCookie]}})
	if !strings.Contains(next.body, dune+" is queued again.") {
		t.Fatalf("no flash:\n%s", next.body)
	}
}

func TestActionsAnswerLikeTheAPI(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	seeded := f.demo(t)
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	post := func(path string) answer {
		a := f.do(t, req{method: http.MethodPost, path: path, form: url.Values{}, header: bearer})
		if a.status != http.StatusSeeOther {
			t.Fatalf("%s: status %d\n%s", path, a.status, a.body)
		}
		return f.do(t, req{path: "/", header: bearer, cookies: []*http.Cookie{a.cookie[flashCookie]}})
	}
	// Retrying a delivered task is refused with the API's own words, and changes nothing.
	matrix := seeded["matrix"].ID
	page := post("/ui/tasks/" + matrix + "/retry")
	want := api409(t, f, "/api/v1/tasks/"+matrix+"/retry")
	if !strings.Contains(page.body, "Could not retry "+matrix) || !strings.Contains(page.body, want) {
		t.Fatalf("want the API's message %q on the page:\n%s", want, page.body)
	}
	// Cancel a pending task (Bearer needs no form token: a browser cannot send the header).
	bear := seeded["bear"].ID
	page = post("/ui/tasks/" + bear + "/cancel")
	if tk, _ := f.store.Get(context.Background(), bear); tk.Status != task.StatusCancelled || tk.CancelledBy != task.CancelledByOperator {
		t.Fatalf("cancel: task is %s by %q", tk.Status, tk.CancelledBy)
	}
	if !strings.Contains(page.body, bear+" is cancelled.") {
		t.Fatalf("no flash for the cancel:\n%s", page.body)
	}
	// A malformed id gets the API's validation.
	page = post("/ui/tasks/42/retry")
	if !strings.Contains(page.body, "malformed") {
		t.Fatalf("malformed id:\n%s", page.body)
	}
	// Reconcile without Seerr says how to enable it; the button is disabled.
	page = post("/ui/reconcile")
	if !strings.Contains(page.body, "JELLY_URL") || !strings.Contains(page.body, `id="reconcile-now" disabled`) {
		t.Fatalf("reconcile off:\n%s", page.body)
	}
	// No notifier: the button is disabled and the page names NOTIFY_URLS.
	page = post("/ui/notify-test")
	if !strings.Contains(page.body, `id="notify-test" disabled`) || !strings.Contains(page.body, "NOTIFY_URLS") {
		t.Fatalf("notify off:\n%s", page.body)
	}
}

// api409 calls the REST API and returns its message.
func api409(t *testing.T, f *fixture, path string) string {
	t.Helper()
	a := f.do(t, req{method: http.MethodPost, path: path, header: map[string]string{"Authorization": "Bearer " + testToken}})
	if a.status != http.StatusConflict {
		t.Fatalf("%s: status %d", path, a.status)
	}
	m := regexp.MustCompile(`"msg":"([^"]+)"`).FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no msg in %s", a.body)
	}
	return m[1]
}

type fakeNotifier struct {
	calls int
	err   error
}

func (n *fakeNotifier) Test(context.Context) error { n.calls++; return n.err }

func TestNotifyTest(t *testing.T) {
	n := &fakeNotifier{}
	f := newFixture(t, fixtureOpts{token: testToken, notifier: n})
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	a := f.do(t, req{method: http.MethodPost, path: "/ui/notify-test", form: url.Values{}, header: bearer})
	page := f.do(t, req{path: "/", header: bearer, cookies: []*http.Cookie{a.cookie[flashCookie]}})
	if n.calls != 1 || !strings.Contains(page.body, "Test notification sent.") || strings.Contains(page.body, `id="notify-test" disabled`) {
		t.Fatalf("calls %d\n%s", n.calls, page.body)
	}
	n.err = errors.New("telegram: 401 Unauthorized")
	a = f.do(t, req{method: http.MethodPost, path: "/ui/notify-test", form: url.Values{}, header: bearer})
	page = f.do(t, req{path: "/", header: bearer, cookies: []*http.Cookie{a.cookie[flashCookie]}})
	if !strings.Contains(page.body, "The test notification failed.") || !strings.Contains(page.body, "telegram: 401 Unauthorized") {
		t.Fatalf("failure not shown:\n%s", page.body)
	}
}

func TestLanguage(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	f.demo(t)
	bearer := "Bearer " + testToken
	zh := f.do(t, req{path: "/", header: map[string]string{"Authorization": bearer, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}})
	if !strings.Contains(zh.body, `lang="zh-CN"`) || !strings.Contains(zh.body, "失败") || !strings.Contains(zh.body, ">English<") {
		t.Fatalf("zh:\n%s", zh.body)
	}
	en := f.do(t, req{path: "/", header: map[string]string{"Authorization": bearer, "Accept-Language": "en-GB,zh;q=0.5"}})
	if !strings.Contains(en.body, `lang="en"`) || !strings.Contains(en.body, ">简体中文<") {
		t.Fatalf("en:\n%s", en.body)
	}
	// The switch wins over the header and is remembered in a cookie.
	sw := f.do(t, req{path: "/?lang=zh&state=failed", header: map[string]string{"Authorization": bearer, "Accept-Language": "en"}})
	lc := sw.cookie[langCookie]
	if !strings.Contains(sw.body, `lang="zh-CN"`) || lc == nil || lc.Value != "zh" {
		t.Fatalf("switch: cookie %+v", lc)
	}
	// The switch link keeps the filter.
	if !strings.Contains(sw.body, `href="/?lang=en&amp;state=failed"`) {
		t.Fatalf("switch link lost the filter:\n%s", sw.body)
	}
	again := f.do(t, req{path: "/", header: map[string]string{"Authorization": bearer, "Accept-Language": "en"}, cookies: []*http.Cookie{lc}})
	if !strings.Contains(again.body, `lang="zh-CN"`) {
		t.Fatal("the language cookie was not honoured")
	}
	// The login form speaks the language too.
	if a := f.do(t, req{path: "/", header: map[string]string{"Accept-Language": "zh"}}); !strings.Contains(a.body, "管理令牌") {
		t.Fatalf("login zh:\n%s", a.body)
	}
}

func TestBasePathPrefixesEveryLink(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken, base: "/sub/seerrpilot"})
	f.demo(t)
	a := f.do(t, req{path: "/sub/seerrpilot/", header: map[string]string{"Authorization": "Bearer " + testToken}})
	if a.status != http.StatusOK {
		t.Fatalf("status %d", a.status)
	}
	links := regexp.MustCompile(`(?:href|action|src)="([^"]*)"`).FindAllStringSubmatch(a.body, -1)
	if len(links) < 10 {
		t.Fatalf("only %d links", len(links))
	}
	for _, l := range links {
		if !strings.HasPrefix(l[1], "/sub/seerrpilot/") {
			t.Fatalf("link %q is outside BASE_PATH", l[1])
		}
	}
	// Without the trailing slash the browser would not send the cookie (its path is BASE_PATH/).
	if r := f.do(t, req{path: "/sub/seerrpilot?state=failed"}); r.status != http.StatusMovedPermanently ||
		r.header.Get("Location") != "/sub/seerrpilot/?state=failed" {
		t.Fatalf("no-slash: status %d location %q", r.status, r.header.Get("Location"))
	}
	// The static files are there.
	for _, p := range []string{"/sub/seerrpilot/ui/static/style.css", "/sub/seerrpilot/ui/static/app.js"} {
		if r := f.do(t, req{path: p}); r.status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.status)
		}
	}
}

func TestOtherRoutesKeepTheirBehaviour(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	for _, tc := range []struct {
		path string
		want int
		body string
	}{
		{"/healthz", http.StatusOK, `"status"`},
		{"/nope", http.StatusNotFound, `"code":1002`},
		{"/ui/nope", http.StatusNotFound, `"code":1002`},
		{"/ui/static/nope.js", http.StatusNotFound, `"code":1002`},
		{"/api/v1/tasks", http.StatusUnauthorized, `"code":-32001`},
	} {
		a := f.do(t, req{path: tc.path})
		if a.status != tc.want || !strings.Contains(a.body, tc.body) {
			t.Fatalf("%s: status %d body %s", tc.path, a.status, a.body)
		}
	}
	a := f.do(t, req{method: http.MethodPost, path: "/", header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	if a.status != http.StatusMethodNotAllowed || !strings.Contains(a.body, `"code":1001`) {
		t.Fatalf("POST /: status %d body %s", a.status, a.body)
	}
}

func TestHostileTitleIsEscaped(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	hostile := `<script>alert(1)</script><img src=x onerror=alert(2)>"'`
	f.add(t, seed{in: task.Input{RequestID: 7, TMDBID: 7, MediaType: task.TypeMovie, Title: hostile, RequestedBy: `<b>eve</b>`},
		status: task.StatusFailed, err: `<script>alert(3)</script>`})
	a := f.do(t, req{path: "/?q=" + url.QueryEscape("<script>"), header: map[string]string{"Authorization": "Bearer " + testToken}})
	if strings.Contains(a.body, "<script>alert") || strings.Contains(a.body, "<img src=x") || strings.Contains(a.body, "<b>eve") {
		t.Fatalf("unescaped markup:\n%s", a.body)
	}
	if !strings.Contains(a.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("the title is not shown escaped:\n%s", a.body)
	}
	csp := a.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
}

func TestFilterSearchAndBounds(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	f.demo(t)
	get := func(q string) answer {
		return f.do(t, req{path: "/" + q, header: map[string]string{"Authorization": "Bearer " + testToken}})
	}
	a := get("?state=failed")
	if !strings.Contains(a.body, "Dune: Part Two") || strings.Contains(a.body, "The Matrix") {
		t.Fatalf("filter failed:\n%s", a.body)
	}
	a = get("?q=matr")
	if !strings.Contains(a.body, "The Matrix") || strings.Contains(a.body, "Dune") {
		t.Fatalf("search:\n%s", a.body)
	}
	a = get("?q=" + url.QueryEscape("千与"))
	if !strings.Contains(a.body, "千与千寻") || strings.Contains(a.body, "The Matrix") {
		t.Fatalf("search zh:\n%s", a.body)
	}
	a = get("?state=bogus")
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `Unknown state &#34;bogus&#34;`) || !strings.Contains(a.body, "The Matrix") {
		t.Fatalf("bad state: %d\n%s", a.status, a.body)
	}
	long := strings.Repeat("x", 5000)
	a = get("?q=" + long)
	if strings.Contains(a.body, strings.Repeat("x", maxSearch+1)) || !strings.Contains(a.body, "was cut") {
		t.Fatalf("long search not bounded")
	}
	// Page size: only the offered sizes.
	for i := 0; i < 60; i++ {
		f.add(t, seed{in: task.Input{RequestID: 1000 + i, TMDBID: 1000 + i, MediaType: task.TypeMovie, Title: "Filler"}})
	}
	count := func(a answer) int { return strings.Count(a.body, `<article class="req"`) }
	if n := count(get("")); n != defaultLimit {
		t.Fatalf("default page: %d rows", n)
	}
	if n := count(get("?n=100000")); n != defaultLimit {
		t.Fatalf("n=100000: %d rows", n)
	}
	if n := count(get("?n=25")); n != 25 {
		t.Fatalf("n=25: %d rows", n)
	}
	if a := get(""); !strings.Contains(a.body, `id="more"`) {
		t.Fatal("no 'show more' link")
	}
}

func TestRelativeTimeUsesTheClock(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken})
	f.demo(t)
	a := f.do(t, req{path: "/", header: map[string]string{"Authorization": "Bearer " + testToken}})
	// The Bear's next attempt is 4 min after it was stored and the clock moved 2 min since.
	if !strings.Contains(a.body, "next attempt in 2 min") {
		t.Fatalf("no relative next attempt:\n%s", a.body)
	}
	zh := f.do(t, req{path: "/", header: map[string]string{"Authorization": "Bearer " + testToken, "Accept-Language": "zh"}})
	if !strings.Contains(zh.body, "下次尝试：2 分钟后") {
		t.Fatalf("zh relative time:\n%s", zh.body)
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "just now"}, {-30 * time.Second, "30 s ago"}, {3 * time.Minute, "in 3 min"}, {-2 * time.Hour, "2 h ago"}, {-72 * time.Hour, "3 d ago"},
	} {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if got := relTime(langEN, now.Add(tc.d), now); got != tc.want {
			t.Errorf("relTime(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestEveryMessageHasBothLanguages(t *testing.T) {
	for k, m := range messages {
		if m[0] == "" || m[1] == "" {
			t.Errorf("message %q lacks a language", k)
		}
	}
	for _, s := range task.Statuses {
		if _, ok := messages["state."+string(s)]; !ok {
			t.Errorf("no label for state %s", s)
		}
	}
	for _, s := range task.Sources {
		if _, ok := messages["source."+string(s)]; !ok {
			t.Errorf("no label for source %s", s)
		}
	}
}
