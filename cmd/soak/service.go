package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// tmdbBase is added to a request id to make its TMDB id, so both are unique per webhook.
const tmdbBase = 1_000_000

// service is one running seerrpilot process with the operator calls the soak makes.
type service struct{ *benchkit.Service }

// start starts a service in the scenario's directory.
func (h *harness) start(ctx context.Context, name string, env map[string]string) (*service, error) {
	s, err := h.Start(ctx, name, env)
	if err != nil {
		return nil, err
	}
	return &service{s}, nil
}

// restart starts a new process with the same directory and environment.
func (s *service) restart(ctx context.Context) (*service, error) {
	next, err := s.Restart(ctx)
	if err != nil {
		return nil, err
	}
	return &service{next}, nil
}

// logField returns field (a string) from each of this process's JSON log lines that contain
// every one of parts, once each, in log order.
func (s *service) logField(field string, parts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range s.LogLines(parts...) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if v, ok := m[field].(string); ok && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// reclaimed reads how many tasks a starting process returned from running to pending (its
// "returned tasks left running by the previous process" warning), 0 if none.
func (s *service) reclaimed() int {
	for _, line := range s.LogLines("returned tasks left running") {
		var v struct {
			Tasks int `json:"tasks"`
		}
		if json.Unmarshal([]byte(line), &v) == nil {
			return v.Tasks
		}
	}
	return 0
}

// do makes one operator call with the admin token, bounded by timeout; the answer's
// envelope data is decoded into data (nil: not decoded).
func (s *service) do(ctx context.Context, method, path string, timeout time.Duration, data any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	code, b, err := s.Do(ctx, method, path, "Bearer "+benchkit.AdminToken, nil)
	if err != nil || data == nil {
		return code, err
	}
	env := struct {
		Data any `json:"data"`
	}{data}
	if err := json.Unmarshal(b, &env); err != nil {
		return code, fmt.Errorf("%s %s: HTTP %d: %w: %s", method, path, code, err, trunc.Mark(string(b), 200))
	}
	return code, nil
}

// get is an operator GET that wants 200.
func (s *service) get(ctx context.Context, path string, data any) error {
	code, err := s.do(ctx, http.MethodGet, path, 10*time.Second, data)
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("GET %s: HTTP %d", path, code)
	}
	return err
}

// stats is the part of GET /api/v1/stats the soak reads.
type stats struct {
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"byStatus"`
}

func (st stats) settled() bool { return st.ByStatus["pending"] == 0 && st.ByStatus["running"] == 0 }

func (st stats) String() string {
	return fmt.Sprintf("%d tasks: %d pending, %d running, %d success, %d failed, %d cancelled", st.Total,
		st.ByStatus["pending"], st.ByStatus["running"], st.ByStatus["success"], st.ByStatus["failed"], st.ByStatus["cancelled"])
}

func (s *service) stats(ctx context.Context) (st stats, err error) {
	return st, s.get(ctx, "/api/v1/stats", &st)
}

// readiness is GET /readyz.
type readiness struct {
	Code int `json:"-"`
	server.ReadyzBody
}

// String is the answer in one line: code, overall status, each component that is not ok.
func (r readiness) String() string {
	parts := []string{fmt.Sprintf("HTTP %d %q", r.Code, r.Status)}
	names := make([]string, 0, len(r.Components))
	for name := range r.Components {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := r.Components[name]
		if !c.Ready || (c.Status != "ok" && c.Status != "running") {
			parts = append(parts, fmt.Sprintf("%s=%s ready=%t (%s)", name, c.Status, c.Ready, trunc.Mark(c.Detail, 90)))
		}
	}
	return strings.Join(parts, "; ")
}

func (s *service) readyz(ctx context.Context) (readiness, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	code, body, err := s.Readyz(ctx)
	return readiness{Code: code, ReadyzBody: body}, err
}

// reconcileSummary is the part of a pass summary the soak reads.
type reconcileSummary struct {
	Seen     int    `json:"seen"`
	Approved int    `json:"approved"`
	Enqueued int    `json:"enqueued"`
	Outcome  string `json:"outcome"`
	Error    string `json:"error"`
}

// reconcile runs POST /reconcile?wait=true and returns the HTTP code and the summary.
func (s *service) reconcile(ctx context.Context) (int, reconcileSummary, error) {
	var sum reconcileSummary
	code, err := s.do(ctx, http.MethodPost, "/reconcile?wait=true", 95*time.Second, &sum)
	return code, sum, err
}
