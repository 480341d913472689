// Package trunc is the one way seerrpilot shortens text it stores, logs or repeats: by bytes,
// never splitting a UTF-8 sequence.
package trunc

import "unicode/utf8"

// Ellipsis marks text that Mark shortened.
const Ellipsis = "…"

// String returns s cut to at most n bytes at a rune boundary (s itself when it fits).
func String(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Mark is String followed by Ellipsis when it cut anything: for messages a person reads.
func Mark(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return String(s, n) + Ellipsis
}
