package jsonx

import (
	"encoding/json"
	"testing"
	"time"
)

func value(t *testing.T, raw string) Value {
	t.Helper()
	var v Value
	if raw == "" {
		return v
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}

func TestValue(t *testing.T) {
	cases := []struct {
		raw  string
		kind Kind
		str  string
		n    int
		ok   bool
		b    bool
	}{
		{``, KindAbsent, "", 0, false, false},
		{`null`, KindNull, "", 0, false, false},
		{`"603"`, KindString, "603", 603, true, true},
		{`" 0603 "`, KindString, "0603", 603, true, true},
		{`603`, KindNumber, "603", 603, true, true},
		{`603.0`, KindNumber, "603.0", 603, true, true},
		{`6.03e2`, KindNumber, "6.03e2", 603, true, true},
		{`6.5`, KindNumber, "6.5", 0, false, false},
		{`"6.5"`, KindString, "6.5", 0, false, false},
		{`"603.0"`, KindString, "603.0", 0, false, false},
		{`-1`, KindNumber, "-1", -1, true, true},
		{`2147483648`, KindNumber, "2147483648", 0, false, false},
		{`1e400`, KindNumber, "1e400", 0, false, false},
		{`0`, KindNumber, "0", 0, true, false},
		{`true`, KindBool, "true", 0, false, true},
		{`false`, KindBool, "false", 0, false, false},
		{`"true"`, KindString, "true", 0, false, true},
		{`"1"`, KindString, "1", 1, true, true},
		{`"{{media_tmdbid}}"`, KindString, "", 0, false, false},
		{`"{{a}} b"`, KindString, "{{a}} b", 0, false, false},
		{`[1, "2", " 3 "]`, KindArray, "1, 2,  3", 0, false, false},
		{`[1, {"a":2}]`, KindArray, "", 0, false, false},
		{`{"a":1}`, KindObject, "", 0, false, false},
		{`"A\u00e9\"B"`, KindString, `Aé"B`, 0, false, false},
	}
	for _, tc := range cases {
		v := value(t, tc.raw)
		n, ok := v.Int()
		if v.Kind != tc.kind || v.Str() != tc.str || n != tc.n || ok != tc.ok || v.Bool() != tc.b || v.Missing() != (tc.str == "") {
			t.Errorf("%s: kind %v str %q int %d,%v bool %v; want %v %q %d,%v %v", tc.raw, v.Kind, v.Str(), n, ok, v.Bool(), tc.kind, tc.str, tc.n, tc.ok, tc.b)
		}
	}
}

func TestTime(t *testing.T) {
	want := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, raw := range []string{`"2024-05-06T07:08:09Z"`, `"2024-05-06T09:08:09+02:00"`, `"2024-05-06 07:08:09"`, `"2024-05-06T07:08:09"`} {
		if got := value(t, raw).Time(); !got.Equal(want) {
			t.Errorf("%s: %v", raw, got)
		}
	}
	for _, raw := range []string{`"garbage"`, `null`, `12`} {
		if got := value(t, raw).Time(); !got.IsZero() {
			t.Errorf("%s: %v, want zero", raw, got)
		}
	}
}

func TestUnmarshalAndObject(t *testing.T) {
	type inner struct {
		ID Value `json:"id"`
	}
	var w struct {
		A Object[inner]   `json:"a"`
		B Object[inner]   `json:"b"`
		C []Object[inner] `json:"c"`
		D []Value         `json:"d"`
		E Object[inner]   `json:"e"`
		F inner           `json:"f"`
		G []inner         `json:"g"`
		H Value           `json:"h"`
	}
	body := `{"a":{"ID":"7","x":[1]},"b":"str","c":[{"id":1},null,5,{"id":{}}],"d":{"not":"array"},"f":"x","g":[{"id":2},3],"h":"{{h}}"}`
	if err := Unmarshal([]byte(body), &w); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.A.V.ID.Int(); !w.A.OK() || n != 7 {
		t.Errorf("a: %+v", w.A)
	}
	if w.B.OK() || w.B.Kind != KindString || w.E.Kind != KindAbsent {
		t.Errorf("b %+v, e %+v", w.B, w.E)
	}
	if len(w.C) != 4 || !w.C[0].OK() || w.C[1].Kind != KindNull || w.C[2].Kind != KindNumber || w.C[3].V.ID.Kind != KindObject {
		t.Errorf("c: %+v", w.C)
	}
	if w.D != nil || w.F.ID.Kind != KindAbsent || len(w.G) != 2 || w.G[1].ID.Kind != KindAbsent || !w.H.Missing() {
		t.Errorf("d %+v, f %+v, g %+v, h %+v", w.D, w.F, w.G, w.H)
	}
	if err := Unmarshal([]byte(`{"a":`), &w); err == nil {
		t.Error("a syntax error decoded")
	}
}
