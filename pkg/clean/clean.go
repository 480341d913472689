// Package clean makes text from outside safe to store, log and send on.
package clean

import (
	"strings"
	"unicode/utf8"
)

// Title makes a title from outside (a Seerr webhook, Seerr's media details, an operator)
// safe to store, log and send to MoviePilot as a subscription name: line breaks and other
// whitespace controls become a space; every other C0 and C1 control (ESC included), DEL, the
// bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069, LRM, RLM,
// ALM) and invalid UTF-8 are dropped; the result is trimmed. Applying it twice changes nothing.
func Title(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || dropped(r) || spaced(r) {
			clean = false
			break
		}
	}
	if clean {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n <= 1: // invalid byte
		case spaced(r):
			b.WriteByte(' ')
		case dropped(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// spaced reports the controls that separate words: tab, LF, VT, FF, CR, NEL and the line and
// paragraph separators.
func spaced(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// dropped reports the other controls: C0, DEL, C1 and the bidirectional formatting characters.
func dropped(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}
