package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// duplicateKey returns the first key that appears twice in one object of the JSON value in
// line, as a strict log shipper sees it, or "" when there is none.
func duplicateKey(line []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token in this object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				return k, nil
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch d := tok.(type) {
		case json.Delim:
			switch d {
			case '{':
				stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
				continue
			case '[':
				stack = append(stack, &frame{})
				continue
			case ']', '}':
				stack = stack[:len(stack)-1]
			}
		}
		// A value ended: the enclosing object expects a key next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

func TestDuplicateKeyChecker(t *testing.T) {
	for line, want := range map[string]string{
		`{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`:           "",
		`{"component":"webhook","x":1,"component":"webhook"}`: "component",
		`{"a":{"b":1,"b":2}}`:                                 "b",
		`{"a":[1,2],"a":3}`:                                   "a",
	} {
		got, err := duplicateKey([]byte(line))
		if err != nil || got != want {
			t.Errorf("duplicateKey(%s) = %q, %v; want %q", line, got, err, want)
		}
	}
}

// The running service's edges: every log line is strict JSON (no key twice: the webhook's
// lines carried "component" twice), a long path is not echoed whole, and outside BASE_PATH
// and at /mcp's body limit the answer is the envelope, not plain text.
func TestServiceEdges(t *testing.T) {
	const admin = "edges-admin-token-5c1f"
	svc := startService(t, map[string]string{"MP_DRY_RUN": "true", "DATA_DIR": t.TempDir(),
		"BASE_PATH": "/sp", "ADMIN_TOKEN": admin, "LOG_LEVEL": "debug"})
	base := "http://" + svc.addr

	if code, _ := postJSON(t, base+"/sp/webhook/jellyseerr", "", []byte(`{"notification_type":"TEST_NOTIFICATION"}`)); code != 200 {
		t.Fatalf("test notification: %d", code)
	}

	long := "/" + strings.Repeat("a", 60000)
	for _, url := range []string{base + long, base + "/sp" + long} {
		code, body := get(t, url)
		if code != 404 || !strings.Contains(body, `"code":1002`) || len(body) > 1024 {
			t.Fatalf("GET %d-byte path: %d, %d bytes: %.300s", len(long), code, len(body), body)
		}
	}
	// Outside BASE_PATH: the envelope, for a short path and a wrong method alike.
	if code, body := get(t, base+"/healthz"); code != 404 || !strings.Contains(body, `"code":1002`) {
		t.Fatalf("outside BASE_PATH: %d %s", code, body)
	}

	for _, size := range []int{70 << 10, -1} {
		body := bytes.Repeat([]byte(" "), 70<<10)
		var rd io.Reader = bytes.NewReader(body)
		if size < 0 {
			rd = io.MultiReader(bytes.NewReader(body)) // no length: chunked
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/sp/mcp", rd)
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var env struct {
			Code *int `json:"code"`
		}
		if resp.StatusCode != 413 || json.Unmarshal(raw, &env) != nil || env.Code == nil || *env.Code != 1001 {
			t.Fatalf("MCP body of 70 KiB (length known: %v): %d %q", size > 0, resp.StatusCode, raw)
		}
	}

	out := svc.Log()
	var webhookLines int
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, err := duplicateKey([]byte(line))
		if err != nil {
			t.Fatalf("log line is not JSON (%v): %.300s", err, line)
		}
		if k != "" {
			t.Errorf("log line has %q twice: %.300s", k, line)
		}
		if strings.Contains(line, `"component":"webhook"`) {
			webhookLines++
		}
		if len(line) > 4096 {
			t.Errorf("log line of %d bytes: %.300s", len(line), line)
		}
	}
	if webhookLines == 0 {
		t.Fatalf("no webhook log line in:\n%s", out)
	}
}

// A secret pasted into another variable never reaches the terminal, from any command that
// loads the configuration.
func TestConfigErrorsAreRedactedOnEveryCommand(t *testing.T) {
	const token, pw = "mp-token-c0ffee-4411", "url-pw-beef-9921"
	env := map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": token, "DATA_DIR": t.TempDir(),
		"LOG_LEVEL": token, "JELLY_URL": "http://u:" + pw + "@js host:5055", "JELLY_API_KEY": "seerr-key-12345678"}
	for _, args := range [][]string{{"serve"}, {"sync", "daemon"}, {"sync", "once"}, {"doctor"}} {
		r := runBin(t, env, args...)
		out := r.stdout + r.stderr
		if r.code == 0 || !strings.Contains(out, "LOG_LEVEL") || !strings.Contains(out, "JELLY_URL") {
			t.Fatalf("%v: exit %d, want a failure naming LOG_LEVEL and JELLY_URL:\n%s", args, r.code, out)
		}
		if strings.Contains(out, token) || strings.Contains(out, pw) {
			t.Fatalf("%v prints a secret:\n%s", args, out)
		}
	}
}

// A truncated or garbage seerrpilot.db stops serve, sync and doctor with a message naming the
// file, the problem and the backup advice, never with bbolt's "fatal error: fault".
func TestDamagedDatabase(t *testing.T) {
	src := t.TempDir()
	s, err := taskdb.Open(filepath.Join(src, taskdb.FileName), taskdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 200; i++ {
		if _, err := s.Enqueue(t.Context(), task.SourceWebhook, task.Input{RequestID: i, TMDBID: i, MediaType: task.TypeMovie, Title: strings.Repeat("x", 300)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(filepath.Join(src, taskdb.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"truncated": whole[:len(whole)/2],
		"garbage":   bytes.Repeat([]byte("\xde\xad\xbe\xef garbage "), 8000),
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, taskdb.FileName)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"MP_DRY_RUN": "true", "DATA_DIR": dir, "LISTEN_ADDR": freeAddr(t)}
		for _, args := range [][]string{{"serve"}, {"sync", "once"}, {"doctor"}} {
			r := runBin(t, env, args...)
			out := r.stdout + r.stderr
			if r.code != 1 || strings.Contains(out, "fatal error") || strings.Contains(out, "goroutine ") {
				t.Fatalf("%s, %v: exit %d:\n%.2000s", name, args, r.code, out)
			}
			for _, want := range []string{path, "is damaged", "Upgrade and backup"} {
				if !strings.Contains(out, want) {
					t.Fatalf("%s, %v: output lacks %q:\n%s", name, args, want, out)
				}
			}
		}
	}
}
