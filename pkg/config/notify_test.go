package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/notify"
)

const notifyToken = "123456:AAbbCCddEEffGGhh"

func TestNotifySettings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "urls")
	urls := "telegram://" + notifyToken + "@telegram?chats=@ops\nntfy://ntfy.sh/seerrpilot-alerts\n"
	if err := os.WriteFile(file, []byte(urls), 0o600); err != nil {
		t.Fatal(err)
	}
	setEnv(t, map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef",
		"NOTIFY_URLS_FILE": file, "NOTIFY_EVENTS": "all", "NOTIFY_UNREACHABLE_AFTER": "30m"})
	cfg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Notify.URLs) != 2 || len(cfg.Notify.Events) != len(notify.AllEvents) || cfg.Notify.UnreachableAfter != 30*time.Minute {
		t.Fatalf("%+v", cfg.Notify)
	}
	if !slices.Contains(cfg.Secrets(), notifyToken) {
		t.Error("the bot token is not in Secrets(): the redaction guard would not know it")
	}
	if sum := cfg.Summary(); !slices.Equal(sum["NOTIFY_URLS"].([]string), []string{"telegram", "ntfy"}) {
		t.Errorf("summary: %v", sum["NOTIFY_URLS"])
	}
}

// TestNotifyBadValues: a mistyped URL is a configuration error naming its position and
// service, never its token; so are an unknown event and a too-short threshold.
func TestNotifyBadValues(t *testing.T) {
	setEnv(t, map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef",
		"NOTIFY_URLS":   "ntfy://ntfy.sh/ok telegrm://" + notifyToken + "@telegram?chats=1",
		"NOTIFY_EVENTS": "failed,boom", "NOTIFY_UNREACHABLE_AFTER": "5s"})
	_, err := Load()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	if got := problemVars(err); !slices.Equal(got, []string{"NOTIFY_EVENTS", "NOTIFY_UNREACHABLE_AFTER", "NOTIFY_URLS"}) {
		t.Fatalf("problems: %v", got)
	}
	msg := err.Error()
	if !strings.Contains(msg, `URL 2 of 2`) || !strings.Contains(msg, `unknown service "telegrm"`) || strings.Contains(msg, "AAbbCCddEEffGGhh") {
		t.Fatalf("message: %s", msg)
	}
}

// TestNotifyMoviePilot: moviepilot:// is accepted when MP_URL and an API token are there, and
// refused, naming what is missing, when it cannot work: no MP_URL (dry run), a bearer JWT,
// login without MP_TOKEN, or anything after moviepilot://.
func TestNotifyMoviePilot(t *testing.T) {
	ok := map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef", "NOTIFY_URLS": "moviepilot:// ntfy://ntfy.sh/x"}
	setEnv(t, ok)
	cfg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if sum := cfg.Summary(); !slices.Equal(sum["NOTIFY_URLS"].([]string), []string{"moviepilot", "ntfy"}) {
		t.Errorf("summary: %v", sum["NOTIFY_URLS"])
	}
	login := map[string]string{"MP_URL": "http://mp:3001", "MP_AUTH_SCHEME": "login", "MP_USERNAME": "admin", "MP_PASSWORD": "pw-1234567890", "NOTIFY_URLS": "moviepilot://"}
	setEnv(t, login)
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "moviepilot:// needs MP_TOKEN") {
		t.Fatalf("login without MP_TOKEN: %v", err)
	}
	login["MP_TOKEN"] = "tok-1234567890abcdef"
	setEnv(t, login)
	if _, err := Load(); err != nil {
		t.Fatalf("login with MP_TOKEN: %v", err)
	}
	for name, env := range map[string]map[string]string{
		"dry run":    {"MP_DRY_RUN": "true", "NOTIFY_URLS": "moviepilot://"},
		"bearer":     {"MP_URL": "http://mp:3001", "MP_AUTH_SCHEME": "bearer", "MP_TOKEN": "eyJhbGciOi.x.y", "NOTIFY_URLS": "moviepilot://"},
		"with token": {"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef", "NOTIFY_URLS": "moviepilot://tok-1234567890abcdef@mp"},
	} {
		setEnv(t, env)
		_, err := Load()
		if got := problemVars(err); !slices.Equal(got, []string{"NOTIFY_URLS"}) {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(err.Error(), "moviepilot://") || strings.Contains(err.Error(), "tok-1234567890abcdef") {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
