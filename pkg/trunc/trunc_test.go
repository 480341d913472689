package trunc

import (
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"}, {"abc", 3, "abc"}, {"abcdef", 3, "abc"}, {"", 0, ""}, {"abc", 0, ""}, {"abc", -1, ""},
		{"ééé", 3, "é"}, {"ééé", 4, "éé"}, {"日本語", 5, "日"}, {"日本語", 2, ""},
	} {
		got := String(c.in, c.n)
		if got != c.want || !utf8.ValidString(got) || len(got) > max(c.n, 0) && got != c.in {
			t.Errorf("String(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestMark(t *testing.T) {
	if got := Mark("ééé", 3); got != "é…" {
		t.Errorf("Mark = %q", got)
	}
	if got := Mark("abc", 3); got != "abc" {
		t.Errorf("Mark of what fits = %q", got)
	}
}
