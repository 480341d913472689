// Package redact keeps configured secrets out of everything that leaves the process: log
// lines, error messages and HTTP answers. It is a guard behind the rule "never log a secret",
// not a replacement for it: code still avoids logging headers, bodies and URLs with tokens.
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"sort"
	"strings"
)

// Mask replaces every secret.
const Mask = "[REDACTED]"

// Redactor replaces secret values, and their URL-encoded, JSON-escaped and base64 forms.
// A nil *Redactor passes text through unchanged.
type Redactor struct {
	r *strings.Replacer
}

// New builds a Redactor for the given secrets; empty strings are ignored.
func New(secrets ...string) *Redactor {
	seen := map[string]bool{}
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		js, _ := json.Marshal(s) // HTML-escaped, as encoding/json writes it
		var plain bytes.Buffer   // not HTML-escaped, as zerolog writes it
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		for _, f := range []string{
			s,
			url.QueryEscape(s),
			url.PathEscape(s),
			strings.Trim(string(js), `"`),
			strings.Trim(strings.TrimSpace(plain.String()), `"`),
			base64.StdEncoding.EncodeToString([]byte(s)),
			base64.RawStdEncoding.EncodeToString([]byte(s)),
			base64.URLEncoding.EncodeToString([]byte(s)),
			base64.RawURLEncoding.EncodeToString([]byte(s)),
		} {
			if f != "" && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	if len(forms) == 0 {
		return &Redactor{}
	}
	// Longest first: the replacer tries arguments in order at each position.
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Mask)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// Error returns err's text with every secret masked ("" for nil).
func (r *Redactor) Error(err error) string {
	if err == nil {
		return ""
	}
	return r.String(err.Error())
}

// Writer wraps w so that every Write is masked first. zerolog writes one event per Write,
// so a secret never straddles two writes.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	if r == nil || r.r == nil {
		return w
	}
	return &writer{r: r, w: w}
}

type writer struct {
	r *Redactor
	w io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	masked := w.r.r.Replace(string(p))
	if _, err := io.WriteString(w.w, masked); err != nil {
		return 0, err
	}
	return len(p), nil
}

// URL returns u as text with its query values and user info masked: for logging URLs that may
// carry ?token= or ?apikey=.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(Mask)
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"x"}
		}
		c.RawQuery = strings.ReplaceAll(q.Encode(), "=x", "="+Mask)
	}
	return c.String()
}
