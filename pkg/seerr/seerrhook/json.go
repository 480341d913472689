package seerrhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is a JSON value that keeps object keys in insertion order, like a JavaScript object
// (integer-like keys aside, which JavaScript would list first).
type node struct {
	kind    kind
	text    string // string value, number literal, "true"/"false"
	items   []node
	members []member
}

type member struct {
	key   string
	value node
}

func (o *node) index(key string) int {
	for i, m := range o.members {
		if m.key == key {
			return i
		}
	}
	return -1
}

func (o *node) get(key string) (node, bool) {
	if i := o.index(key); i >= 0 {
		return o.members[i].value, true
	}
	return node{}, false
}

// set assigns like JavaScript: an existing key keeps its position, a new one goes last.
func (o *node) set(key string, v node) {
	if i := o.index(key); i >= 0 {
		o.members[i].value = v
		return
	}
	o.members = append(o.members, member{key: key, value: v})
}

func (o *node) del(key string) {
	if i := o.index(key); i >= 0 {
		o.members = append(o.members[:i], o.members[i+1:]...)
	}
}

// parseJSON parses one JSON value, keeping key order. Duplicate keys keep the first
// position and the last value, as JSON.parse does.
func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, fmt.Errorf("seerrhook: template: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("seerrhook: template: data after the JSON value")
	}
	return &v, nil
}

func parseValue(dec *json.Decoder) (node, error) {
	tok, err := dec.Token()
	if err != nil {
		return node{}, err
	}
	switch t := tok.(type) {
	case nil:
		return node{kind: kindNull}, nil
	case bool:
		return node{kind: kindBool, text: strconv.FormatBool(t)}, nil
	case json.Number:
		return node{kind: kindNumber, text: t.String()}, nil
	case string:
		return node{kind: kindString, text: t}, nil
	case json.Delim:
		switch t {
		case '[':
			arr := node{kind: kindArray, items: []node{}}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return node{}, err
				}
				arr.items = append(arr.items, v)
			}
			_, err := dec.Token() // ]
			return arr, err
		case '{':
			obj := node{kind: kindObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return node{}, err
				}
				key, _ := kt.(string)
				v, err := parseValue(dec)
				if err != nil {
					return node{}, err
				}
				obj.set(key, v)
			}
			_, err := dec.Token() // }
			return obj, err
		}
	}
	return node{}, fmt.Errorf("unexpected token %v", tok)
}

// write serialises like JSON.stringify without indentation.
func (v node) write(b *strings.Builder) {
	switch v.kind {
	case kindNull:
		b.WriteString("null")
	case kindBool, kindNumber:
		b.WriteString(v.text)
	case kindString:
		writeString(b, v.text)
	case kindArray:
		b.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.write(b)
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, m.key)
			b.WriteByte(':')
			m.value.write(b)
		}
		b.WriteByte('}')
	}
}

// writeString quotes s like JSON.stringify: only '"', '\\' and control characters are
// escaped; invalid UTF-8 (impossible in a JavaScript string) becomes U+FFFD.
func writeString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

func itoa(n int) string { return strconv.Itoa(n) }
