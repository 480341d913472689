// Package config turns the environment into a validated Config.
//
// Names are a contract with users' compose files and k8s manifests: add, never rename.
// Every secret can also come from a file named by <NAME>_FILE (Docker/k8s secrets).
// Load reports every problem at once, naming the variable, the value (never a secret's) and
// what is allowed.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/since"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// env is the raw environment as envconfig reads it: names and defaults live here, and every
// value is a string so that Load can report all bad values at once instead of the first.
type env struct {
	JellyURL        string `envconfig:"JELLY_URL"`
	JellyAPIKey     string `envconfig:"JELLY_API_KEY"`
	JellyAPIKeyFile string `envconfig:"JELLY_API_KEY_FILE"`
	JellyFilter     string `envconfig:"JELLY_FILTER" default:"approved"`
	JellyPageSize   string `envconfig:"JELLY_PAGE_SIZE" default:"50"`

	MPURL          string `envconfig:"MP_URL"`
	MPToken        string `envconfig:"MP_TOKEN"`
	MPTokenFile    string `envconfig:"MP_TOKEN_FILE"`
	MPAuthScheme   string `envconfig:"MP_AUTH_SCHEME" default:"auto"`
	MPUsername     string `envconfig:"MP_USERNAME"`
	MPPassword     string `envconfig:"MP_PASSWORD"`
	MPPasswordFile string `envconfig:"MP_PASSWORD_FILE"`
	MPRateLimit    string `envconfig:"MP_RATE_LIMIT_PER_SEC" default:"3"`
	MPDryRun       string `envconfig:"MP_DRY_RUN" default:"false"`
	MPEpisodeMode  string `envconfig:"MP_TV_EPISODE_MODE" default:"season"`
	MPAPIVersion   string `envconfig:"MP_API_VERSION" default:"auto"`
	MPUserMap      string `envconfig:"MP_USER_MAP"`

	TVSpecials  string `envconfig:"TV_SPECIALS" default:"exclude"`
	MaxAttempts string `envconfig:"MAX_ATTEMPTS" default:"10"`

	ListenAddr        string `envconfig:"LISTEN_ADDR" default:":8770"`
	BasePath          string `envconfig:"BASE_PATH"`
	DataDir           string `envconfig:"DATA_DIR" default:"./data"`
	WebhookSecret     string `envconfig:"WEBHOOK_SECRET"`
	WebhookSecretFile string `envconfig:"WEBHOOK_SECRET_FILE"`
	WebhookSecretHdr  string `envconfig:"WEBHOOK_SECRET_HEADER" default:"Authorization"`
	AdminToken        string `envconfig:"ADMIN_TOKEN"`
	AdminTokenFile    string `envconfig:"ADMIN_TOKEN_FILE"`
	ReconcileInterval string `envconfig:"RECONCILE_INTERVAL" default:"30m"`
	ReconcileSince    string `envconfig:"RECONCILE_SINCE"`
	LogLevel          string `envconfig:"LOG_LEVEL" default:"info"`
	LogFormat         string `envconfig:"LOG_FORMAT" default:"json"`

	// Notifications (notify.go).
	NotifyURLs             string `envconfig:"NOTIFY_URLS"`
	NotifyURLsFile         string `envconfig:"NOTIFY_URLS_FILE"`
	NotifyEvents           string `envconfig:"NOTIFY_EVENTS" default:"failed,paused,unreachable,reconcile"`
	NotifyUnreachableAfter string `envconfig:"NOTIFY_UNREACHABLE_AFTER" default:"10m"`

	// Tracking (track.go).
	MPTrackInterval string `envconfig:"MP_TRACK_INTERVAL" default:"30m"`
	StalledAfter    string `envconfig:"STALLED_AFTER" default:"14d"`
}

// Config is the validated configuration.
type Config struct {
	// Seerr (Jellyseerr / Overseerr). Empty URL: webhooks only, reconcile off.
	JellyURL      string // normalised: no trailing slash; may carry a sub-path
	JellyAPIKey   string
	JellyFilter   string
	JellyPageSize int

	// MoviePilot.
	MPURL          string // normalised like JellyURL; empty only in dry-run
	MPToken        string
	MPAuthScheme   string // resolved: x-api-key | bearer | query-token | login (never auto or the alias)
	MPUsername     string
	MPPassword     string
	MPRateLimit    float64
	MPDryRun       bool
	MPEpisodeMode  string // season | episode
	MPAPIVersion   string // auto | v2 | v3
	TVSpecials     string // exclude | separate
	MaxAttempts    int
	AuthSchemeAuto bool // MP_AUTH_SCHEME was auto and was resolved from MP_USERNAME
	// MPUserMap maps Seerr user names to MoviePilot user names (MP_USER_MAP); a requester
	// not in it owns their subscriptions under their Seerr name.
	MPUserMap map[string]string

	// Service.
	ListenAddr    string
	BasePath      string // "" or "/sub/path" (no trailing slash): every route lives under it
	DataDir       string
	WebhookSecret string
	// WebhookSecretHeader is the request header that carries WEBHOOK_SECRET: Authorization
	// (Seerr's "Authorization Header"), or a custom header configured in Seerr (3.2+).
	WebhookSecretHeader string
	AdminToken          string
	ReconcileInterval   time.Duration // 0 disables the periodic pass
	// ReconcileSince (RECONCILE_SINCE) is the floor of every reconcile pass that does not
	// name its own since: requests created and last updated before it are skipped. A
	// duration is counted back from when the configuration was loaded. Zero: no floor.
	ReconcileSince time.Time
	LogLevel       string
	LogFormat      string

	Notify // NOTIFY_* (notify.go)
	Track  // MP_TRACK_INTERVAL, STALLED_AFTER (track.go)
}

// Allowed values, as the README lists them.
var (
	filters       = []string{"all", "approved", "available", "pending", "processing", "unavailable", "failed", "deleted", "completed"}
	authSchemes   = []string{"auto", "x-api-key", "x-api-token", "bearer", "query-token", "login"}
	episodeModes  = []string{"season", "episode"}
	apiVersions   = []string{"auto", "v2", "v3"}
	specials      = []string{"exclude", "separate"}
	logLevels     = []string{"trace", "debug", "info", "warn", "error"}
	logFormats    = []string{"json", "console"}
	minSecretLen  = 8
	minReconcile  = 10 * time.Second
	maxRateLimit  = 100.0
	maxPageSize   = 500
	maxAttemptCap = 1000
)

// Problem is one bad variable.
type Problem struct {
	Var string
	// Msg says what is wrong. Values quoted in it (a bad URL, a file path) have every
	// configured secret masked; the wording itself is never masked.
	Msg string

	format string
	args   []any
}

// Text is Msg with the quoted values passed through mask (e.g. a redact.Redactor that also
// knows secrets from elsewhere) and the wording left alone. Masking the whole line instead
// turns ordinary words into [REDACTED] when a secret happens to be one ("is too short" with
// WEBHOOK_SECRET=short).
func (p Problem) Text(mask func(string) string) string {
	if p.format == "" {
		return mask(p.Msg)
	}
	args := make([]any, len(p.args))
	for i, a := range p.args {
		switch v := a.(type) {
		case string:
			args[i] = mask(v)
		case error:
			args[i] = mask(v.Error())
		case fmt.Stringer:
			args[i] = mask(v.String())
		default:
			args[i] = a // numbers: lengths and limits the program computed, never a value
		}
	}
	return fmt.Sprintf(p.format, args...)
}

// ValidationError lists every problem found. The process exits 2 on it.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  - %s: %s", p.Var, p.Msg)
	}
	return b.String()
}

// collector gathers problems. A problem echoes the value it refuses, and a secret may have been
// pasted into any variable (a token in LOG_LEVEL, a password in an unparsable MP_URL), so every
// echoed string passes through the redaction guard of the known secret values first; the fixed
// text of a message does not (a secret that is a common word must not mangle it).
type collector struct {
	problems []Problem
	red      *redact.Redactor
}

func (c *collector) add(name, format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = c.red.String(s)
		}
	}
	c.problems = append(c.problems, Problem{Var: name, format: format, args: args})
}

// knownSecrets is every secret value the environment holds, as given and trimmed: the secret
// variables (not their _FILE forms, read later) and the user info and query values of the URL
// variables, even when the URL does not parse.
func knownSecrets(raw env) []string {
	var out []string
	keep := func(v string) {
		if v != "" {
			out = append(out, v)
		}
		if t := strings.TrimSpace(v); t != "" && t != v {
			out = append(out, t)
		}
	}
	for _, v := range []string{raw.JellyAPIKey, raw.MPToken, raw.MPPassword, raw.WebhookSecret, raw.AdminToken} {
		keep(v)
	}
	for _, v := range []string{raw.JellyURL, raw.MPURL} {
		for _, s := range urlSecrets(v) {
			keep(s)
		}
	}
	for _, s := range notifySecrets(raw.NotifyURLs) {
		keep(s)
	}
	return out
}

// urlSecrets returns the user info (whole, and the password alone) and the query values of a
// URL. When the URL does not parse, the user info is taken as everything between "://" and the
// last "@" before the path.
func urlSecrets(raw string) []string {
	raw = strings.TrimSpace(raw)
	var out []string
	if u, err := url.Parse(raw); err == nil {
		if u.User != nil {
			p, _ := u.User.Password()
			out = append(out, u.User.String(), u.User.Username(), p)
		}
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
	}
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[:j]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		info := rest[:at]
		out = append(out, info)
		if _, pass, ok := strings.Cut(info, ":"); ok {
			out = append(out, pass)
		}
	}
	return out
}

// Load reads the process environment and validates it.
func Load() (*Config, error) {
	var raw env
	if err := envconfig.Process("", &raw); err != nil {
		// Every field is a string, so this only fails on envconfig's own misuse.
		return nil, fmt.Errorf("read environment: %w", err)
	}
	applyDefaultsToBlanks(&raw)
	return fromEnv(raw)
}

// applyDefaultsToBlanks treats a variable set to "" like an unset one, as compose env files
// with empty entries (FOO=) expect; envconfig applies defaults only to unset variables.
func applyDefaultsToBlanks(raw *env) {
	v := reflect.ValueOf(raw).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if def, ok := t.Field(i).Tag.Lookup("default"); ok && strings.TrimSpace(v.Field(i).String()) == "" {
			v.Field(i).SetString(def)
		}
	}
}

func fromEnv(raw env) (*Config, error) {
	secrets := knownSecrets(raw)
	c := &collector{red: redact.New(secrets...)}
	cfg := &Config{}

	cfg.JellyAPIKey = secret(c, "JELLY_API_KEY", raw.JellyAPIKey, raw.JellyAPIKeyFile)
	cfg.MPToken = secret(c, "MP_TOKEN", raw.MPToken, raw.MPTokenFile)
	cfg.MPPassword = secret(c, "MP_PASSWORD", raw.MPPassword, raw.MPPasswordFile)
	cfg.WebhookSecret = secret(c, "WEBHOOK_SECRET", raw.WebhookSecret, raw.WebhookSecretFile)
	cfg.AdminToken = secret(c, "ADMIN_TOKEN", raw.AdminToken, raw.AdminTokenFile)
	cfg.Notify.rawURLs = secret(c, "NOTIFY_URLS", raw.NotifyURLs, raw.NotifyURLsFile)
	// The secrets read from files join the guard before any other variable is checked.
	c.red = redact.New(append(secrets, cfg.Secrets()...)...)

	cfg.JellyURL = baseURL(c, "JELLY_URL", raw.JellyURL)
	cfg.MPURL = baseURL(c, "MP_URL", raw.MPURL)
	cfg.JellyFilter = oneOf(c, "JELLY_FILTER", raw.JellyFilter, filters)
	cfg.JellyPageSize = intIn(c, "JELLY_PAGE_SIZE", raw.JellyPageSize, 1, maxPageSize)
	cfg.MPUsername = strings.TrimSpace(raw.MPUsername)
	cfg.MPDryRun = boolean(c, "MP_DRY_RUN", raw.MPDryRun)
	cfg.MPEpisodeMode = oneOf(c, "MP_TV_EPISODE_MODE", raw.MPEpisodeMode, episodeModes)
	cfg.MPAPIVersion = oneOf(c, "MP_API_VERSION", raw.MPAPIVersion, apiVersions)
	cfg.MPUserMap = userMap(c, "MP_USER_MAP", raw.MPUserMap)
	if strings.HasSuffix(strings.TrimRight(cfg.MPURL, "/"), "/api/v1") {
		c.add("MP_URL", "ends in /api/v1: remove /api/v1 — seerrpilot adds the API path itself; give MoviePilot's base address, e.g. http://moviepilot:3001")
	}
	cfg.TVSpecials = oneOf(c, "TV_SPECIALS", raw.TVSpecials, specials)
	cfg.MaxAttempts = intIn(c, "MAX_ATTEMPTS", raw.MaxAttempts, 1, maxAttemptCap)
	cfg.ListenAddr = listenAddr(c, "LISTEN_ADDR", raw.ListenAddr)
	cfg.BasePath = basePath(c, "BASE_PATH", raw.BasePath)
	cfg.WebhookSecretHeader = headerName(c, "WEBHOOK_SECRET_HEADER", raw.WebhookSecretHdr)
	cfg.DataDir = strings.TrimSpace(raw.DataDir)
	if cfg.DataDir == "" {
		c.add("DATA_DIR", "must not be empty (default ./data; /data in the container)")
	}
	cfg.ReconcileInterval = interval(c, "RECONCILE_INTERVAL", raw.ReconcileInterval)
	if v := strings.TrimSpace(raw.ReconcileSince); v != "" {
		t, err := since.Parse(v, time.Now())
		if err != nil {
			c.add("RECONCILE_SINCE", "%s", err.Error())
		}
		cfg.ReconcileSince = t
	}
	cfg.LogLevel = oneOf(c, "LOG_LEVEL", raw.LogLevel, logLevels)
	cfg.LogFormat = oneOf(c, "LOG_FORMAT", raw.LogFormat, logFormats)
	cfg.Notify.load(c, raw.NotifyEvents, raw.NotifyUnreachableAfter)
	cfg.Track.load(c, raw.MPTrackInterval, raw.StalledAfter)

	if v, err := strconv.ParseFloat(strings.TrimSpace(raw.MPRateLimit), 64); err != nil || v <= 0 || v > maxRateLimit {
		c.add("MP_RATE_LIMIT_PER_SEC", "%q: want a number > 0 and ≤ %g (calls per second, e.g. 3 or 0.5)", raw.MPRateLimit, maxRateLimit)
	} else {
		cfg.MPRateLimit = v
	}

	// The auth scheme and the credentials it needs.
	scheme := oneOf(c, "MP_AUTH_SCHEME", raw.MPAuthScheme, authSchemes)
	switch scheme {
	case "auto":
		cfg.AuthSchemeAuto = true
		scheme = "x-api-key"
		if cfg.MPUsername != "" {
			scheme = "login"
		}
	case "x-api-token":
		scheme = "x-api-key"
	}
	cfg.MPAuthScheme = scheme
	if cfg.MPURL == "" && !cfg.MPDryRun && raw.MPURL == "" {
		c.add("MP_URL", "is required: the MoviePilot address, e.g. http://moviepilot:3001 (or set MP_DRY_RUN=true to try seerrpilot without MoviePilot)")
	}
	if cfg.MPURL != "" && scheme != "" {
		switch scheme {
		case "login":
			if cfg.MPUsername == "" {
				c.add("MP_USERNAME", "is required with MP_AUTH_SCHEME=login (a MoviePilot user)")
			}
			if cfg.MPPassword == "" {
				c.add("MP_PASSWORD", "is required with MP_AUTH_SCHEME=login (or MP_PASSWORD_FILE)")
			}
		default:
			if cfg.MPToken == "" {
				hint := "MoviePilot's API_TOKEN (Settings → 基础设置 → API令牌)"
				if scheme == "bearer" {
					hint = "a MoviePilot JWT; it dies when MoviePilot restarts unless SECRET_KEY is fixed — prefer x-api-key or login"
				}
				c.add("MP_TOKEN", "is required with MP_AUTH_SCHEME=%s (or MP_TOKEN_FILE): %s", scheme, hint)
			}
		}
	}

	cfg.Notify.checkMoviePilot(c, cfg.MPURL, scheme, cfg.MPToken)

	// Seerr is optional, but half a configuration is a mistake.
	switch {
	case cfg.JellyURL != "" && cfg.JellyAPIKey == "":
		c.add("JELLY_API_KEY", "is required when JELLY_URL is set (Seerr → Settings → General → API Key), or JELLY_API_KEY_FILE")
	case raw.JellyURL == "" && cfg.JellyAPIKey != "":
		c.add("JELLY_URL", "is required when JELLY_API_KEY is set, e.g. http://jellyseerr:5055")
	}

	for _, s := range []struct{ name, val string }{{"WEBHOOK_SECRET", cfg.WebhookSecret}, {"ADMIN_TOKEN", cfg.AdminToken}} {
		if s.val != "" && len(s.val) < minSecretLen {
			c.add(s.name, "is too short (%d characters): use at least %d, e.g. the output of `openssl rand -hex 24`", len(s.val), minSecretLen)
		}
	}

	if len(c.problems) > 0 {
		red := redact.New(cfg.Secrets()...)
		for i := range c.problems {
			c.problems[i].Msg = c.problems[i].Text(red.String)
		}
		return nil, &ValidationError{Problems: c.problems}
	}
	return cfg, nil
}

// secret reads NAME or NAME_FILE (not both). The value is never put in a message.
func secret(c *collector, name, val, file string) string {
	if file == "" {
		return val
	}
	if val != "" {
		c.add(name, "is set together with %s_FILE: set only one", name)
		return ""
	}
	b, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		c.add(name+"_FILE", "%q cannot be read: %v", file, err)
		return ""
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		c.add(name+"_FILE", "%q is empty", file)
	}
	return v
}

// baseURL accepts http(s)://host[:port][/sub/path][/] and returns it without the trailing slash.
func baseURL(c *collector, name, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil && strings.Contains(raw, "@"):
		// Not quoted: what looks like user info may be a password the guard cannot isolate.
		c.add(name, "is not a URL (not shown: it seems to carry a user or password); want http(s)://host[:port][/path], credentials in their own variables")
		return ""
	case err != nil:
		c.add(name, "%q is not a URL; want http(s)://host[:port][/path]", raw)
		return ""
	case u.User != nil:
		c.add(name, "must not carry a user or password; use the credential variables instead")
		return ""
	case u.Scheme != "http" && u.Scheme != "https":
		c.add(name, "%q: want an http:// or https:// URL with a host", raw)
		return ""
	case u.Host == "" || u.Hostname() == "":
		c.add(name, "%q has no host; want http(s)://host[:port][/path]", raw)
		return ""
	case u.RawQuery != "" || u.Fragment != "":
		// Not quoted: a query may hold a token.
		c.add(name, "must not carry a query or fragment (a ?token= belongs in the credential variables): only scheme, host, port and path")
		return ""
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

// userMap parses "seerrName:mpName,..." (spaces around names are trimmed; a name may not be
// empty, and a Seerr name may appear once). Empty → nil.
func userMap(c *collector, name, raw string) map[string]string {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	m := map[string]string{}
	for _, pair := range strings.Split(raw, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		from, to, ok := strings.Cut(pair, ":")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		switch {
		case !ok || from == "" || to == "" || strings.Contains(to, ":"):
			c.add(name, "%q: want seerrName:moviepilotName pairs separated by commas, e.g. alice:alice_mp,Bob Smith:bob", pair)
			return nil
		case m[from] != "":
			c.add(name, "maps %q twice", from)
			return nil
		}
		m[from] = to
	}
	return m
}

func oneOf(c *collector, name, raw string, allowed []string) string {
	v := strings.ToLower(strings.TrimSpace(raw))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	c.add(name, "%q: allowed %s", raw, strings.Join(allowed, " | "))
	return ""
}

func intIn(c *collector, name, raw string, lo, hi int) int {
	v, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || v < lo || v > hi {
		c.add(name, "%q: want a whole number from %d to %d", raw, lo, hi)
		return 0
	}
	return v
}

func boolean(c *collector, name, raw string) bool {
	v, err := strconv.ParseBool(strings.TrimSpace(raw))
	if err != nil {
		c.add(name, "%q: want true or false", raw)
	}
	return v
}

func interval(c *collector, name, raw string) time.Duration {
	s := strings.TrimSpace(raw)
	if s == "0" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || (d != 0 && d < minReconcile) || d < 0 {
		c.add(name, "%q: want a duration of at least %v like 30m or 1h, or 0 to disable the periodic pass", raw, minReconcile)
		return 0
	}
	return d
}

// basePath accepts "", "/", "/seerrpilot" or "/a/b/" and returns "" or "/a/b".
func basePath(c *collector, name, raw string) string {
	v := strings.TrimRight(strings.TrimSpace(raw), "/")
	if v == "" {
		return ""
	}
	if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, "?#% \t") || strings.Contains(v, "//") || strings.Contains(v, "/../") || strings.HasSuffix(v, "/..") {
		c.add(name, "%q: want a path like /seerrpilot (leading slash, no query, no ..)", raw)
		return ""
	}
	return v
}

func listenAddr(c *collector, name, raw string) string {
	v := strings.TrimSpace(raw)
	_, port, err := net.SplitHostPort(v)
	if err == nil {
		var p int
		p, err = strconv.Atoi(port)
		if err == nil && (p < 0 || p > 65535) {
			err = errors.New("port out of range")
		}
	}
	if err != nil {
		c.add(name, "%q: want [host]:port, e.g. :8770 or 127.0.0.1:8770", raw)
		return ""
	}
	return v
}

// maxHeaderName bounds WEBHOOK_SECRET_HEADER.
const maxHeaderName = 64

// headerName reads an HTTP header name (an RFC 9110 token, at most maxHeaderName bytes) and
// returns it in canonical form ("x-seerrpilot-secret" → "X-Seerrpilot-Secret").
func headerName(c *collector, name, raw string) string {
	v := strings.TrimSpace(raw)
	ok := v != "" && len(v) <= maxHeaderName
	for i := 0; ok && i < len(v); i++ {
		ok = strings.IndexByte("!#$%&'*+-.^_`|~", v[i]) >= 0 ||
			v[i] >= '0' && v[i] <= '9' || v[i] >= 'a' && v[i] <= 'z' || v[i] >= 'A' && v[i] <= 'Z'
	}
	if !ok {
		c.add(name, "%q: want an HTTP header name of at most %d letters, digits or -, e.g. Authorization or X-Seerrpilot-Secret",
			trunc.Mark(v, maxHeaderName), maxHeaderName)
		return ""
	}
	return http.CanonicalHeaderKey(v)
}

// ReconcileEnabled reports whether Seerr is configured, so reconcile and enrichment can run.
func (c *Config) ReconcileEnabled() bool { return c.JellyURL != "" && c.JellyAPIKey != "" }

// Secrets lists every configured secret value, for the redaction guard.
func (c *Config) Secrets() []string {
	var out []string
	for _, s := range []string{c.JellyAPIKey, c.MPToken, c.MPPassword, c.WebhookSecret, c.AdminToken} {
		if s != "" {
			out = append(out, s)
		}
	}
	return append(out, notifySecrets(c.Notify.rawURLs)...)
}

// sinceString is RECONCILE_SINCE for the summary: RFC 3339, or "unset".
func sinceString(t time.Time) string {
	if t.IsZero() {
		return "unset"
	}
	return t.UTC().Format(time.RFC3339)
}

// Summary is the configuration as a log-safe map: secrets only say whether they are set.
func (c *Config) Summary() map[string]any {
	set := func(s string) string {
		if s == "" {
			return "unset"
		}
		return "set"
	}
	return map[string]any{
		"JELLY_URL": c.JellyURL, "JELLY_API_KEY": set(c.JellyAPIKey), "JELLY_FILTER": c.JellyFilter,
		"JELLY_PAGE_SIZE": c.JellyPageSize, "MP_URL": c.MPURL, "MP_TOKEN": set(c.MPToken),
		"MP_AUTH_SCHEME": c.MPAuthScheme, "MP_USERNAME": c.MPUsername, "MP_PASSWORD": set(c.MPPassword),
		"MP_RATE_LIMIT_PER_SEC": c.MPRateLimit, "MP_DRY_RUN": c.MPDryRun, "MP_TV_EPISODE_MODE": c.MPEpisodeMode,
		"MP_API_VERSION": c.MPAPIVersion, "MP_USER_MAP": len(c.MPUserMap), "TV_SPECIALS": c.TVSpecials, "MAX_ATTEMPTS": c.MaxAttempts,
		"LISTEN_ADDR": c.ListenAddr, "BASE_PATH": c.BasePath, "DATA_DIR": c.DataDir, "WEBHOOK_SECRET": set(c.WebhookSecret),
		"WEBHOOK_SECRET_HEADER": c.WebhookSecretHeader,
		"ADMIN_TOKEN":           set(c.AdminToken), "RECONCILE_INTERVAL": c.ReconcileInterval.String(),
		"RECONCILE_SINCE": sinceString(c.ReconcileSince),
		"LOG_LEVEL":       c.LogLevel, "LOG_FORMAT": c.LogFormat,
		"NOTIFY_URLS": c.Notify.Services(), "NOTIFY_EVENTS": c.Notify.Events.String(),
		"NOTIFY_UNREACHABLE_AFTER": c.Notify.UnreachableAfter.String(),
		"MP_TRACK_INTERVAL":        c.Track.Interval.String(), "STALLED_AFTER": c.Track.StalledAfter.String(),
	}
}
