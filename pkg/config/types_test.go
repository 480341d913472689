package config

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// TestEveryVariableHasADecoder: a field envconfig parses by itself (a bool, a map) would skip
// its type's rules and messages; only plain strings (secrets, file names) are read as they are.
func TestEveryVariableHasADecoder(t *testing.T) {
	decoder := reflect.TypeOf((*envconfig.Decoder)(nil)).Elem()
	typ := reflect.TypeOf(env{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Type != reflect.TypeOf("") && !reflect.PointerTo(f.Type).Implements(decoder) {
			t.Errorf("%s (%s) is not an envconfig.Decoder", f.Name, f.Type)
		}
	}
}

// TestDurationLimits: a duration variable takes Go durations within its limits, 0 when 0 turns
// something off, and whole days ("14d") when it accepts days; anything else is a problem that
// quotes the value.
func TestDurationLimits(t *testing.T) {
	const day = 24 * time.Hour
	stalled := limits{min: time.Hour, max: 365 * day, off: true, days: true, want: "%[1]q: want a duration from 1h to 365d like 14d or 72h, or 0"}
	every := limits{min: time.Minute, off: true, want: "%[1]q: want at least %[2]v, or 0 to turn it off"}
	for _, tc := range []struct {
		l    limits
		in   string
		want time.Duration
	}{
		{stalled, "14d", 14 * day}, {stalled, " 1d ", day}, {stalled, "36h", 36 * time.Hour}, {stalled, "365d", 365 * day},
		{stalled, "0", 0}, {stalled, "0d", 0},
		{every, "0", 0}, {every, "0s", 0}, {every, "1m", time.Minute}, {every, "30m", 30 * time.Minute},
	} {
		var d time.Duration
		if err := tc.l.decode(&d, tc.in); err != nil || d != tc.want {
			t.Errorf("%q: got %v, %v; want %v", tc.in, d, err, tc.want)
		}
	}
	for _, tc := range []struct {
		l  limits
		in string
	}{
		{stalled, "14"}, {stalled, "1.5d"}, {stalled, "-1d"}, {stalled, "366d"}, {stalled, "d"}, {stalled, "59m"},
		{stalled, "100001d"}, {stalled, "9999999999d"}, {every, "14d"}, {every, "30s"}, {every, "-1m"}, {every, "soon"},
	} {
		d := 7 * time.Second
		var p *problem
		if err := tc.l.decode(&d, tc.in); !errors.As(err, &p) || d != 7*time.Second {
			t.Errorf("%q: got %v, %v; want a problem and nothing set", tc.in, d, err)
		} else if got := p.Error(); got[:len(tc.in)+2] != `"`+tc.in+`"` {
			t.Errorf("%q: the problem does not quote the value: %s", tc.in, got)
		}
	}
}
