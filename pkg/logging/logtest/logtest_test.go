package logtest

import (
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

func TestSinkParsesAndCounts(t *testing.T) {
	var s Sink
	log := s.Logger(zerolog.InfoLevel)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); log.Warn().Str("task_id", "tsk_1").Msg("will retry") }()
	}
	wg.Wait()
	log.Debug().Msg("below the level")
	log.Info().Msg("done")
	if n := s.Count(t, "warn", "will retry"); n != 8 {
		t.Fatalf("count = %d\n%s", n, s.String())
	}
	lines := s.Lines(t)
	if len(lines) != 9 || lines[8].Message() != "done" || lines[0].Str("task_id") != "tsk_1" || lines[0].Str("missing") != "" {
		t.Fatalf("lines: %v", lines)
	}
	if strings.Contains(s.String(), "below the level") {
		t.Fatal("the level was not applied")
	}
}
