package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

// mpCall is one HTTP request that reached the fake MoviePilot, stamped on arrival (before the
// fake reads the body or takes its lock).
type mpCall struct {
	At     time.Time
	Method string
	Path   string
	Op     string // detect, lookup, create, login, other
	TMDB   int    // creates only
	Status int
}

// fakeMP is mptest's fake MoviePilot (v2.9+: the API token authorises every call) behind a
// handler that records every call and tells waiters when a movie's create arrived.
type fakeMP struct {
	fake *mptest.Fake
	srv  *httptest.Server

	mu      sync.Mutex
	calls   []mpCall
	creates int // successful creates
	waiters map[int]chan time.Time
}

func newFakeMP() *fakeMP {
	m := &fakeMP{
		fake:    mptest.NewHandler(mptest.Options{APIToken: mpToken, AcceptAPIKey: true}),
		waiters: map[int]chan time.Time{},
	}
	m.srv = httptest.NewServer(m)
	return m
}

func (m *fakeMP) URL() string { return m.srv.URL }
func (m *fakeMP) Close()      { m.srv.Close() }

// ServeHTTP records the call, delegates to the fake, and on a successful create wakes the
// waiter for that movie with the arrival time.
func (m *fakeMP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := mpCall{At: time.Now(), Method: r.Method, Path: r.URL.Path, Op: opOf(r.Method, r.URL.Path)}
	if c.Op == "create" {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		var b struct {
			TMDBID int `json:"tmdbid"`
		}
		_ = json.Unmarshal(body, &b)
		c.TMDB = b.TMDBID
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	m.fake.ServeHTTP(sw, r)
	c.Status = sw.status

	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, c)
	if c.Op == "create" && c.Status == http.StatusOK {
		m.creates++
		if ch, ok := m.waiters[c.TMDB]; ok {
			delete(m.waiters, c.TMDB)
			ch <- c.At
		}
	}
}

// opOf names what a request to MoviePilot is for. The API-version probe is the lookup of
// tmdb:0, which cannot exist.
func opOf(method, path string) string {
	const media = "/api/v1/subscribe/media/"
	switch {
	case path == "/api/v1/login/access-token":
		return "login"
	case strings.HasPrefix(path, "/api/v1/subscribe") && method == http.MethodPost:
		return "create" // "/api/v1/subscribe" is answered 307 to the same with a slash
	case path == media+"tmdb:0" || path == media+"0":
		return "detect"
	case strings.HasPrefix(path, media):
		return "lookup"
	}
	return "other"
}

// awaitCreate returns a channel that receives the arrival time of the next successful create
// for tmdb. Register it before causing the create.
func (m *fakeMP) awaitCreate(tmdb int) <-chan time.Time {
	ch := make(chan time.Time, 1)
	m.mu.Lock()
	m.waiters[tmdb] = ch
	m.mu.Unlock()
	return ch
}

func (m *fakeMP) cancelAwait(tmdb int) {
	m.mu.Lock()
	delete(m.waiters, tmdb)
	m.mu.Unlock()
}

// Creates is the number of successful creates so far.
func (m *fakeMP) Creates() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.creates
}

// Calls returns every call so far, ordered by arrival time.
func (m *fakeMP) Calls() []mpCall {
	m.mu.Lock()
	out := slices.Clone(m.calls)
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b mpCall) int { return a.At.Compare(b.At) })
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// countOps tallies calls by operation, e.g. "lookup 200, create 200, detect 1".
func countOps(calls []mpCall) string {
	n := map[string]int{}
	for _, c := range calls {
		n[c.Op]++
	}
	var parts []string
	for _, op := range []string{"detect", "login", "lookup", "create", "other"} {
		if n[op] > 0 {
			parts = append(parts, op+" "+strconv.Itoa(n[op]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
