package logging

import (
	"bytes"
	"errors"
	"io"
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

// TestConsoleColour: the console format is coloured on a terminal, plain when NO_COLOR is
// set or the output is not a terminal (docker logs, a file, a pipe); secrets stay masked in
// colour too.
func TestConsoleColour(t *testing.T) {
	defer func(it func(io.Writer) bool, ge func(string) string) { isTerminal, getenv = it, ge }(isTerminal, getenv)
	cases := []struct {
		name     string
		terminal bool
		noColor  string
		want     bool
	}{
		{"terminal", true, "", true},
		{"terminal, NO_COLOR=1", true, "1", false},
		{"not a terminal", false, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			isTerminal = func(io.Writer) bool { return tc.terminal }
			getenv = func(k string) string {
				if k == "NO_COLOR" {
					return tc.noColor
				}
				return ""
			}
			var buf bytes.Buffer
			l, err := New(&buf, "info", "console", redact.New("very-secret-token"))
			if err != nil {
				t.Fatal(err)
			}
			l.Warn().Str("token", "very-secret-token").Msg("hello")
			out := buf.String()
			if got := strings.Contains(out, "\x1b["); got != tc.want {
				t.Fatalf("coloured = %v, want %v: %q", got, tc.want, out)
			}
			if strings.Contains(out, "very-secret-token") || !strings.Contains(out, "hello") {
				t.Fatalf("output %q", out)
			}
		})
	}
}
