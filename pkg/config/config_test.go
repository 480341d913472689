package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/notify"
)

// allVars lists every variable the env struct reads, from its tags.
func allVars() []string {
	var out []string
	t := reflect.TypeOf(env{})
	for i := 0; i < t.NumField(); i++ {
		out = append(out, t.Field(i).Tag.Get("envconfig"))
	}
	return out
}

// setEnv clears every variable seerrpilot reads (so the machine's environment cannot leak in)
// and then sets the given ones.
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, name := range allVars() {
		t.Setenv(name, "")
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

func problemVars(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Var)
	}
	sort.Strings(out)
	return out
}

func TestDefaults(t *testing.T) {
	setEnv(t, map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef"})
	cfg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		JellyFilter: "approved", JellyPageSize: 50,
		MPURL: "http://mp:3001", MPToken: "tok-1234567890abcdef", MPAuthScheme: "x-api-key", AuthSchemeAuto: true,
		MPRateLimit: 3, MPEpisodeMode: "season", MPAPIVersion: "auto", TVSpecials: "exclude", MaxAttempts: 10,
		ListenAddr: ":8770", DataDir: "./data", ReconcileInterval: 30 * time.Minute, LogLevel: "info", LogFormat: "json",
		WebhookSecretHeader: "Authorization",
		Notify: Notify{Events: notify.Events{notify.EventFailed: true, notify.EventPaused: true,
			notify.EventUnreachable: true, notify.EventReconcile: true}, UnreachableAfter: 10 * time.Minute},
		Track: Track{Interval: 30 * time.Minute, StalledAfter: 14 * 24 * time.Hour},
	}
	if !reflect.DeepEqual(*cfg, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", *cfg, want)
	}
	if cfg.ReconcileEnabled() {
		t.Fatal("reconcile enabled without Seerr")
	}
}

func TestValidConfigs(t *testing.T) {
	cases := []struct {
		name  string
		vars  map[string]string
		check func(t *testing.T, c *Config)
	}{
		{"auto picks login when a username is set",
			map[string]string{"MP_URL": "http://mp:3001", "MP_USERNAME": "admin", "MP_PASSWORD": "pw"},
			func(t *testing.T, c *Config) {
				if c.MPAuthScheme != "login" || !c.AuthSchemeAuto {
					t.Fatalf("scheme %q", c.MPAuthScheme)
				}
			}},
		{"x-api-token is an alias of x-api-key",
			map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "t0123456789abcdef", "MP_AUTH_SCHEME": "X-API-TOKEN"},
			func(t *testing.T, c *Config) {
				if c.MPAuthScheme != "x-api-key" || c.AuthSchemeAuto {
					t.Fatalf("scheme %q auto=%v", c.MPAuthScheme, c.AuthSchemeAuto)
				}
			}},
		{"dry run needs no MoviePilot",
			map[string]string{"MP_DRY_RUN": "true"},
			func(t *testing.T, c *Config) {
				if !c.MPDryRun || c.MPURL != "" {
					t.Fatalf("%+v", c)
				}
			}},
		{"sub-path and trailing slash are normalised",
			map[string]string{"MP_URL": "https://host/mp/", "MP_TOKEN": "t0123456789abcdef", "JELLY_URL": "https://host/seerr/", "JELLY_API_KEY": "k"},
			func(t *testing.T, c *Config) {
				if c.MPURL != "https://host/mp" || c.JellyURL != "https://host/seerr" || !c.ReconcileEnabled() {
					t.Fatalf("urls %q %q", c.MPURL, c.JellyURL)
				}
			}},
		{"base path normalised",
			map[string]string{"MP_DRY_RUN": "true", "BASE_PATH": "/seerrpilot/"},
			func(t *testing.T, c *Config) {
				if c.BasePath != "/seerrpilot" {
					t.Fatalf("base path %q", c.BasePath)
				}
			}},
		{"reconcile 0 disables",
			map[string]string{"MP_DRY_RUN": "1", "RECONCILE_INTERVAL": "0"},
			func(t *testing.T, c *Config) {
				if c.ReconcileInterval != 0 {
					t.Fatalf("interval %v", c.ReconcileInterval)
				}
			}},
		{"custom secret header, canonical form",
			map[string]string{"MP_DRY_RUN": "true", "WEBHOOK_SECRET_HEADER": " x-seerrpilot-secret "},
			func(t *testing.T, c *Config) {
				if c.WebhookSecretHeader != "X-Seerrpilot-Secret" || c.Summary()["WEBHOOK_SECRET_HEADER"] != "X-Seerrpilot-Secret" {
					t.Fatalf("header %q", c.WebhookSecretHeader)
				}
			}},
		{"blank values take defaults",
			map[string]string{"MP_DRY_RUN": "true", "JELLY_PAGE_SIZE": " ", "LOG_FORMAT": ""},
			func(t *testing.T, c *Config) {
				if c.JellyPageSize != 50 || c.LogFormat != "json" {
					t.Fatalf("%+v", c)
				}
			}},
		{"everything set",
			map[string]string{"MP_URL": "http://mp", "MP_TOKEN": "jwt.jwt.jwt", "MP_AUTH_SCHEME": "bearer", "MP_RATE_LIMIT_PER_SEC": "0.5",
				"MP_TV_EPISODE_MODE": "episode", "MP_API_VERSION": "v3", "TV_SPECIALS": "separate", "MAX_ATTEMPTS": "3",
				"LISTEN_ADDR": "127.0.0.1:9000", "DATA_DIR": "/data", "WEBHOOK_SECRET": "whsec-12345", "ADMIN_TOKEN": "admin-12345",
				"RECONCILE_INTERVAL": "1h", "LOG_LEVEL": "debug", "LOG_FORMAT": "console", "JELLY_FILTER": "all", "JELLY_PAGE_SIZE": "500"},
			func(t *testing.T, c *Config) {
				if c.MPRateLimit != 0.5 || c.MPEpisodeMode != "episode" || c.MaxAttempts != 3 || c.ReconcileInterval != time.Hour ||
					c.JellyPageSize != 500 || c.TVSpecials != "separate" || c.MPAPIVersion != "v3" || c.LogFormat != "console" {
					t.Fatalf("%+v", c)
				}
				if len(c.Secrets()) != 3 {
					t.Fatalf("secrets %d", len(c.Secrets()))
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, tc.vars)
			cfg, err := Load()
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg)
		})
	}
}

func TestInvalidConfigs(t *testing.T) {
	cases := []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"nothing set", nil, []string{"MP_URL"}},
		{"token missing", map[string]string{"MP_URL": "http://mp"}, []string{"MP_TOKEN"}},
		{"login without password", map[string]string{"MP_URL": "http://mp", "MP_AUTH_SCHEME": "login", "MP_USERNAME": "a"}, []string{"MP_PASSWORD"}},
		{"login without anything", map[string]string{"MP_URL": "http://mp", "MP_AUTH_SCHEME": "login"}, []string{"MP_PASSWORD", "MP_USERNAME"}},
		{"bad url scheme", map[string]string{"MP_URL": "ftp://mp", "MP_TOKEN": "x"}, []string{"MP_URL"}},
		{"url without host", map[string]string{"MP_URL": "http://", "MP_TOKEN": "x"}, []string{"MP_URL"}},
		{"url with credentials", map[string]string{"MP_URL": "http://u:p@mp", "MP_TOKEN": "x"}, []string{"MP_URL"}},
		{"url with query", map[string]string{"MP_URL": "http://mp/?token=abc", "MP_TOKEN": "x"}, []string{"MP_URL"}},
		{"seerr url without key", map[string]string{"MP_DRY_RUN": "true", "JELLY_URL": "http://js:5055"}, []string{"JELLY_API_KEY"}},
		{"seerr key without url", map[string]string{"MP_DRY_RUN": "true", "JELLY_API_KEY": "k"}, []string{"JELLY_URL"}},
		{"every problem at once", map[string]string{
			"MP_URL": "mp:3001", "MP_AUTH_SCHEME": "magic", "JELLY_PAGE_SIZE": "0", "JELLY_FILTER": "approvedd",
			"MP_RATE_LIMIT_PER_SEC": "0", "MP_DRY_RUN": "maybe", "MP_TV_EPISODE_MODE": "ep", "MP_API_VERSION": "v4",
			"TV_SPECIALS": "include", "MAX_ATTEMPTS": "-1", "LISTEN_ADDR": "8770", "RECONCILE_INTERVAL": "5s",
			"LOG_LEVEL": "loud", "LOG_FORMAT": "xml", "DATA_DIR": "", "WEBHOOK_SECRET": "short", "ADMIN_TOKEN": "tiny"},
			[]string{"ADMIN_TOKEN", "JELLY_FILTER", "JELLY_PAGE_SIZE", "LISTEN_ADDR", "LOG_FORMAT", "LOG_LEVEL", "MAX_ATTEMPTS",
				"MP_API_VERSION", "MP_AUTH_SCHEME", "MP_DRY_RUN", "MP_RATE_LIMIT_PER_SEC", "MP_TV_EPISODE_MODE", "MP_URL",
				"RECONCILE_INTERVAL", "TV_SPECIALS", "WEBHOOK_SECRET"}},
		{"base path without slash", map[string]string{"MP_DRY_RUN": "true", "BASE_PATH": "seerrpilot"}, []string{"BASE_PATH"}},
		{"base path with dots", map[string]string{"MP_DRY_RUN": "true", "BASE_PATH": "/a/../b"}, []string{"BASE_PATH"}},
		{"page size too large", map[string]string{"MP_DRY_RUN": "true", "JELLY_PAGE_SIZE": "501"}, []string{"JELLY_PAGE_SIZE"}},
		{"page size not a number", map[string]string{"MP_DRY_RUN": "true", "JELLY_PAGE_SIZE": "fifty"}, []string{"JELLY_PAGE_SIZE"}},
		{"negative interval", map[string]string{"MP_DRY_RUN": "true", "RECONCILE_INTERVAL": "-1m"}, []string{"RECONCILE_INTERVAL"}},
		{"secret header with a space", map[string]string{"MP_DRY_RUN": "true", "WEBHOOK_SECRET_HEADER": "X Secret"}, []string{"WEBHOOK_SECRET_HEADER"}},
		{"secret header with a colon", map[string]string{"MP_DRY_RUN": "true", "WEBHOOK_SECRET_HEADER": "X-Secret: abc"}, []string{"WEBHOOK_SECRET_HEADER"}},
		{"secret header too long", map[string]string{"MP_DRY_RUN": "true", "WEBHOOK_SECRET_HEADER": "X-" + strings.Repeat("a", 63)}, []string{"WEBHOOK_SECRET_HEADER"}},
		{"secret header not ASCII", map[string]string{"MP_DRY_RUN": "true", "WEBHOOK_SECRET_HEADER": "X-Geheimnis-ä"}, []string{"WEBHOOK_SECRET_HEADER"}},
		{"url ends in /api/v1", map[string]string{"MP_URL": "http://mp:3001/api/v1/", "MP_TOKEN": "x"}, []string{"MP_URL"}},
		{"user map without colon", map[string]string{"MP_DRY_RUN": "true", "MP_USER_MAP": "alice"}, []string{"MP_USER_MAP"}},
		{"user map empty side", map[string]string{"MP_DRY_RUN": "true", "MP_USER_MAP": "alice:,bob:b"}, []string{"MP_USER_MAP"}},
		{"user map twice", map[string]string{"MP_DRY_RUN": "true", "MP_USER_MAP": "alice:a,alice:b"}, []string{"MP_USER_MAP"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, tc.vars)
			_, err := Load()
			got := problemVars(err)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("problems %v, want %v\n%v", got, tc.want, err)
			}
			for _, name := range tc.want {
				if !strings.Contains(err.Error(), name) {
					t.Fatalf("message does not name %s: %v", name, err)
				}
			}
		})
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tokenFile := write("token", "file-token-0123456789\n")
	adminFile := write("admin", "admin-from-file-xyz\r\n")
	emptyFile := write("empty", "\n")

	setEnv(t, map[string]string{"MP_URL": "http://mp", "MP_TOKEN_FILE": tokenFile, "ADMIN_TOKEN_FILE": adminFile})
	cfg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MPToken != "file-token-0123456789" || cfg.AdminToken != "admin-from-file-xyz" {
		t.Fatalf("secrets from files: %q %q", cfg.MPToken, cfg.AdminToken)
	}

	const inline = "inline-secret-value-42"
	setEnv(t, map[string]string{"MP_URL": "http://mp", "MP_TOKEN": inline, "MP_TOKEN_FILE": tokenFile,
		"WEBHOOK_SECRET_FILE": filepath.Join(dir, "missing"), "JELLY_API_KEY_FILE": emptyFile, "JELLY_URL": "http://js"})
	_, err = Load()
	got := problemVars(err)
	want := []string{"JELLY_API_KEY", "JELLY_API_KEY_FILE", "MP_TOKEN", "MP_TOKEN", "WEBHOOK_SECRET_FILE"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("problems %v, want %v\n%v", got, want, err)
	}
	if strings.Contains(err.Error(), inline) || strings.Contains(err.Error(), "file-token-0123456789") {
		t.Fatalf("error message shows a secret: %v", err)
	}
}

func TestSummaryHidesSecrets(t *testing.T) {
	setEnv(t, map[string]string{"MP_URL": "http://mp", "MP_TOKEN": "summary-secret-123", "ADMIN_TOKEN": "summary-admin-456"})
	cfg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range cfg.Summary() {
		if s, ok := v.(string); ok && (strings.Contains(s, "summary-secret") || strings.Contains(s, "summary-admin")) {
			t.Fatalf("summary %s shows a secret", k)
		}
	}
	if cfg.Summary()["MP_TOKEN"] != "set" || cfg.Summary()["WEBHOOK_SECRET"] != "unset" {
		t.Fatalf("summary: %v", cfg.Summary())
	}
}

func TestUserMap(t *testing.T) {
	setEnv(t, map[string]string{"MP_DRY_RUN": "true", "MP_USER_MAP": " alice : alice_mp ,Bob Smith:bob,"})
	cfg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"alice": "alice_mp", "Bob Smith": "bob"}
	if !reflect.DeepEqual(cfg.MPUserMap, want) {
		t.Fatalf("MPUserMap = %v, want %v", cfg.MPUserMap, want)
	}
	setEnv(t, map[string]string{"MP_DRY_RUN": "true"})
	if cfg, err = Load(); err != nil || cfg.MPUserMap != nil {
		t.Fatalf("default: %v %v", cfg.MPUserMap, err)
	}
}

func TestURLEndingInAPIV1SaysRemoveIt(t *testing.T) {
	setEnv(t, map[string]string{"MP_URL": "http://mp:3001/api/v1", "MP_TOKEN": "x"})
	_, err := Load()
	if err == nil || !strings.Contains(err.Error(), "remove /api/v1") {
		t.Fatalf("err = %v", err)
	}
}

// TestProblemsMaskValuesNotWords: a problem's wording is never masked, even when a secret is
// an ordinary word ("is too short" with WEBHOOK_SECRET=short used to read "is too
// [REDACTED]"); a secret inside a quoted value still is.
func TestProblemsMaskValuesNotWords(t *testing.T) {
	setEnv(t, map[string]string{"MP_DRY_RUN": "true", "WEBHOOK_SECRET": "short",
		"JELLY_API_KEY": "Secret-Key-123", "JELLY_URL": "http://[bad/?apikey=Secret-Key-123"})
	_, err := Load()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load = %v", err)
	}
	text := err.Error()
	mask := strings.NewReplacer("short", "[REDACTED]", "Secret-Key-123", "[REDACTED]").Replace
	for _, p := range ve.Problems {
		text += "\n" + p.Text(mask)
	}
	if strings.Contains(text, "Secret-Key-123") {
		t.Errorf("a secret in a quoted value was not masked:\n%s", text)
	}
	if !strings.Contains(text, `apikey=[REDACTED]`) {
		t.Errorf("the quoted URL lost more than its secret:\n%s", text)
	}
	if strings.Contains(text, "too [REDACTED]") || strings.Count(text, "is too short (5 characters)") != 2 {
		t.Errorf("the wording was masked:\n%s", text)
	}
}

// RECONCILE_SINCE takes the one since grammar (reconcile.ParseSince); a bad value is a
// problem like any other, and the summary shows the resolved time.
func TestReconcileSince(t *testing.T) {
	base := map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef"}
	for in, want := range map[string]time.Time{
		"2025-01-02":           time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC),
		"2025-01-02T03:04:05Z": time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	} {
		vars := map[string]string{"RECONCILE_SINCE": in}
		for k, v := range base {
			vars[k] = v
		}
		setEnv(t, vars)
		cfg, err := Load()
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.ReconcileSince.Equal(want) {
			t.Errorf("RECONCILE_SINCE=%q: got %v, want %v", in, cfg.ReconcileSince, want)
		}
		if got := cfg.Summary()["RECONCILE_SINCE"]; got != want.Format(time.RFC3339) {
			t.Errorf("summary shows %v", got)
		}
	}
	before := time.Now()
	setEnv(t, map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef", "RECONCILE_SINCE": "720h"})
	cfg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if d := before.Sub(cfg.ReconcileSince); d < 720*time.Hour-time.Minute || d > 720*time.Hour+time.Minute {
		t.Errorf("720h resolved to %v (%v before now)", cfg.ReconcileSince, d)
	}
	setEnv(t, map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef", "RECONCILE_SINCE": "last week"})
	_, err = Load()
	if got := problemVars(err); !reflect.DeepEqual(got, []string{"RECONCILE_SINCE"}) {
		t.Fatalf("problems %v (%v)", got, err)
	}
}

// TestLoadLeavesTheEnvironment: Load sets blank and bad variables aside while envconfig runs
// (so that defaults apply and every problem is found); afterwards the environment is as it was.
func TestLoadLeavesTheEnvironment(t *testing.T) {
	setEnv(t, map[string]string{"MP_DRY_RUN": "true", "LOG_LEVEL": "loud", "LOG_FORMAT": " ", "MAX_ATTEMPTS": "x"})
	before := os.Environ()
	_, err := Load()
	if got := problemVars(err); !reflect.DeepEqual(got, []string{"LOG_LEVEL", "MAX_ATTEMPTS"}) {
		t.Fatalf("problems %v (%v)", got, err)
	}
	after := os.Environ()
	sort.Strings(before)
	sort.Strings(after)
	for i := range max(len(before), len(after)) {
		if i >= len(before) || i >= len(after) || before[i] != after[i] {
			t.Fatalf("the environment changed (%d variables before, %d after) at %d", len(before), len(after), i)
		}
	}
}
