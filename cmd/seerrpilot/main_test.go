package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/proc"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

// binPath is the seerrpilot binary built once for the process-level tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "seerrpilot-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "seerrpilot")
	if err := proc.Build(context.Background(), binPath, false, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = proc.Env(env) // only PATH/HOME plus what the test sets
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := proc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestUsageAndVersion(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{nil, 2, "no command given"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--port=1"}, 2, "flag provided but not defined"},
		{[]string{"serve", "extra"}, 2, "takes no arguments"},
		{[]string{"sync"}, 2, "sync needs a subcommand"},
		{[]string{"sync", "weekly"}, 2, "unknown sync subcommand"},
		{[]string{"version", "x"}, 2, "takes no arguments"},
		{[]string{"healthcheck", "--bogus"}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		r := runBin(t, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.contains) || !strings.Contains(r.stderr, "Usage: seerrpilot") {
			t.Errorf("%v: code %d stderr %q", c.args, r.code, r.stderr)
		}
	}
	if r := runBin(t, nil, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "seerrpilot ") {
		t.Errorf("version: %+v", r)
	}
	if r := runBin(t, nil, "help"); r.code != 0 || !strings.Contains(r.stdout, "Usage: seerrpilot") {
		t.Errorf("help: %+v", r)
	}
}

// TestHelpExitsZeroForEveryVerb: asking for help is not a mistake. Every verb answers -h,
// -help and --help with its own usage on stdout and exit 0, and runs nothing (serve --help
// must not start a service, even with no configuration at all).
func TestHelpExitsZeroForEveryVerb(t *testing.T) {
	verbs := [][]string{{"serve"}, {"sync"}, {"sync", "once"}, {"sync", "daemon"}, {"healthcheck"}, {"doctor"}, {"version"}}
	for _, verb := range verbs {
		for _, flag := range []string{"--help", "-h", "-help"} {
			args := append(append([]string{}, verb...), flag)
			r := runBin(t, map[string]string{"DATA_DIR": t.TempDir()}, args...)
			want := "Usage: seerrpilot " + strings.Join(verb, " ")
			if r.code != 0 || !strings.Contains(r.stdout, want) || r.stderr != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 0 and %q on stdout", args, r.code, r.stdout, r.stderr, want)
			}
		}
	}
}

func TestBadConfigExits2NamingEachVariable(t *testing.T) {
	r := runBin(t, map[string]string{
		"MP_URL": "not a url", "JELLY_PAGE_SIZE": "9000", "MP_AUTH_SCHEME": "guess", "LOG_FORMAT": "yaml",
		"DATA_DIR": t.TempDir(),
	}, "serve")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2; stderr %s", r.code, r.stderr)
	}
	for _, name := range []string{"MP_URL", "JELLY_PAGE_SIZE", "MP_AUTH_SCHEME", "LOG_FORMAT"} {
		if !strings.Contains(r.stderr, name) {
			t.Errorf("stderr does not name %s:\n%s", name, r.stderr)
		}
	}
}

// service is a running seerrpilot process (pkg/proc); addr is its LISTEN_ADDR.
type service struct {
	*proc.Proc
	addr string
}

func startService(t *testing.T, env map[string]string) *service {
	t.Helper()
	p, err := proc.Start(proc.Options{Bin: binPath, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	// Starting is not what these tests measure: wait as long as the test's deadline allows.
	if err := p.Wait(context.Background(), env["BASE_PATH"]+"/healthz", testbudget.Budget(t)); err != nil {
		t.Fatal(err)
	}
	return &service{Proc: p, addr: p.Addr}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHealthLockAndSIGTERM(t *testing.T) {
	dataDir := t.TempDir()
	env := map[string]string{"MP_URL": "http://127.0.0.1:9", "MP_TOKEN": "token-abcdef-123456", "DATA_DIR": dataDir}
	svc := startService(t, env)

	if code, body := get(t, "http://"+svc.addr+"/healthz"); code != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %s", code, body)
	}
	if code, body := get(t, "http://"+svc.addr+"/readyz"); (code != 200 && code != 503) || !strings.Contains(body, `"components"`) {
		t.Fatalf("readyz: %d %s", code, body)
	}
	if code, body := get(t, "http://"+svc.addr+"/no/such/path"); code != 404 || !strings.Contains(body, `"code":1002`) {
		t.Fatalf("unknown path: %d %s", code, body)
	}
	if r := runBin(t, map[string]string{"LISTEN_ADDR": svc.addr}, "healthcheck"); r.code != 0 {
		t.Fatalf("healthcheck: %+v", r)
	}

	// A second instance on the same DATA_DIR fails fast and says why.
	start := time.Now()
	second := runBin(t, mergeEnv(env, map[string]string{"LISTEN_ADDR": freeAddr(t)}), "serve")
	if second.code == 0 || !strings.Contains(second.stderr, "database is locked (another seerrpilot running?)") {
		t.Fatalf("second instance: %+v", second)
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Fatalf("second instance took %v to fail", took)
	}

	// SIGTERM: ordered shutdown, exit 0, within the budget.
	took, err := svc.Stop(12 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if took > 10*time.Second {
		t.Fatalf("shutdown took %v", took)
	}
	if !strings.Contains(svc.Log(), `"stopped"`) {
		t.Fatalf("no stopped line:\n%s", svc.Log())
	}
	if r := runBin(t, map[string]string{"LISTEN_ADDR": svc.addr}, "healthcheck"); r.code != 1 {
		t.Fatalf("healthcheck against a stopped service: %+v", r)
	}
}

func mergeEnv(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// interruptSignal stops a service the way docker stop does.
var interruptSignal = syscall.SIGTERM

func TestBasePath(t *testing.T) {
	env := map[string]string{"MP_DRY_RUN": "true", "DATA_DIR": t.TempDir(), "BASE_PATH": "/seerrpilot"}
	svc := startService(t, env)
	if code, _ := get(t, "http://"+svc.addr+"/seerrpilot/readyz"); code != 200 {
		t.Fatalf("readyz under BASE_PATH: %d", code)
	}
	if code, _ := get(t, "http://"+svc.addr+"/healthz"); code != 404 {
		t.Fatalf("healthz outside BASE_PATH: %d", code)
	}
	if r := runBin(t, map[string]string{"LISTEN_ADDR": svc.addr, "BASE_PATH": "/seerrpilot/"}, "healthcheck"); r.code != 0 {
		t.Fatalf("healthcheck with BASE_PATH: %+v", r)
	}
}
