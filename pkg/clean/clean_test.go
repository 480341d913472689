package clean

import (
	"testing"
	"unicode"
)

func TestTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"The Matrix", "The Matrix"},
		{"  Spaced  ", "Spaced"},
		{"Amélie 天気の子", "Amélie 天気の子"},
		{"Red\x1b[31m Alert\x1b[0m", "Red[31m Alert[0m"},
		{"Line\r\nInjected: fake", "Line  Injected: fake"},
		{"Tab\there", "Tab here"},
		{"nul\x00bell\x07del\x7f", "nulbelldel"},
		{"c1\u0085next\u009bcsi", "c1 nextcsi"},
		{"\u202eevil\u202c txt", "evil txt"},
		{"iso\u2066late\u2069 \u200fmark\u200e\u061c", "isolate mark"},
		{"sep\u2028line", "sep line"},
		{"bad\xffutf8", "badutf8"},
		{"\x1b\r\n", ""},
	}
	for _, tt := range tests {
		got := Title(tt.in)
		if got != tt.want {
			t.Errorf("Title(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := Title(got); again != got {
			t.Errorf("Title is not idempotent on %q: %q", got, again)
		}
	}
	// Every control rune and every bidi control is gone, whatever surrounds it.
	for r := rune(0); r <= 0x206f; r++ {
		if !unicode.IsControl(r) && !unicode.Is(unicode.Bidi_Control, r) {
			continue
		}
		got := Title("a" + string(r) + "b")
		for _, c := range got {
			if unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c) {
				t.Errorf("Title kept %U in %q", c, got)
			}
		}
	}
}
