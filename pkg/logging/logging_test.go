package logging

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
)

func TestLoggerRedactsAndLevels(t *testing.T) {
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := New(&buf, "info", format, redact.New("very-secret-token"))
			if err != nil {
				t.Fatal(err)
			}
			c := Component(l, "worker")
			c.Debug().Msg("hidden debug line")
			c.Info().Err(errors.New("call failed with very-secret-token")).Str("url", "http://mp/?token=very-secret-token").Msg("ran")
			out := buf.String()
			if strings.Contains(out, "very-secret-token") {
				t.Fatalf("secret leaked: %s", out)
			}
			if strings.Contains(out, "hidden debug line") || !strings.Contains(out, "worker") || !strings.Contains(out, "ran") {
				t.Fatalf("unexpected output: %s", out)
			}
		})
	}
	if _, err := New(&bytes.Buffer{}, "loud", "json", nil); err == nil {
		t.Fatal("bad level accepted")
	}
	if _, err := New(&bytes.Buffer{}, "info", "xml", nil); err == nil {
		t.Fatal("bad format accepted")
	}
}
