package moviepilot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/jsonx"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// AuthScheme is how the client authenticates to MoviePilot.
type AuthScheme string

// The supported auth schemes. Config resolves aliases ("x-api-token") and "auto" before
// building a Client.
const (
	// AuthXAPIKey sends "X-API-KEY: <Token>".
	AuthXAPIKey AuthScheme = "x-api-key"
	// AuthBearer sends "Authorization: Bearer <Token>".
	AuthBearer AuthScheme = "bearer"
	// AuthQueryToken appends "?token=<Token>" to every request URL.
	AuthQueryToken AuthScheme = "query-token"
	// AuthLogin logs in with Username and Password and sends the JWT as a bearer token.
	AuthLogin AuthScheme = "login"
)

// API versions.
const (
	VersionAuto = "auto"
	VersionV2   = "v2"
	VersionV3   = "v3"
)

const (
	defaultTimeout = 15 * time.Second
	maxBody        = 1 << 20 // bound on every answer read
	maxErrBody     = 300     // Error.Body length
	loginPath      = "/api/v1/login/access-token"
)

// Config configures a Client.
type Config struct {
	// BaseURL is MoviePilot's address, http(s), optionally with a sub-path
	// ("https://host/mp/"); a trailing slash is fine.
	BaseURL string
	// Scheme is the auth scheme.
	Scheme AuthScheme
	// Token is the API token for AuthXAPIKey, AuthBearer and AuthQueryToken.
	Token string
	// Username and Password are for AuthLogin.
	Username, Password string
	// APIVersion is "auto" (or empty), "v2" or "v3".
	APIVersion string
	// Timeout bounds each HTTP call (default 15s).
	Timeout time.Duration
	// HTTPClient is optional; the client uses a copy that never follows redirects.
	HTTPClient *http.Client
	// Observe, if set, is called once per Lookup, Create, Get, History, owner update,
	// Seerr-endpoint add, login, detection and message (SendMessage, CheckMessaging) with the
	// op ("lookup", "create", "get", "history", "update", "seerr", "login", "detect",
	// "message"), the outcome ("ok", "http_3xx", "http_4xx", "http_5xx", "business",
	// "network", "auth", "malformed", "canceled", "invalid") and the time its
	// HTTP exchanges took (request sent → answer read): the wait for RatePerSec and a login
	// it needed first are not in it.
	Observe func(op, outcome string, d time.Duration)
	// ObserveWait, if set, is called with how long each request waited for RatePerSec.
	ObserveWait func(d time.Duration)
	// RatePerSec, when > 0, paces every HTTP request this client sends (lookups, creates,
	// version detection, logins and the retry after a re-login) through one token bucket of
	// that rate with burst 1 (MP_RATE_LIMIT_PER_SEC), so MoviePilot never sees more. 0 means
	// unpaced (doctor's one-off probes, tests).
	RatePerSec float64
	// Paced, if set with RatePerSec, is called before each request with the time the
	// limiter scheduled it for. That schedule, not when a busy machine got round to
	// sending, is what RatePerSec promises; tests check it.
	Paced func(at time.Time)
}

// Client talks to one MoviePilot. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	scheme   AuthScheme
	token    string
	username string
	password string
	fixedVer string
	timeout  time.Duration
	hc       *http.Client
	observe  func(op, outcome string, d time.Duration)
	// observeWait gets each request's wait for the rate limit.
	observeWait func(d time.Duration)
	pace        *rate.Limiter // nil: unpaced
	// paced, if set (tests), is told the time the limiter scheduled each request for.
	paced    func(at time.Time)
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) bool // waits for the rate limiter
	secretRE *regexp.Regexp

	loginSem chan struct{} // one login at a time
	jwtMu    sync.Mutex
	jwt      string

	detectSem chan struct{} // one detection at a time
	verMu     sync.Mutex
	version   string
}

// New validates cfg and builds a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	switch cfg.Scheme {
	case AuthXAPIKey, AuthBearer, AuthQueryToken:
		if cfg.Token == "" {
			return nil, fmt.Errorf("moviepilot: auth scheme %q needs a token", cfg.Scheme)
		}
	case AuthLogin:
		if cfg.Username == "" || cfg.Password == "" {
			return nil, errors.New("moviepilot: auth scheme \"login\" needs a username and a password")
		}
	default:
		return nil, fmt.Errorf("moviepilot: unknown auth scheme %q (want x-api-key, bearer, query-token or login)", cfg.Scheme)
	}
	ver := strings.ToLower(strings.TrimSpace(cfg.APIVersion))
	switch ver {
	case "", VersionAuto:
		ver = ""
	case VersionV2, VersionV3:
	default:
		return nil, fmt.Errorf("moviepilot: unknown API version %q (want auto, v2 or v3)", cfg.APIVersion)
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		hc = &cp
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	c := &Client{
		base:        base,
		scheme:      cfg.Scheme,
		token:       cfg.Token,
		username:    cfg.Username,
		password:    cfg.Password,
		fixedVer:    ver,
		timeout:     timeout,
		hc:          hc,
		observe:     cfg.Observe,
		observeWait: cfg.ObserveWait,
		paced:       cfg.Paced,
		now:         time.Now,
		sleep:       clock.Sleep,
		loginSem:    make(chan struct{}, 1),
		detectSem:   make(chan struct{}, 1),
	}
	if cfg.RatePerSec > 0 {
		c.pace = rate.NewLimiter(rate.Limit(cfg.RatePerSec), 1)
	}
	c.secretRE = regexp.MustCompile(`(?i)((?:token|apikey|api_key|access_token|password)=)[^&\s"'<>]+` +
		`|((?:"access_token"|"token"|"password")\s*:\s*")[^"]*` +
		`|(bearer\s+)[A-Za-z0-9._~+/=-]+` +
		`|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
	return c, nil
}

// parseBaseURL checks the base URL without ever echoing it (it may hold a secret).
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("moviepilot: base URL does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("moviepilot: base URL must start with http:// or https://")
	}
	if u.Host == "" {
		return nil, errors.New("moviepilot: base URL has no host")
	}
	if u.User != nil {
		return nil, errors.New("moviepilot: base URL must not hold credentials; use the auth settings")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("moviepilot: base URL must not have a query or fragment; use the auth settings for tokens")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// request is one HTTP exchange to make.
type request struct {
	method string
	path   string // below the base URL, starting with "/"
	query  url.Values
	body   []byte
	ctype  string
	// rawToken sends "Authorization: <token>" (no scheme), as /api/v1/subscribe/seerr wants,
	// instead of the configured auth.
	rawToken bool
	// apiKey sends "X-API-KEY: <token>" whatever the configured scheme (and no ?token=), as
	// the MCP endpoint wants: it accepts only MoviePilot's API_TOKEN.
	apiKey bool
	// accept replaces the Accept header ("application/json").
	accept string
	// session is sent as Mcp-Session-Id when set.
	session string
}

// reply is an answer, body already read (bounded).
type reply struct {
	status    int
	header    http.Header
	body      []byte
	truncated bool
}

// scrub removes every secret the client knows of, and anything that looks like one.
func (c *Client) scrub(s string) string {
	if s == "" {
		return s
	}
	c.jwtMu.Lock()
	jwt := c.jwt
	c.jwtMu.Unlock()
	s = redact.New(c.token, c.password, jwt).String(s) // every encoded form, not just the plain one
	return c.secretRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := c.secretRE.FindStringSubmatch(m)
		for _, prefix := range sub[1:] {
			if prefix != "" {
				return prefix + "REDACTED"
			}
		}
		return "REDACTED"
	})
}

// call makes req under the configured auth, logging in again once on 401/403 under
// AuthLogin. Only network-level failures are returned as errors; any answer is a reply.
func (c *Client) call(ctx context.Context, op string, req request) (*reply, error) {
	stale := ""
	for attempt := 0; ; attempt++ {
		jwt := ""
		if c.scheme == AuthLogin {
			var err error
			if jwt, err = c.bearerJWT(ctx, stale); err != nil {
				return nil, err
			}
		}
		rep, err := c.send(ctx, op, req, jwt)
		if err != nil {
			return nil, err
		}
		if c.scheme == AuthLogin && attempt == 0 &&
			(rep.status == http.StatusUnauthorized || rep.status == http.StatusForbidden) {
			stale = jwt
			continue
		}
		return rep, nil
	}
}

// send makes one HTTP exchange bounded by the per-call timeout.
func (c *Client) send(ctx context.Context, op string, req request, jwt string) (*reply, error) {
	u := *c.base
	u.Path = c.base.Path + req.path
	q := url.Values{}
	for k, vs := range req.query {
		q[k] = append([]string(nil), vs...)
	}
	safeQ := url.Values{}
	for k, vs := range q {
		safeQ[k] = vs
	}
	if c.scheme == AuthQueryToken && !req.apiKey {
		q.Set("token", c.token)
		safeQ.Set("token", "REDACTED")
	}
	u.RawQuery = q.Encode()
	safe := u
	safe.RawQuery = safeQ.Encode()
	safeURL := safe.String()

	if c.pace != nil {
		// The token is taken before the per-call timeout starts: waiting for our own rate
		// limit is not MoviePilot being slow (nor is it in the operation's exchange time).
		if err := c.waitTurn(ctx, op); err != nil {
			return nil, err
		}
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, u.String(), body)
	if err != nil {
		return nil, &Error{Op: op, Class: ClassPermanent, Message: "cannot build request for " + safeURL}
	}
	hreq.Header.Set("Accept", "application/json")
	if req.accept != "" {
		hreq.Header.Set("Accept", req.accept)
	}
	if req.session != "" {
		hreq.Header.Set("Mcp-Session-Id", req.session)
	}
	if req.ctype != "" {
		hreq.Header.Set("Content-Type", req.ctype)
	}
	switch {
	case req.apiKey:
		hreq.Header.Set("X-API-KEY", c.token)
	case req.rawToken:
		hreq.Header.Set("Authorization", c.token)
	case c.scheme == AuthXAPIKey:
		hreq.Header.Set("X-API-KEY", c.token)
	case c.scheme == AuthBearer:
		hreq.Header.Set("Authorization", "Bearer "+c.token)
	case c.scheme == AuthLogin:
		if jwt != "" {
			hreq.Header.Set("Authorization", "Bearer "+jwt)
		}
	}

	sent := c.now()
	if e, ok := ctx.Value(exchangeKey{}).(*exchange); ok {
		defer func() { e.ns.Add(int64(c.now().Sub(sent))) }()
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, c.transportError(ctx, op, req, safeURL, err)
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if rerr != nil {
		return nil, c.transportError(ctx, op, req, safeURL, rerr)
	}
	rep := &reply{status: resp.StatusCode, header: resp.Header, body: data}
	if len(data) > maxBody {
		rep.body, rep.truncated = data[:maxBody], true
	}
	return rep, nil
}

// waitTurn takes a token from the rate limiter, on the client's clock: (like rate.Limiter.Wait)
// it fails at once when the caller's deadline ends before the token is free, and it reports
// the wait to ObserveWait.
func (c *Client) waitTurn(ctx context.Context, op string) error {
	now := c.now()
	r := c.pace.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
		r.CancelAt(now)
		// The caller's deadline ends before a token is free: nothing was sent; try later.
		return &Error{Op: op, Class: ClassRetry, Message: fmt.Sprintf("rate limit (MP_RATE_LIMIT_PER_SEC): the next free slot is %s away, after the call's deadline", d)}
	}
	if d > 0 && !c.sleep(ctx, d) {
		r.CancelAt(c.now())
		return &Error{Op: op, Class: ClassCanceled, Message: ctx.Err().Error(), cause: ctx.Err()}
	}
	if c.observeWait != nil {
		c.observeWait(d)
	}
	if c.paced != nil {
		c.paced(now.Add(d))
	}
	return nil
}

// transportError classifies a failure to get (or read) an answer.
func (c *Client) transportError(ctx context.Context, op string, req request, safeURL string, err error) *Error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &Error{Op: op, Class: ClassCanceled, Message: ctxErr.Error(), cause: ctxErr}
	}
	cause := redactedURLError(err, safeURL)
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Op: op, Class: ClassRetry,
			Message: fmt.Sprintf("%s %s: no answer within %s", req.method, safeURL, c.timeout), cause: cause}
	}
	var ue *url.Error
	inner := err
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	return &Error{Op: op, Class: ClassRetry,
		Message: c.scrub(fmt.Sprintf("%s %s: %v", req.method, safeURL, inner)), cause: cause}
}

// httpError turns a non-success answer into an *Error.
func (c *Client) httpError(op string, rep *reply) *Error {
	e := &Error{
		Op:      op,
		Status:  rep.status,
		Class:   classForStatus(rep.status),
		Message: c.scrub(trunc.Mark(errorMessage(rep.body), maxErrBody)),
		Body:    c.scrub(trunc.Mark(strings.TrimSpace(string(rep.body)), maxErrBody)),
	}
	if rep.status >= 300 && rep.status < 400 {
		loc := c.scrub(rep.header.Get("Location"))
		e.Message = fmt.Sprintf("MoviePilot redirected (to %q) instead of answering; redirects are not followed: "+
			"check the base URL's sub-path and any reverse proxy that strips or adds trailing slashes", loc)
	}
	if rep.status == http.StatusTooManyRequests || rep.status == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(rep.header.Get("Retry-After"), c.now())
	}
	return e
}

// malformed is a 2xx answer that cannot be understood.
func (c *Client) malformed(op string, rep *reply, why string) *Error {
	if rep.truncated {
		why = fmt.Sprintf("answer larger than %d bytes", maxBody)
	}
	return &Error{Op: op, Status: rep.status, Class: ClassPermanent, Message: why,
		Body: c.scrub(trunc.Mark(strings.TrimSpace(string(rep.body)), maxErrBody))}
}

// exchange adds up the time one operation spent in HTTP exchanges with MoviePilot: from
// sending the request to having read the answer. Waiting for seerrpilot's own rate limit
// (and a login it needed first, which is an operation of its own) is not in it.
type exchange struct{ ns atomic.Int64 }

type exchangeKey struct{}

// track starts an operation's exchange time; send adds to the innermost one in ctx.
func track(ctx context.Context) (context.Context, *exchange) {
	e := &exchange{}
	return context.WithValue(ctx, exchangeKey{}, e), e
}

// report calls the Observe hook with the operation's HTTP exchange time.
func (c *Client) report(op string, spent *exchange, err error) {
	if c.observe != nil {
		c.observe(op, outcome(err), time.Duration(spent.ns.Load()))
	}
}

// bearerJWT returns a JWT that is not stale, logging in when needed. Concurrent callers
// share one login.
func (c *Client) bearerJWT(ctx context.Context, stale string) (string, error) {
	c.jwtMu.Lock()
	cur := c.jwt
	c.jwtMu.Unlock()
	if cur != "" && cur != stale {
		return cur, nil
	}
	select {
	case c.loginSem <- struct{}{}:
	case <-ctx.Done():
		return "", &Error{Op: "login", Class: ClassCanceled, Message: ctx.Err().Error(), cause: ctx.Err()}
	}
	defer func() { <-c.loginSem }()
	c.jwtMu.Lock()
	cur = c.jwt
	c.jwtMu.Unlock()
	if cur != "" && cur != stale {
		return cur, nil // someone else logged in meanwhile
	}
	jwt, err := c.login(ctx)
	c.jwtMu.Lock()
	defer c.jwtMu.Unlock()
	if err != nil {
		if c.jwt == stale {
			c.jwt = ""
		}
		return "", err
	}
	c.jwt = jwt
	return jwt, nil
}

// login posts the credentials form and returns the access token.
func (c *Client) login(ctx context.Context) (jwt string, err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("login", spent, err) }()
	form := url.Values{"username": {c.username}, "password": {c.password}}
	rep, err := c.send(ctx, "login", request{
		method: http.MethodPost, path: loginPath,
		body: []byte(form.Encode()), ctype: "application/x-www-form-urlencoded",
	}, "")
	if err != nil {
		return "", err
	}
	if rep.status != http.StatusOK {
		e := c.httpError("login", rep)
		if rep.status == http.StatusUnauthorized || rep.status == http.StatusForbidden {
			e.Class = ClassAuth
		}
		return "", e
	}
	obj, env, ok := unwrap(rep.body)
	if !ok {
		return "", c.malformed("login", rep, "login answer is not a JSON object")
	}
	if env.isEnvelope() {
		if !env.success() {
			return "", &Error{Op: "login", Status: rep.status, Class: ClassAuth, Message: c.scrub(env.message())}
		}
		if jsonx.KindOf(obj) != jsonx.KindObject {
			return "", c.malformed("login", rep, "login answer has no data object")
		}
	}
	var w struct {
		AccessToken jsonx.Value `json:"access_token"`
	}
	_ = jsonx.Unmarshal(obj, &w) // an object of lenient fields: cannot fail
	tok := stringOf(w.AccessToken)
	if tok == "" {
		return "", c.malformed("login", rep, "login answer has no access_token")
	}
	return tok, nil
}
