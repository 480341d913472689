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
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
)

// env is the environment as envconfig reads it: each variable's name, default and type
// (types.go). Load turns it into a Config.
type env struct {
	JellyURL        baseURL  `envconfig:"JELLY_URL"`
	JellyAPIKey     string   `envconfig:"JELLY_API_KEY"`
	JellyAPIKeyFile string   `envconfig:"JELLY_API_KEY_FILE"`
	JellyFilter     Filter   `envconfig:"JELLY_FILTER" default:"approved"`
	JellyPageSize   pageSize `envconfig:"JELLY_PAGE_SIZE" default:"50"`

	MPURL          baseURL     `envconfig:"MP_URL"`
	MPToken        string      `envconfig:"MP_TOKEN"`
	MPTokenFile    string      `envconfig:"MP_TOKEN_FILE"`
	MPAuthScheme   AuthScheme  `envconfig:"MP_AUTH_SCHEME" default:"auto"`
	MPUsername     trimmed     `envconfig:"MP_USERNAME"`
	MPPassword     string      `envconfig:"MP_PASSWORD"`
	MPPasswordFile string      `envconfig:"MP_PASSWORD_FILE"`
	MPRateLimit    rate        `envconfig:"MP_RATE_LIMIT_PER_SEC" default:"3"`
	MPDryRun       flag        `envconfig:"MP_DRY_RUN" default:"false"`
	MPEpisodeMode  episodeMode `envconfig:"MP_TV_EPISODE_MODE" default:"season"`
	MPAPIVersion   APIVersion  `envconfig:"MP_API_VERSION" default:"auto"`
	MPUserMap      userMap     `envconfig:"MP_USER_MAP"`

	TVSpecials  specials `envconfig:"TV_SPECIALS" default:"exclude"`
	MaxAttempts attempts `envconfig:"MAX_ATTEMPTS" default:"10"`

	ListenAddr        listenAddr        `envconfig:"LISTEN_ADDR" default:":8770"`
	BasePath          basePath          `envconfig:"BASE_PATH"`
	DataDir           trimmed           `envconfig:"DATA_DIR" default:"./data"`
	WebhookSecret     string            `envconfig:"WEBHOOK_SECRET"`
	WebhookSecretFile string            `envconfig:"WEBHOOK_SECRET_FILE"`
	WebhookSecretHdr  headerName        `envconfig:"WEBHOOK_SECRET_HEADER" default:"Authorization"`
	AdminToken        string            `envconfig:"ADMIN_TOKEN"`
	AdminTokenFile    string            `envconfig:"ADMIN_TOKEN_FILE"`
	ReconcileInterval reconcileInterval `envconfig:"RECONCILE_INTERVAL" default:"30m"`
	ReconcileSince    instant           `envconfig:"RECONCILE_SINCE"`
	LogLevel          LogLevel          `envconfig:"LOG_LEVEL" default:"info"`
	LogFormat         LogFormat         `envconfig:"LOG_FORMAT" default:"json"`

	// Notifications (notify.go).
	NotifyURLs             string           `envconfig:"NOTIFY_URLS"`
	NotifyURLsFile         string           `envconfig:"NOTIFY_URLS_FILE"`
	NotifyEvents           events           `envconfig:"NOTIFY_EVENTS" default:"failed,paused,unreachable,reconcile"`
	NotifyUnreachableAfter unreachableAfter `envconfig:"NOTIFY_UNREACHABLE_AFTER" default:"10m"`

	// Tracking (track.go).
	MPTrackInterval trackInterval `envconfig:"MP_TRACK_INTERVAL" default:"30m"`
	StalledAfter    stalledAfter  `envconfig:"STALLED_AFTER" default:"14d"`
}

// Config is the validated configuration.
type Config struct {
	// Seerr (Jellyseerr / Overseerr). Empty URL: webhooks only, reconcile off.
	JellyURL      string // normalised: no trailing slash; may carry a sub-path
	JellyAPIKey   string
	JellyFilter   Filter
	JellyPageSize int

	// MoviePilot.
	MPURL          string // normalised like JellyURL; empty only in dry-run
	MPToken        string
	MPAuthScheme   AuthScheme // resolved: x-api-key | bearer | query-token | login (never auto or the alias)
	MPUsername     string
	MPPassword     string
	MPRateLimit    float64
	MPDryRun       bool
	MPEpisodeMode  plan.EpisodeMode
	MPAPIVersion   APIVersion
	TVSpecials     plan.Specials
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
	// name its own since: approved requests created and last updated before it are skipped
	// as they were at the first pass that applied it (reconcile records them). A
	// duration is counted back from when the configuration was loaded. Zero: no floor.
	ReconcileSince time.Time
	LogLevel       LogLevel
	LogFormat      LogFormat

	Notify // NOTIFY_* (notify.go)
	Track  // MP_TRACK_INTERVAL, STALLED_AFTER (track.go)
}

// Limits.
const (
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
	return fmt.Sprintf(p.format, maskArgs(p.args, mask)...)
}

// maskArgs passes the values among args through mask; numbers are lengths and limits the
// program computed, never a value.
func maskArgs(args []any, mask func(string) string) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a.(type) {
		case string, error, fmt.Stringer:
			out[i] = mask(fmt.Sprint(a))
		default:
			out[i] = a
		}
	}
	return out
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
// pasted into any variable (a token in LOG_LEVEL, a password in an unparsable MP_URL), so before
// Load returns, every echoed value passes through the redaction guard of the known secrets; the
// fixed text of a message does not (a secret that is a common word must not mangle it).
type collector struct {
	problems []Problem
}

func (c *collector) add(name, format string, args ...any) {
	c.problems = append(c.problems, Problem{Var: name, format: format, args: args})
}

// has reports whether name has a problem.
func (c *collector) has(name string) bool {
	for _, p := range c.problems {
		if p.Var == name {
			return true
		}
	}
	return false
}

// process runs envconfig over e. envconfig gives defaults only to unset variables and stops at
// the first bad value, so a variable set blank (FOO= in a compose file) or to a bad value is set
// aside (unset) and Process runs again: the blank one then takes its default, the bad one's
// problem is noted. When process returns, the environment is as it was.
func (c *collector) process(e *env) error {
	aside := map[string]string{}
	defer func() {
		for k, v := range aside {
			_ = os.Setenv(k, v) // cannot fail: the name and value were set before
		}
	}()
	for {
		err := envconfig.Process("", e)
		var pe *envconfig.ParseError
		if !errors.As(err, &pe) {
			return err
		}
		if _, set := os.LookupEnv(pe.KeyName); !set {
			return fmt.Errorf("config: the default of %s does not decode: %w", pe.KeyName, pe.Err)
		}
		aside[pe.KeyName] = pe.Value
		if err := os.Unsetenv(pe.KeyName); err != nil {
			return err
		}
		var p *problem
		switch {
		case strings.TrimSpace(pe.Value) == "": // blank: unset
		case errors.As(pe.Err, &p):
			c.add(pe.KeyName, p.format, p.args...)
		default:
			c.add(pe.KeyName, "%v", pe.Err)
		}
	}
}

// knownSecrets is every secret value the environment holds, as given and trimmed: the secret
// variables (not their _FILE forms, read later) and the user info and query values of the URL
// variables, even when the URL does not parse.
func knownSecrets() []string {
	var out []string
	keep := func(v string) {
		if v != "" {
			out = append(out, v)
		}
		if t := strings.TrimSpace(v); t != "" && t != v {
			out = append(out, t)
		}
	}
	for _, name := range []string{"JELLY_API_KEY", "MP_TOKEN", "MP_PASSWORD", "WEBHOOK_SECRET", "ADMIN_TOKEN"} {
		keep(os.Getenv(name))
	}
	for _, name := range []string{"JELLY_URL", "MP_URL"} {
		for _, s := range urlSecrets(os.Getenv(name)) {
			keep(s)
		}
	}
	for _, s := range notifySecrets(os.Getenv("NOTIFY_URLS")) {
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

// Load reads the process environment and validates it. While it runs it unsets blank and bad
// variables (see process), so nothing else may read or change them at the same time.
func Load() (*Config, error) {
	var e env
	c := &collector{}
	if err := c.process(&e); err != nil {
		return nil, err
	}
	cfg := &Config{
		JellyURL: string(e.JellyURL), JellyFilter: e.JellyFilter, JellyPageSize: int(e.JellyPageSize),
		MPURL: string(e.MPURL), MPAuthScheme: e.MPAuthScheme, MPUsername: string(e.MPUsername), MPRateLimit: float64(e.MPRateLimit),
		MPDryRun: bool(e.MPDryRun), MPEpisodeMode: plan.EpisodeMode(e.MPEpisodeMode), MPAPIVersion: e.MPAPIVersion,
		MPUserMap: e.MPUserMap, TVSpecials: plan.Specials(e.TVSpecials), MaxAttempts: int(e.MaxAttempts),
		ListenAddr: string(e.ListenAddr), BasePath: string(e.BasePath), DataDir: string(e.DataDir),
		WebhookSecretHeader: string(e.WebhookSecretHdr), ReconcileInterval: time.Duration(e.ReconcileInterval),
		ReconcileSince: time.Time(e.ReconcileSince), LogLevel: e.LogLevel, LogFormat: e.LogFormat,
	}
	cfg.JellyAPIKey = secret(c, "JELLY_API_KEY", e.JellyAPIKey, e.JellyAPIKeyFile)
	cfg.MPToken = secret(c, "MP_TOKEN", e.MPToken, e.MPTokenFile)
	cfg.MPPassword = secret(c, "MP_PASSWORD", e.MPPassword, e.MPPasswordFile)
	cfg.WebhookSecret = secret(c, "WEBHOOK_SECRET", e.WebhookSecret, e.WebhookSecretFile)
	cfg.AdminToken = secret(c, "ADMIN_TOKEN", e.AdminToken, e.AdminTokenFile)
	cfg.Notify.rawURLs = secret(c, "NOTIFY_URLS", e.NotifyURLs, e.NotifyURLsFile)
	cfg.Notify.load(c, e)
	cfg.Track = Track{Interval: time.Duration(e.MPTrackInterval), StalledAfter: time.Duration(e.StalledAfter)}
	cfg.check(c)

	if len(c.problems) > 0 {
		red := redact.New(append(knownSecrets(), cfg.Secrets()...)...)
		for i, p := range c.problems {
			p.args = maskArgs(p.args, red.String)
			p.Msg = fmt.Sprintf(p.format, p.args...)
			c.problems[i] = p
		}
		return nil, &ValidationError{Problems: c.problems}
	}
	return cfg, nil
}

// check applies the rules between variables; a variable with a problem of its own is not
// judged again.
func (cfg *Config) check(c *collector) {
	if strings.HasSuffix(cfg.MPURL, "/api/v1") {
		c.add("MP_URL", "ends in /api/v1: remove /api/v1 — seerrpilot adds the API path itself; give MoviePilot's base address, e.g. http://moviepilot:3001")
	}

	// The auth scheme and the credentials it needs.
	switch {
	case c.has("MP_AUTH_SCHEME"):
		cfg.MPAuthScheme = ""
	case cfg.MPAuthScheme == AuthAuto:
		cfg.AuthSchemeAuto = true
		cfg.MPAuthScheme = AuthXAPIKey
		if cfg.MPUsername != "" {
			cfg.MPAuthScheme = AuthLogin
		}
	case cfg.MPAuthScheme == AuthXAPIToken:
		cfg.MPAuthScheme = AuthXAPIKey
	}
	if cfg.MPURL == "" && !cfg.MPDryRun && !c.has("MP_URL") {
		c.add("MP_URL", "is required: the MoviePilot address, e.g. http://moviepilot:3001 (or set MP_DRY_RUN=true to try seerrpilot without MoviePilot)")
	}
	if cfg.MPURL != "" && cfg.MPAuthScheme != "" {
		switch cfg.MPAuthScheme {
		case AuthLogin:
			if cfg.MPUsername == "" {
				c.add("MP_USERNAME", "is required with MP_AUTH_SCHEME=login (a MoviePilot user)")
			}
			if cfg.MPPassword == "" {
				c.add("MP_PASSWORD", "is required with MP_AUTH_SCHEME=login (or MP_PASSWORD_FILE)")
			}
		default:
			if cfg.MPToken == "" {
				hint := "MoviePilot's API_TOKEN (Settings → 基础设置 → API令牌)"
				if cfg.MPAuthScheme == AuthBearer {
					hint = "a MoviePilot JWT; it dies when MoviePilot restarts unless SECRET_KEY is fixed — prefer x-api-key or login"
				}
				c.add("MP_TOKEN", "is required with MP_AUTH_SCHEME=%s (or MP_TOKEN_FILE): %s", string(cfg.MPAuthScheme), hint)
			}
		}
	}

	cfg.Notify.checkMoviePilot(c, cfg.MPURL, string(cfg.MPAuthScheme), cfg.MPToken)

	// Seerr is optional, but half a configuration is a mistake.
	switch {
	case cfg.JellyURL != "" && cfg.JellyAPIKey == "":
		c.add("JELLY_API_KEY", "is required when JELLY_URL is set (Seerr → Settings → General → API Key), or JELLY_API_KEY_FILE")
	case cfg.JellyURL == "" && !c.has("JELLY_URL") && cfg.JellyAPIKey != "":
		c.add("JELLY_URL", "is required when JELLY_API_KEY is set, e.g. http://jellyseerr:5055")
	}

	for _, s := range []struct{ name, val string }{{"WEBHOOK_SECRET", cfg.WebhookSecret}, {"ADMIN_TOKEN", cfg.AdminToken}} {
		if s.val != "" && len(s.val) < minSecretLen {
			c.add(s.name, "is too short (%d characters): use at least %d, e.g. the output of `openssl rand -hex 24`", len(s.val), minSecretLen)
		}
	}
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
