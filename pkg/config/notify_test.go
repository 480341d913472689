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
