package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/proc"
)

const startBudget = 15 * time.Second // until /healthz answers 200

// service is one running seerrpilot process (pkg/proc) with what restarting it takes.
type service struct {
	*proc.Proc
	h   *harness
	dir string
	env map[string]string
}

// start runs `seerrpilot serve` with a clean environment (PATH, HOME and env) on a free
// loopback port, DATA_DIR under dir, output appended to dir/service.log, and waits for
// /healthz to answer 200.
func (h *harness) start(ctx context.Context, dir string, env map[string]string) (*service, error) {
	full := map[string]string{
		"DATA_DIR": filepath.Join(dir, "data"), "LOG_LEVEL": "warn", "LOG_FORMAT": "json",
		"WEBHOOK_SECRET": webhookSecret, "ADMIN_TOKEN": adminToken,
	}
	for k, v := range env {
		full[k] = v
	}
	p, err := proc.Start(proc.Options{Bin: h.bin, Env: full, LogPath: filepath.Join(dir, "service.log")})
	if err != nil {
		return nil, err
	}
	if err := p.Wait(ctx, "/healthz", startBudget); err != nil {
		p.Kill()
		return nil, err
	}
	return &service{Proc: p, h: h, dir: dir, env: env}, nil
}

// restart starts a new process with the same directory and environment.
func (s *service) restart(ctx context.Context) (*service, error) {
	return s.h.start(ctx, s.dir, s.env)
}

// terminate sends SIGTERM and waits up to budget for the exit; past it, the process is
// killed. It returns the exit code (-1 when killed by a signal) and how long the exit took.
func (s *service) terminate(budget time.Duration) (code int, took time.Duration, err error) {
	took, err = s.Stop(budget)
	if code = -1; s.Exited() {
		code = s.ExitCode()
	}
	if code > 0 {
		err = nil // it exited on its own, non-zero: the code says so
	}
	return code, took, err
}

// stopClean ends a scenario's service with SIGTERM and records whether it exited 0 in time.
func (s *service) stopClean(r *report) {
	code, took, err := s.terminate(15 * time.Second)
	r.check(err == nil && code == 0, "clean stop at the end (SIGTERM → exit %d in %s)", code, took.Round(10*time.Millisecond))
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
