package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	startBudget = 15 * time.Second // until /healthz answers 200
	killBudget  = 10 * time.Second // until a SIGKILLed process is reaped
)

// service is one running seerrpilot process.
type service struct {
	h        *harness
	dir      string
	env      map[string]string
	addr     string
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has been reaped
	logPath  string
	logStart int64 // where this process's output starts in the log file
}

// start runs `seerrpilot serve` with a clean environment (PATH, HOME and env) on a free
// loopback port, DATA_DIR under dir, output appended to dir/service.log, and waits for
// /healthz to answer 200.
func (h *harness) start(ctx context.Context, dir string, env map[string]string) (*service, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	full := map[string]string{
		"LISTEN_ADDR": addr, "DATA_DIR": filepath.Join(dir, "data"), "LOG_LEVEL": "warn", "LOG_FORMAT": "json",
		"WEBHOOK_SECRET": webhookSecret, "ADMIN_TOKEN": adminToken,
	}
	for k, v := range env {
		full[k] = v
	}
	s := &service{h: h, dir: dir, env: env, addr: addr, done: make(chan struct{}), logPath: filepath.Join(dir, "service.log")}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child holds its own descriptor
	if st, err := logf.Stat(); err == nil {
		s.logStart = st.Size()
	}
	s.cmd = exec.Command(h.bin, "serve")
	s.cmd.Env = cleanEnv(full)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start seerrpilot: %w", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitHealthy(ctx); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

// restart starts a new process with the same directory and environment.
func (s *service) restart(ctx context.Context) (*service, error) {
	return s.h.start(ctx, s.dir, s.env)
}

func cleanEnv(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *service) url(path string) string { return "http://" + s.addr + path }

func (s *service) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(startBudget)
	for time.Now().Before(deadline) {
		if code, _, err := s.do(ctx, http.MethodGet, "/healthz", false, nil, 2*time.Second); err == nil && code == http.StatusOK {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("seerrpilot exited at start (%s):\n%s", s.cmd.ProcessState, s.logTail(20))
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("seerrpilot not healthy within %s:\n%s", startBudget, s.logTail(20))
}

func (s *service) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits until the process is reaped.
func (s *service) kill() {
	if s.exited() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-s.done:
	case <-time.After(killBudget):
	}
}

// terminate sends SIGTERM and waits up to budget for the exit; past it, the process is
// killed. It returns the exit code (-1 when killed by a signal) and how long the exit took.
func (s *service) terminate(budget time.Duration) (code int, took time.Duration, err error) {
	if s.exited() {
		return s.cmd.ProcessState.ExitCode(), 0, errors.New("already exited")
	}
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return -1, 0, err
	}
	select {
	case <-s.done:
		return s.cmd.ProcessState.ExitCode(), time.Since(start), nil
	case <-time.After(budget):
		s.kill()
		return -1, time.Since(start), fmt.Errorf("no exit %s after SIGTERM; killed", budget)
	}
}

// stopClean ends a scenario's service with SIGTERM and records whether it exited 0 in time.
func (s *service) stopClean(r *report) {
	code, took, err := s.terminate(15 * time.Second)
	r.check(err == nil && code == 0, "clean stop at the end (SIGTERM → exit %d in %s)", code, took.Round(10*time.Millisecond))
}

// log returns what this process has written so far.
func (s *service) log() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil || int64(len(b)) < s.logStart {
		return ""
	}
	return string(b[s.logStart:])
}

// logCount counts this process's log lines that contain every one of parts.
func (s *service) logCount(parts ...string) int {
	n := 0
	for _, line := range strings.Split(s.log(), "\n") {
		if containsAll(line, parts) {
			n++
		}
	}
	return n
}

// logField returns field (a string) from each of this process's JSON log lines that contain
// every one of parts, once each, in log order.
func (s *service) logField(field string, parts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(s.log(), "\n") {
		if !containsAll(line, parts) {
			continue
		}
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

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func (s *service) logTail(n int) string {
	lines := strings.Split(strings.TrimRight(s.log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString("    | " + l + "\n")
	}
	return b.String()
}
