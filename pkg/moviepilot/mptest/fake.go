package mptest

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
)

// maxRequestBody bounds what the fake reads from a request.
const maxRequestBody = 1 << 20

// Fake is the fake MoviePilot as an http.Handler. All methods are safe for concurrent use.
type Fake struct {
	opts Options

	mu             sync.Mutex
	secret         []byte
	subs           []Subscription
	nextID         int
	history        []historyRow
	nextHistID     int
	calls          []Call
	createCount    int
	loginCount     int
	faults         []fault
	businessFails  []string
	createThenFail int
	background     []background // /subscribe/seerr adds not run yet
	down           bool
	latency        time.Duration
	messages       []Message       // accepted by the MCP tool send_message (mcp.go)
	messageFails   []string        // answers for the next send_message calls
	sessions       map[string]bool // MCP sessions (Options.MCPSessions): initialized?
	sessionSeq     int
}

// fault is one queued injected answer.
type fault struct {
	status int
	body   string
	header http.Header
}

// answer is a response computed under the lock and written after it is released.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// NewHandler returns a fake MoviePilot as a plain http.Handler, for serving on a real port.
func NewHandler(opts Options) *Fake {
	if opts.Version != V3 {
		opts.Version = V2
	}
	if opts.SuperUser == "" {
		opts.SuperUser = "admin"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	users := make(map[string]string, len(opts.Users))
	for u, p := range opts.Users {
		users[u] = p
	}
	opts.Users = users
	if opts.KnownTMDB != nil {
		known := make(map[int]Media, len(opts.KnownTMDB))
		for id, m := range opts.KnownTMDB {
			known[id] = m
		}
		opts.KnownTMDB = known
	}
	return &Fake{opts: opts, secret: newSecret(), nextID: 1, sessions: map[string]bool{}}
}

func newSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b
}

// Restart simulates a MoviePilot restart without SECRET_KEY: the JWT secret rotates, so every
// JWT issued so far is rejected with 403. Stored subscriptions survive (they live in the DB).
func (f *Fake) Restart() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secret = newSecret()
}

// FailNext makes the next n requests (login excluded) answer status with body. A body that
// starts with '{' is sent as JSON, anything else as plain text.
func (f *Fake) FailNext(n int, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ct := "text/plain; charset=utf-8"
	if strings.HasPrefix(strings.TrimSpace(body), "{") {
		ct = "application/json"
	}
	for i := 0; i < n; i++ {
		f.faults = append(f.faults, fault{status: status, body: body, header: http.Header{"Content-Type": {ct}}})
	}
}

// RateLimitNext makes the next n requests (login excluded) answer 429 with a Retry-After
// header of retryAfter, rounded up to whole seconds.
func (f *Fake) RateLimitNext(n int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	secs := int((retryAfter + time.Second - 1) / time.Second)
	for i := 0; i < n; i++ {
		f.faults = append(f.faults, fault{
			status: http.StatusTooManyRequests,
			body:   `{"detail":"Too Many Requests"}`,
			header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {strconv.Itoa(secs)}},
		})
	}
}

// BusinessFailNext makes the next n valid create requests answer HTTP 200 success:false
// with msg (for example "未获取到第 2 季的总集数"), storing nothing.
func (f *Fake) BusinessFailNext(n int, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < n; i++ {
		f.businessFails = append(f.businessFails, msg)
	}
}

// CreateThenFailNext makes the next n successful create requests store (or find) the row
// and then answer 500, as when MoviePilot commits but fails afterwards (issue #6461).
func (f *Fake) CreateThenFailNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.createThenFail += n
}

// SetDown makes every request, login included, answer 503 while down is true.
func (f *Fake) SetDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// SetLatency delays every answer by d (or until the client goes away).
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// Subscriptions returns a copy of the stored rows, in id order.
func (f *Fake) Subscriptions() []Subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Subscription, len(f.subs))
	for i, s := range f.subs {
		out[i] = s.clone()
	}
	return out
}

// Calls returns a copy of every request received so far, in arrival order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// CreateCount is how many requests reached POST /api/v1/subscribe/, whatever their outcome
// (injected faults included).
func (f *Fake) CreateCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.createCount
}

// LoginCount is how many login requests were received, successful or not.
func (f *Fake) LoginCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loginCount
}

func (s Subscription) clone() Subscription {
	if s.Season != nil {
		v := *s.Season
		s.Season = &v
	}
	return s
}

// ServeHTTP answers one request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	op := routeOp(r.Method, r.URL.Path)

	f.mu.Lock()
	call := Call{
		Time:   f.opts.Now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  redactQuery(r.URL.RawQuery),
		Op:     op,
	}
	ans := f.handle(r, op, body, &call)
	call.Status = ans.status
	f.calls = append(f.calls, call)
	latency := f.latency
	f.mu.Unlock()

	if latency > 0 {
		if !clock.Sleep(r.Context(), latency) {
			return
		}
	}
	for k, vs := range ans.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(ans.status)
	_, _ = w.Write(ans.body)
}

// routeOp names the operation a request is aimed at.
func routeOp(method, path string) string {
	switch {
	case path == "/api/v1/login/access-token":
		return "login"
	case path == "/api/v1/subscribe" && method == http.MethodPost:
		return "redirect"
	case path == "/api/v1/subscribe/" && method == http.MethodPost:
		return "create"
	case path == "/api/v1/subscribe/" && method == http.MethodGet:
		return "list"
	case path == "/api/v1/subscribe/list":
		return "list-token"
	case path == "/api/v1/subscribe/" && method == http.MethodPut:
		return "update"
	case path == "/api/v1/subscribe/seerr":
		return "seerr"
	case path == "/api/v1/mcp":
		return "mcp"
	case strings.HasPrefix(path, historyPrefix) && len(path) > len(historyPrefix) && method == http.MethodGet:
		return "history"
	case strings.HasPrefix(path, "/api/v1/subscribe/") && isDigits(strings.TrimPrefix(path, "/api/v1/subscribe/")):
		return "get"
	case strings.HasPrefix(path, "/api/v1/subscribe/media/") && len(path) > len("/api/v1/subscribe/media/"):
		return "lookup"
	}
	return "unknown"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// handle computes the answer; f.mu is held.
func (f *Fake) handle(r *http.Request, op string, body []byte, call *Call) answer {
	f.runBackground()
	switch op {
	case "login":
		f.loginCount++
	case "create":
		f.createCount++
	}
	if f.down {
		return plain(http.StatusServiceUnavailable, "Service Unavailable")
	}
	if op != "login" && len(f.faults) > 0 {
		ft := f.faults[0]
		f.faults = f.faults[1:]
		return answer{status: ft.status, header: ft.header.Clone(), body: []byte(ft.body)}
	}
	switch op {
	case "login":
		if r.Method != http.MethodPost {
			return f.detail(http.StatusMethodNotAllowed, "Method Not Allowed")
		}
		return f.login(r, body)
	case "redirect":
		loc := "http://" + r.Host + "/api/v1/subscribe/"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		return answer{status: http.StatusTemporaryRedirect, header: http.Header{"Location": {loc}}}
	case "create":
		user, auth, deny := f.authJWT(r)
		call.Auth = auth
		if deny != nil {
			return *deny
		}
		return f.create(body, user)
	case "list":
		_, auth, deny := f.authJWT(r)
		call.Auth = auth
		if deny != nil {
			return *deny
		}
		return f.list(r)
	case "list-token":
		if r.Method != http.MethodGet {
			return f.detail(http.StatusMethodNotAllowed, "Method Not Allowed")
		}
		if f.opts.APIToken == "" || r.URL.Query().Get("token") != f.opts.APIToken {
			return f.detail(http.StatusUnauthorized, "API_TOKEN 校验不通过")
		}
		call.Auth = "token-query"
		return f.list(r)
	case "get", "update":
		if op == "get" && r.Method != http.MethodGet && r.Method != http.MethodDelete {
			return f.detail(http.StatusMethodNotAllowed, "Method Not Allowed")
		}
		_, auth, deny := f.authJWT(r)
		call.Auth = auth
		if deny != nil {
			return *deny
		}
		if op == "get" && r.Method == http.MethodDelete {
			// delete_subscribe: success whether or not the row existed; no history row. Real
			// 2.5.6 answers {"success":true,"message":null,"data":{}} (schemas.Response).
			if i := f.index(f.pathID(r)); i >= 0 {
				f.subs = append(f.subs[:i], f.subs[i+1:]...)
			}
			if f.opts.Version == V3 {
				return jsonAnswer(http.StatusOK, envelope(true, "", map[string]any{}))
			}
			return f.updateResult(true, "")
		}
		if op == "get" {
			return f.get(r)
		}
		return f.update(body)
	case "history":
		_, auth, deny := f.authJWT(r)
		call.Auth = auth
		if deny != nil {
			return *deny
		}
		return f.subscribeHistory(r)
	case "seerr":
		if r.Method != http.MethodPost {
			return f.detail(http.StatusMethodNotAllowed, "Method Not Allowed")
		}
		return f.seerr(r, body, call)
	case "mcp":
		if f.opts.Version != V3 {
			break // v2.5.6 has no MCP server: FastAPI's 404 below
		}
		return f.mcp(r, body, call)
	case "lookup":
		if r.Method != http.MethodGet {
			return f.detail(http.StatusMethodNotAllowed, "Method Not Allowed")
		}
		_, auth, deny := f.authJWT(r)
		call.Auth = auth
		if deny != nil {
			return *deny
		}
		return f.lookup(r)
	}
	if strings.HasPrefix(r.URL.Path, "/api/v1/subscribe") || r.URL.Path == "/api/v1/login/access-token" {
		return f.detail(http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	return f.detail(http.StatusNotFound, "Not Found")
}

// authJWT implements verify_token (plus the API-token fallback when AcceptAPIKey is set).
func (f *Fake) authJWT(r *http.Request) (user, how string, deny *answer) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "bearer") && tok != "" {
			// v2.5.6 answers a bad JWT or a missing user 403; v3 answers every auth
			// failure 401.
			denied := http.StatusForbidden
			if f.opts.Version == V3 {
				denied = http.StatusUnauthorized
			}
			claims, ok := f.verifyJWT(tok)
			if !ok {
				a := f.detail(denied, "token校验不通过")
				return "", "", &a
			}
			if _, exists := f.opts.Users[claims.Username]; !exists {
				a := f.detail(denied, "用户不存在")
				return "", "", &a
			}
			return claims.Username, "jwt", nil
		}
	}
	if f.opts.AcceptAPIKey && f.opts.APIToken != "" {
		q := r.URL.Query()
		switch {
		case r.Header.Get("X-API-KEY") == f.opts.APIToken:
			return f.opts.SuperUser, "x-api-key", nil
		case q.Get("apikey") == f.opts.APIToken:
			return f.opts.SuperUser, "apikey-query", nil
		case q.Get("token") == f.opts.APIToken:
			return f.opts.SuperUser, "token-query", nil
		}
	}
	a := f.detail(http.StatusUnauthorized, "Not authenticated")
	a.header.Set("WWW-Authenticate", "Bearer")
	return "", "", &a
}

func (f *Fake) login(r *http.Request, body []byte) answer {
	form := url.Values{}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		if v, err := url.ParseQuery(string(body)); err == nil {
			form = v
		}
	}
	var missing []issue
	for _, k := range []string{"username", "password"} {
		if form.Get(k) == "" {
			missing = append(missing, issue{Loc: []any{"body", k}, Msg: "field required", Type: "value_error.missing"})
		}
	}
	if len(missing) > 0 {
		return f.validation(missing)
	}
	user, pass := form.Get("username"), form.Get("password")
	want, ok := f.opts.Users[user]
	if !ok || want != pass {
		return f.detail(http.StatusUnauthorized, "用户名或密码或二次校验码不正确")
	}
	now := f.opts.Now()
	tok := f.signJWT(jwtClaims{
		Exp:       now.Add(8 * 24 * time.Hour).Unix(),
		Iat:       now.Unix(),
		Sub:       strconv.Itoa(userID(f.opts.Users, user)),
		Username:  user,
		SuperUser: true,
		Level:     2,
		Purpose:   "authentication",
	})
	return f.data(map[string]any{
		"access_token": tok,
		"token_type":   "bearer",
		"super_user":   true,
		"user_id":      userID(f.opts.Users, user),
		"user_name":    user,
		"avatar":       nil,
		"level":        2,
		"permissions":  map[string]any{},
	})
}

// userID gives users stable ids: their rank in name order, from 1.
func userID(users map[string]string, name string) int {
	id := 1
	for u := range users {
		if u < name {
			id++
		}
	}
	return id
}

// redactQuery replaces secret query values so Calls never holds them.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, found := strings.Cut(p, "=")
		switch strings.ToLower(k) {
		case "token", "apikey", "password", "access_token":
			if found {
				parts[i] = k + "=REDACTED"
			}
		}
	}
	return strings.Join(parts, "&")
}
