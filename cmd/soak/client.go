package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

const callTimeout = 10 * time.Second // every operator call, unless it says otherwise

// do makes one request to the service, bounded by timeout, with the admin token when auth.
func (s *service) do(ctx context.Context, method, path string, auth bool, body []byte, timeout time.Duration) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	bearer := ""
	if auth {
		bearer = "Bearer " + adminToken
	}
	return s.Do(ctx, method, path, bearer, body)
}

// envelope is the service's answer shape.
type envelope[T any] struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data T      `json:"data"`
}

// getData GETs an operator endpoint and decodes its envelope's data.
func getData[T any](ctx context.Context, s *service, path string) (T, error) {
	var env envelope[T]
	code, b, err := s.do(ctx, http.MethodGet, path, true, nil, callTimeout)
	if err != nil {
		return env.Data, err
	}
	if code != http.StatusOK {
		return env.Data, fmt.Errorf("GET %s: HTTP %d: %s", path, code, trunc.Mark(string(b), 200))
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return env.Data, fmt.Errorf("GET %s: %w", path, err)
	}
	return env.Data, nil
}

// stats is the part of GET /api/v1/stats the soak reads.
type stats struct {
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"byStatus"`
	Worker   *struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"worker"`
}

func (st stats) settled() bool { return st.ByStatus["pending"] == 0 && st.ByStatus["running"] == 0 }

func (st stats) String() string {
	return fmt.Sprintf("%d tasks: %d pending, %d running, %d success, %d failed, %d cancelled", st.Total,
		st.ByStatus["pending"], st.ByStatus["running"], st.ByStatus["success"], st.ByStatus["failed"], st.ByStatus["cancelled"])
}

func (s *service) stats(ctx context.Context) (stats, error) {
	return getData[stats](ctx, s, "/api/v1/stats")
}

// runningGauge reads seerrpilot_tasks{status="running"} from /metrics.
func (s *service) runningGauge(ctx context.Context) (int, error) {
	code, b, err := s.do(ctx, http.MethodGet, "/metrics", false, nil, callTimeout)
	if err != nil {
		return 0, err
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("GET /metrics: HTTP %d", code)
	}
	const name = `seerrpilot_tasks{status="running"} `
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err
		}
	}
	return 0, fmt.Errorf("/metrics has no %s", strings.TrimSpace(name))
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
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	code, body, err := s.Readyz(ctx)
	if err != nil {
		return readiness{}, err
	}
	return readiness{Code: code, ReadyzBody: body}, nil
}

// reconcileSummary is the part of a pass summary the soak reads.
type reconcileSummary struct {
	Seen     int    `json:"seen"`
	Approved int    `json:"approved"`
	Enqueued int    `json:"enqueued"`
	Skipped  int    `json:"skipped"`
	Outcome  string `json:"outcome"`
	Error    string `json:"error"`
}

// reconcile runs POST /reconcile?wait=true and returns the HTTP code and the summary.
func (s *service) reconcile(ctx context.Context) (int, reconcileSummary, error) {
	code, b, err := s.do(ctx, http.MethodPost, "/reconcile?wait=true", true, nil, 95*time.Second)
	if err != nil {
		return 0, reconcileSummary{}, err
	}
	var env envelope[reconcileSummary]
	if err := json.Unmarshal(b, &env); err != nil {
		return code, reconcileSummary{}, fmt.Errorf("/reconcile: %w: %s", err, trunc.Mark(string(b), 200))
	}
	return code, env.Data, nil
}
