package config

import (
	"slices"
	"testing"
	"time"
)

func TestTrackSettings(t *testing.T) {
	for _, c := range []struct {
		interval, stalled string
		want              Track
	}{
		{"1h", "72h", Track{Interval: time.Hour, StalledAfter: 72 * time.Hour}},
		{"0", "0", Track{}},
		{" 5m ", "30d", Track{Interval: 5 * time.Minute, StalledAfter: 30 * 24 * time.Hour}},
	} {
		setEnv(t, map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef",
			"MP_TRACK_INTERVAL": c.interval, "STALLED_AFTER": c.stalled})
		cfg, err := Load()
		if err != nil {
			t.Fatalf("%q %q: %v", c.interval, c.stalled, err)
		}
		if cfg.Track != c.want {
			t.Fatalf("%q %q: %+v, want %+v", c.interval, c.stalled, cfg.Track, c.want)
		}
	}
}

// TestTrackBadValues: too short, negative or unparsable values are configuration errors.
func TestTrackBadValues(t *testing.T) {
	for _, c := range [][2]string{{"30s", "30m"}, {"-1m", "-2d"}, {"often", "14 days"}, {"1.5d", "400d"}} {
		setEnv(t, map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": "tok-1234567890abcdef",
			"MP_TRACK_INTERVAL": c[0], "STALLED_AFTER": c[1]})
		_, err := Load()
		if got := problemVars(err); !slices.Equal(got, []string{"MP_TRACK_INTERVAL", "STALLED_AFTER"}) {
			t.Fatalf("%q: problems %v (%v)", c, got, err)
		}
	}
}
