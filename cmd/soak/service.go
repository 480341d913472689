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
func (s *service) reconcile(ctx context.Context) (reconcileSummary, error) {
	var sum reconcileSummary
	return sum, s.Call(ctx, http.MethodPost, "/reconcile?wait=true", 95*time.Second, &sum)
}
