// Package logging builds the one zerolog root logger of the process.
package logging

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
)

// New returns the root logger: JSON lines (format "json") or human console output ("console")
// at the given level, every line passing through the redaction guard before it reaches out.
// Components derive sub-loggers with Component.
func New(out io.Writer, level, format string, r *redact.Redactor) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("log level %q: want trace, debug, info, warn or error", level)
	}
	guarded := r.Writer(out)
	var w io.Writer
	switch format {
	case "json", "":
		w = guarded
	case "console":
		w = zerolog.ConsoleWriter{Out: guarded, TimeFormat: time.RFC3339, NoColor: !colour(out)}
	default:
		return zerolog.Nop(), fmt.Errorf("log format %q: want json or console", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// Seams for tests: whether w is a terminal, and the environment.
var (
	isTerminal = func(w io.Writer) bool {
		f, ok := w.(*os.File)
		return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
	}
	getenv = os.Getenv
)

// colour says whether console output to out is coloured: only on a terminal, and never when
// NO_COLOR is set to anything but "" (https://no-color.org). Docker logs, files and pipes
// get plain text.
func colour(out io.Writer) bool {
	return getenv("NO_COLOR") == "" && isTerminal(out)
}

// Component derives the sub-logger of one part of the service ("webhook", "worker", ...).
func Component(l zerolog.Logger, name string) zerolog.Logger {
	return l.With().Str("component", name).Logger()
}
