package since

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2025-01-02T03:04:05Z":      time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		"2025-01-02T03:04:05+08:00": time.Date(2025, 1, 1, 19, 4, 5, 0, time.UTC),
		" 2025-01-02 ":              time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC),
		"24h":                       now.Add(-24 * time.Hour),
	} {
		got, err := Parse(in, now)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "-24h", "0s", "2025-13-01"} {
		if _, err := Parse(in, now); err == nil {
			t.Errorf("Parse(%q): want an error", in)
		}
	}
}
