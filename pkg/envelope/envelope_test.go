package envelope

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type upper struct{}

func (upper) String(s string) string { return strings.ToUpper(s) }

// TestJSON pins the answer's bytes and headers, including encoding/json's HTML escaping and
// the fallback for data it cannot encode.
func TestJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	Writer{Scrub: upper{}}.JSON(rec, http.StatusAccepted, OK, "queued <x>", map[string]int{"n": 1})
	if rec.Code != http.StatusAccepted {
		t.Errorf("status %d", rec.Code)
	}
	if got, want := rec.Body.String(), `{"code":0,"msg":"QUEUED \u003cX\u003e","data":{"n":1}}`+"\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if v := rec.Header().Get("X-Content-Type-Options"); v != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", v)
	}

	// Data encoding/json cannot encode: a 500 with a fixed envelope.
	rec = httptest.NewRecorder()
	Writer{}.OK(rec, "x", make(chan int))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("unencodable data: status %d", rec.Code)
	}
	if got, want := rec.Body.String(), `{"code":5000,"msg":"could not encode the answer","data":null}`+"\n"; got != want {
		t.Errorf("unencodable data: body %q, want %q", got, want)
	}

	rec = httptest.NewRecorder()
	Writer{}.Error(rec, http.StatusNotFound, NotFound, "no such task")
	if got, want := rec.Body.String(), `{"code":1002,"msg":"no such task","data":null}`+"\n"; got != want {
		t.Errorf("error: body %q, want %q", got, want)
	}
}
