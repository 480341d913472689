// Package proc runs the seerrpilot binary as a child process for the programs and tests that
// measure or exercise it from outside (cmd/demo, cmd/soak, cmd/opsbench, the process-level
// tests in cmd/seerrpilot): build it once, start it on a free loopback port with a clean
// environment, wait until it answers, stop it (SIGTERM, then kill) or kill -9 it, and read
// what it logged. It is not part of the production binary.
package proc

import (
	"bytes"
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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/server"
)

// ModuleRoot is the directory of the enclosing module's go.mod.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the seerrpilot module: run from the repository")
	}
	return filepath.Dir(gomod), nil
}

func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// Build compiles ./cmd/seerrpilot of the enclosing module to out. Static builds it as
// released (CGO_ENABLED=0, -trimpath, stripped); compiler output goes to stderr (nil: kept
// for the error).
func Build(ctx context.Context, out string, static bool, stderr io.Writer) error {
	root, err := ModuleRoot(ctx)
	if err != nil {
		return err
	}
	args := []string{"build", "-o", out}
	if static {
		args = []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", out}
	}
	cmd := exec.CommandContext(ctx, goTool(), append(args, "./cmd/seerrpilot")...)
	cmd.Dir = root
	if static {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if stderr != nil {
		cmd.Stdout, cmd.Stderr = stderr, stderr
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/seerrpilot: %w\n%s", err, buf.Bytes())
	}
	return nil
}

// FreeAddr is a loopback host:port nothing listens on right now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Env is a clean environment: PATH, HOME and vars only, so the machine's own settings cannot
// change what the child does.
func Env(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// Options say what to start.
type Options struct {
	Bin  string
	Args []string          // default: serve
	Env  map[string]string // on top of PATH, HOME and LISTEN_ADDR (unless Env sets it)
	// LogPath, when set, is the file the output is appended to (kept after exit); otherwise
	// the last MiB of output is kept in memory.
	LogPath string
}

// Proc is one running child.
type Proc struct {
	Addr    string    // host:port it listens on (LISTEN_ADDR)
	Base    string    // http://Addr
	Started time.Time // just before exec

	cmd  *exec.Cmd
	done chan struct{} // closed once reaped
	err  error         // Wait's error, valid after done

	logPath  string
	logStart int64
	mem      *ring
}

// Start execs the child. It does not wait for it to answer: see Wait.
func Start(o Options) (*Proc, error) {
	p := &Proc{done: make(chan struct{}), logPath: o.LogPath}
	vars := map[string]string{}
	for k, v := range o.Env {
		vars[k] = v
	}
	if vars["LISTEN_ADDR"] == "" {
		addr, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		vars["LISTEN_ADDR"] = addr
	}
	p.Addr = vars["LISTEN_ADDR"]
	p.Base = "http://" + p.Addr
	args := o.Args
	if args == nil {
		args = []string{"serve"}
	}
	p.cmd = exec.Command(o.Bin, args...)
	p.cmd.Env = Env(vars)
	p.cmd.SysProcAttr = childAttr()
	if o.LogPath != "" {
		f, err := os.OpenFile(o.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		defer f.Close() // the child holds its own descriptor
		if st, err := f.Stat(); err == nil {
			p.logStart = st.Size()
		}
		p.cmd.Stdout, p.cmd.Stderr = f, f
	} else {
		p.mem = &ring{max: 1 << 20}
		p.cmd.Stdout, p.cmd.Stderr = p.mem, p.mem
	}
	p.Started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.Bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// URL is Base + path.
func (p *Proc) URL(path string) string { return p.Base + path }

// Pid is the child's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the child has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the child has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is how the child ended (nil for exit 0); only meaningful once Exited.
func (p *Proc) Err() error { return p.err }

// ExitCode is the child's exit code once it has exited (-1 when a signal ended it).
func (p *Proc) ExitCode() int { return p.cmd.ProcessState.ExitCode() }

// Signal sends sig to the child.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// probe is for polls: loopback, no proxy, short timeouts.
var probe = &http.Client{
	Transport: &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: time.Second}).DialContext, MaxIdleConnsPerHost: 4},
	Timeout:   2 * time.Second,
}

// Get is GET Base+path: the status (0 on a transport error) and up to 64 KiB of the body (or the error).
func (p *Proc) Get(ctx context.Context, path string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL(path), nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := probe.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b)
}

// plain is for Do: loopback, no proxy; the caller's context bounds each call.
var plain = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8}}

// Do sends one request to the child: auth is the Authorization value ("" for none), body a
// JSON body (nil for none). It returns the status and up to 4 MiB of the answer.
func (p *Proc) Do(ctx context.Context, method, path, auth string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.URL(path), rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := plain.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, b, err
}

// Readyz is GET /readyz decoded (the body is plain JSON, not an envelope), bounded by ctx.
func (p *Proc) Readyz(ctx context.Context) (int, server.ReadyzBody, error) {
	var rz server.ReadyzBody
	code, body, err := p.Do(ctx, http.MethodGet, "/readyz", "", nil)
	if err != nil {
		return code, rz, err
	}
	if err := json.Unmarshal(body, &rz); err != nil {
		return code, rz, fmt.Errorf("/readyz: %w: %.200s", err, body)
	}
	return code, rz, nil
}

// Wait polls path (e.g. /healthz, /readyz) until it answers 200: every 2 ms for the first
// second (a start is timed by it), then every 20 ms. It gives up when the child exits, ctx
// ends or timeout passes, with the child's last log lines in the error.
func (p *Proc) Wait(ctx context.Context, path string, timeout time.Duration) error {
	began := time.Now()
	deadline := began.Add(timeout)
	for {
		code, body := p.Get(ctx, path)
		if code == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not 200 within %s (last: %d %.200s); log:\n%s", path, timeout, code, body, p.LogTail(20))
		}
		pause := 2 * time.Millisecond
		if time.Since(began) > time.Second {
			pause = 20 * time.Millisecond
		}
		select {
		case <-p.done:
			return fmt.Errorf("seerrpilot exited (%v) before %s answered 200; log:\n%s", p.err, path, p.LogTail(20))
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(pause):
		}
	}
}

// Stop sends SIGTERM and waits up to grace for exit 0; past it the child is killed. It
// returns how long the exit took.
func (p *Proc) Stop(grace time.Duration) (time.Duration, error) {
	start := time.Now()
	if p.Exited() {
		return 0, fmt.Errorf("seerrpilot had already exited (%v)", p.err)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return 0, fmt.Errorf("SIGTERM: %w", err)
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
		if p.err != nil {
			return time.Since(start), fmt.Errorf("seerrpilot exited with %v after SIGTERM; log:\n%s", p.err, p.LogTail(20))
		}
		return time.Since(start), nil
	case <-t.C:
		p.Kill()
		return time.Since(start), fmt.Errorf("seerrpilot did not stop within %s of SIGTERM; killed", grace)
	}
}

// Kill sends SIGKILL (kill -9) if the child still runs and waits until it is reaped (at most
// 10 s). Safe to call more than once.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// Log is what this child has written so far (with LogPath: from where it started in the file).
func (p *Proc) Log() string {
	if p.mem != nil {
		return p.mem.String()
	}
	b, err := os.ReadFile(p.logPath)
	if err != nil || int64(len(b)) < p.logStart {
		return ""
	}
	return string(b[p.logStart:])
}

// LogTail is the last n lines of Log, each indented, for error messages.
func (p *Proc) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(p.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    | " + strings.Join(lines, "\n    | ") + "\n"
}

// LogLines are the log's lines that contain every one of parts, in order.
func (p *Proc) LogLines(parts ...string) []string {
	var out []string
	for _, line := range strings.Split(p.Log(), "\n") {
		ok := line != ""
		for _, s := range parts {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// ring keeps the last max bytes written to it.
type ring struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (r *ring) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, b...)
	if over := len(r.buf) - r.max; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
	return len(b), nil
}

func (r *ring) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.buf)
}
