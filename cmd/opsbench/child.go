package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Secrets the child runs with: production should set both, so the webhook pays for the
// constant-time check and the redacting log writer as it does for users.
const (
	webhookSecret = "opsbench-webhook-secret-0123456789"
	adminToken    = "opsbench-admin-token-0123456789"
	mpToken       = "opsbench-mp-api-token-0123456789"
)

// binary returns the seerrpilot binary to measure: -bin, or a fresh static stripped build.
func (b *bench) binary(ctx context.Context) (string, error) {
	if b.cfg.bin != "" {
		abs, err := filepath.Abs(b.cfg.bin)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("-bin: %w", err)
		}
		return abs, nil
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	out := filepath.Join(b.dir, "seerrpilot")
	bctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(bctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/seerrpilot")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	b.logf("building %s (CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' ./cmd/seerrpilot)", out)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build seerrpilot: %w", err)
	}
	b.logf("built in %s", time.Since(start).Round(time.Millisecond))
	return out, nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(cctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the seerrpilot module: run from the repository or pass -bin")
	}
	return filepath.Dir(gomod), nil
}

// service is one running `seerrpilot serve` child.
type service struct {
	cmd     *exec.Cmd
	base    string    // http://127.0.0.1:port
	started time.Time // just before exec
	exited  chan struct{}
	waitErr error // valid once exited is closed
	out     *tail
}

// baseEnv is the service's environment apart from LISTEN_ADDR and what a scenario adds.
func baseEnv(dataDir, mpURL string, rate float64) map[string]string {
	return map[string]string{
		"DATA_DIR": dataDir, "MP_URL": mpURL, "MP_TOKEN": mpToken, "LOG_LEVEL": "warn",
		"MP_RATE_LIMIT_PER_SEC": strconv.FormatFloat(rate, 'g', -1, 64),
		"WEBHOOK_SECRET":        webhookSecret, "ADMIN_TOKEN": adminToken,
	}
}

// startScenario starts the binary on a fresh DATA_DIR named after the scenario, against a fake
// MoviePilot of its own paced at mpRate, and waits for /readyz. done kills the service, then
// closes the fake.
func (b *bench) startScenario(ctx context.Context, name string, mpRate float64) (svc *service, mp *fakeMP, done func(), err error) {
	dataDir, err := b.scenarioDir(name)
	if err != nil {
		return nil, nil, nil, err
	}
	mp = newFakeMP()
	if svc, err = launch(b.bin, baseEnv(dataDir, mp.URL(), mpRate)); err != nil {
		mp.Close()
		return nil, nil, nil, err
	}
	done = func() { svc.kill(); mp.Close() }
	if err := svc.waitReady(ctx, "/readyz", 10*time.Millisecond, 15*time.Second); err != nil {
		done()
		return nil, nil, nil, err
	}
	return svc, mp, done, nil
}

// launch execs `bin serve` on a free loopback port with PATH, HOME and env only.
func launch(bin string, env map[string]string) (*service, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	vars := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LISTEN_ADDR=" + addr}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	s := &service{base: "http://" + addr, exited: make(chan struct{}), out: &tail{max: 256 << 10}}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = vars
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = childAttr()
	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// probeClient is for health polls: loopback, no proxy, short timeout.
var probeClient = &http.Client{
	Transport: &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: time.Second}).DialContext, MaxIdleConnsPerHost: 4},
	Timeout:   2 * time.Second,
}

// status returns the HTTP status of GET base+path (0 on a transport error) and the body's start.
func (s *service) status(ctx context.Context, path string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}

// waitReady polls path until it answers 200, the child exits or timeout passes.
func (s *service) waitReady(ctx context.Context, path string, every, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		code, body := s.status(ctx, path)
		if code == http.StatusOK {
			return nil
		}
		last = fmt.Sprintf("%d %s", code, body)
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not 200 within %s (last: %s); output:\n%s", path, timeout, last, s.out)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("seerrpilot exited (%v) before %s answered 200; output:\n%s", s.waitErr, path, s.out)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// stop sends SIGTERM and waits up to grace, then kills. It returns how long the stop took.
func (s *service) stop(grace time.Duration) (time.Duration, error) {
	start := time.Now()
	select {
	case <-s.exited:
		return 0, fmt.Errorf("seerrpilot had already exited (%v); output:\n%s", s.waitErr, s.out)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return time.Since(start), fmt.Errorf("seerrpilot exited with %v after SIGTERM; output:\n%s", s.waitErr, s.out)
		}
		return time.Since(start), nil
	case <-t.C:
		s.kill()
		return time.Since(start), fmt.Errorf("seerrpilot did not stop within %s of SIGTERM; killed", grace)
	}
}

// kill ends the child at once if it still runs and reaps it. Safe to call more than once.
func (s *service) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// memory is the child's resident set, from /proc/<pid>/status.
type memory struct {
	RSS int64 // VmRSS, bytes
	HWM int64 // VmHWM (peak RSS), bytes
}

func (s *service) memory() (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		fields := strings.Fields(rest) // "12345 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			return memory{}, fmt.Errorf("unexpected %s line %q", name, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return memory{}, err
		}
		if name == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		return memory{}, err
	}
	if m.RSS == 0 {
		return memory{}, errors.New("no VmRSS in /proc/<pid>/status (exited?)")
	}
	return m, nil
}

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// tail keeps the last max bytes written to it (the child's output, for error messages).
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// expectedWarning is logged at every start without Seerr; it says nothing about a run.
const expectedWarning = "JELLY_URL/JELLY_API_KEY not set"

// problems summarises the warn and error lines the child logged (JSON format), each distinct
// (level, message) once with its count; "" when there were none.
func (t *tail) problems() string {
	type key struct{ level, msg string }
	counts := map[key]int{}
	var order []key
	for _, line := range strings.Split(t.String(), "\n") {
		var l struct{ Level, Message, Error string }
		if json.Unmarshal([]byte(line), &l) != nil || l.Level == "" || l.Level == "info" || l.Level == "debug" || l.Level == "trace" {
			continue
		}
		if strings.HasPrefix(l.Message, expectedWarning) {
			continue
		}
		k := key{l.Level, l.Message}
		if l.Error != "" {
			k.msg += " (" + l.Error + ")"
		}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d × %s %q", counts[k], k.level, k.msg))
	}
	return strings.Join(parts, "; ")
}
