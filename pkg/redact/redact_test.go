package redact

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestStringMasksEveryForm(t *testing.T) {
	secret := `s3cr3t/+=&"\ key`
	r := New(secret, "", "other-secret-value")
	forms := map[string]string{
		"plain":    "token " + secret + " end",
		"query":    "GET /x?token=" + url.QueryEscape(secret),
		"path":     "/p/" + url.PathEscape(secret),
		"json":     `{"k":"s3cr3t/+=&\"\\ key"}`,
		"base64":   "Basic " + base64.StdEncoding.EncodeToString([]byte(secret)),
		"b64url":   base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"second":   "x other-secret-value y",
		"repeated": secret + secret,
	}
	for name, in := range forms {
		t.Run(name, func(t *testing.T) {
			out := r.String(in)
			if !strings.Contains(out, Mask) {
				t.Fatalf("nothing masked in %q", out)
			}
			for _, leak := range []string{secret, url.QueryEscape(secret), "other-secret-value", base64.StdEncoding.EncodeToString([]byte(secret))} {
				if strings.Contains(out, leak) {
					t.Fatalf("%q still holds %q", out, leak)
				}
			}
		})
	}
	if got := r.String("nothing to hide"); got != "nothing to hide" {
		t.Fatalf("changed clean text: %q", got)
	}
}

func TestNilAndEmpty(t *testing.T) {
	var r *Redactor
	if r.String("a") != "a" || New().String("a") != "a" || r.Error(nil) != "" {
		t.Fatal("nil or empty redactor changed text")
	}
	var buf bytes.Buffer
	if w := r.Writer(&buf); w != &buf {
		t.Fatal("nil redactor wrapped the writer")
	}
}

func TestWriterAndError(t *testing.T) {
	r := New("hunter2-hunter2")
	var buf bytes.Buffer
	w := r.Writer(&buf)
	n, err := w.Write([]byte(`{"msg":"login with hunter2-hunter2"}`))
	if err != nil || n != len(`{"msg":"login with hunter2-hunter2"}`) {
		t.Fatalf("write: %d %v", n, err)
	}
	if strings.Contains(buf.String(), "hunter2") {
		t.Fatalf("writer leaked: %s", buf.String())
	}
	if got := r.Error(errors.New("bad hunter2-hunter2")); strings.Contains(got, "hunter2") {
		t.Fatalf("error leaked: %s", got)
	}
}

func TestURL(t *testing.T) {
	u, _ := url.Parse("https://user:pw@mp.example/api/v1/x?token=abc123&season=1")
	got := URL(u)
	if strings.Contains(got, "abc123") || strings.Contains(got, "pw@") || !strings.Contains(got, "/api/v1/x") {
		t.Fatalf("URL(%v) = %s", u, got)
	}
}
