// Package logtest is the one log sink for tests: a goroutine-safe buffer that a zerolog
// logger writes JSON lines to, read back as text or as parsed lines.
package logtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

// Sink collects log output. The zero value is ready to use.
type Sink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p (io.Writer, for zerolog.New or a redacting writer in front of it).
func (s *Sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// Logger is a zerolog logger at level writing JSON lines to s.
func (s *Sink) Logger(level zerolog.Level) zerolog.Logger {
	return zerolog.New(s).Level(level)
}

// String is everything written so far.
func (s *Sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Line is one parsed JSON log line.
type Line map[string]any

// Str is field key as a string ("" when absent or not a string).
func (l Line) Str(key string) string { v, _ := l[key].(string); return v }

// Level and Message are zerolog's level and message fields.
func (l Line) Level() string   { return l.Str(zerolog.LevelFieldName) }
func (l Line) Message() string { return l.Str(zerolog.MessageFieldName) }

// Lines parses every line written so far; a line that is not JSON fails tb.
func (s *Sink) Lines(tb testing.TB) []Line {
	tb.Helper()
	var out []Line
	sc := bufio.NewScanner(strings.NewReader(s.String()))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			tb.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// Count is how many lines have this level and message.
func (s *Sink) Count(tb testing.TB, level, msg string) int {
	tb.Helper()
	n := 0
	for _, l := range s.Lines(tb) {
		if l.Level() == level && l.Message() == msg {
			n++
		}
	}
	return n
}
