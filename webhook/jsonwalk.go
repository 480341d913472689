package webhook

import (
	"bytes"
	"encoding/json"
	"iter"
	"unicode/utf8"
)

// A walk over JSON text already validated by json.Valid: it finds the members of
// an object and the elements of an array without a second validation or reflection, which
// is most of what encoding/json spent on a webhook. Its results match json.Unmarshal into the
// wire structs (FuzzDecodeMatchesEncodingJSON checks that). Given invalid JSON it may yield
// garbage, but never reads out of bounds.

// members yields the key (unquoted) and the raw value of each member of obj, a valid JSON
// object, in order.
func members(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, raw []byte) bool) {
		i := skipSpace(obj, 0)
		if i >= len(obj) || obj[i] != '{' {
			return
		}
		for i++; ; {
			i = skipSpace(obj, i)
			if i < len(obj) && obj[i] == ',' {
				i = skipSpace(obj, i+1)
			}
			if i >= len(obj) || obj[i] != '"' {
				return // '}'
			}
			end := stringEnd(obj, i)
			key := unquoteKey(obj[i:end])
			i = skipSpace(obj, end)
			if i >= len(obj) || obj[i] != ':' {
				return
			}
			i = skipSpace(obj, i+1)
			end = valueEnd(obj, i)
			if !yield(key, obj[i:end]) {
				return
			}
			i = end
		}
	}
}

// elements yields the raw value of each element of arr, a valid JSON array, in order.
func elements(arr []byte) iter.Seq[[]byte] {
	return func(yield func(raw []byte) bool) {
		i := skipSpace(arr, 0)
		if i >= len(arr) || arr[i] != '[' {
			return
		}
		for i++; ; {
			i = skipSpace(arr, i)
			if i < len(arr) && arr[i] == ',' {
				i = skipSpace(arr, i+1)
			}
			if i >= len(arr) || arr[i] == ']' {
				return
			}
			end := valueEnd(arr, i)
			if end == i || !yield(arr[i:end]) {
				return
			}
			i = end
		}
	}
}

// keyIs reports whether an object key selects the field name, as encoding/json decides it:
// an exact match or a match under Unicode simple case folding (its foldName is documented
// to equal bytes.EqualFold).
func keyIs(key []byte, name string) bool {
	return string(key) == name || bytes.EqualFold(key, []byte(name))
}

// unquoteKey returns the text of a key's string literal.
func unquoteKey(lit []byte) []byte {
	if len(lit) >= 2 {
		inner := lit[1 : len(lit)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return inner
		}
	}
	// Escapes or invalid UTF-8 (which encoding/json replaces by U+FFFD): rare, let it decode.
	var s string
	_ = json.Unmarshal(lit, &s)
	return []byte(s)
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string literal that starts at data[i].
func stringEnd(data []byte, i int) int {
	j := i + 1
	for j < len(data) {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			break
		}
		j += k
		// The quote ends the literal unless an odd run of backslashes escapes it.
		n := 0
		for j-1-n > i && data[j-1-n] == '\\' {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
	return len(data)
}

// valueEnd returns the index just past the JSON value that starts at data[i].
func valueEnd(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = stringEnd(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	// A number, true, false or null.
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
