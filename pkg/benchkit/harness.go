package benchkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// Secrets every service runs with, as production should: the webhook pays for the secret
// check and the log for the redacting writer. Distinctive, so a leak would be easy to spot.
const (
	WebhookSecret = "bench-webhook-secret-3f9d21"
	AdminToken    = "bench-admin-token-7b42e8"
	MPToken       = "bench-mp-token-c51a07"
)

// Harness is a work directory holding the binary under test and one directory per scenario.
type Harness struct {
	Bin string // the seerrpilot binary
	Dir string // the work directory
}

// NewHarness makes a work directory under parent ("" for the system's) and builds
// ./cmd/seerrpilot into it (static: as released), unless bin names a binary to use.
func NewHarness(ctx context.Context, parent, bin string, static bool) (*Harness, error) {
	dir, err := os.MkdirTemp(parent, "seerrpilot-bench-")
	if err != nil {
		return nil, err
	}
	h := &Harness{Bin: bin, Dir: dir}
	if bin != "" {
		if h.Bin, err = filepath.Abs(bin); err == nil {
			_, err = os.Stat(h.Bin)
		}
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("-bin: %w", err)
		}
		return h, nil
	}
	h.Bin = filepath.Join(dir, "seerrpilot")
	Logf("building ./cmd/seerrpilot → %s (static %t)", h.Bin, static)
	bctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := proc.Build(bctx, h.Bin, static, os.Stderr); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return h, nil
}

// Close removes the work directory, or says where it was kept.
func (h *Harness) Close(remove bool) {
	if remove {
		_ = os.RemoveAll(h.Dir)
		return
	}
	Logf("work directory kept: %s (service logs: <scenario>/service.log)", h.Dir)
}

// Logf prints a progress line to stderr.
func Logf(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }

// Service is one running `seerrpilot serve` and what restarting it takes.
type Service struct {
	*proc.Proc
	Ready time.Duration // exec → first 200 from /readyz (polled every 2 ms)
	h     *Harness
	dir   string
	env   map[string]string
}

// Start runs the binary in the scenario's directory (DATA_DIR name/data, output appended
// to name/service.log) with a clean environment: the secrets, warn-level JSON logs and env
// on top. It waits until /readyz answers 200.
func (h *Harness) Start(ctx context.Context, name string, env map[string]string) (*Service, error) {
	dir := filepath.Join(h.Dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	full := map[string]string{
		"DATA_DIR": filepath.Join(dir, "data"), "LOG_LEVEL": "warn", "LOG_FORMAT": "json",
		"WEBHOOK_SECRET": WebhookSecret, "ADMIN_TOKEN": AdminToken,
	}
	for k, v := range env {
		full[k] = v
	}
	p, err := proc.Start(proc.Options{Bin: h.Bin, Env: full, LogPath: filepath.Join(dir, "service.log")})
	if err != nil {
		return nil, err
	}
	if err := p.Wait(ctx, "/readyz", 30*time.Second); err != nil {
		p.Kill()
		return nil, err
	}
	return &Service{Proc: p, Ready: time.Since(p.Started), h: h, dir: dir, env: env}, nil
}

// DataDir is the service's DATA_DIR.
func (s *Service) DataDir() string { return filepath.Join(s.dir, "data") }

// Restart starts a new process on the same directory and environment.
func (s *Service) Restart(ctx context.Context) (*Service, error) {
	return s.h.Start(ctx, filepath.Base(s.dir), s.env)
}

// Webhooks is a sender to the service's Seerr webhook with conns connections.
func (s *Service) Webhooks(conns int) *proc.Sender {
	return proc.NewSender(s.URL("/webhook/jellyseerr"), WebhookSecret, conns)
}

// Terminate sends SIGTERM and waits up to budget for the exit (past it, the process is
// killed): the exit code (-1 when a signal ended it) and how long the exit took. An exit on
// its own with a non-zero code is no error: the code says so.
func (s *Service) Terminate(budget time.Duration) (code int, took time.Duration, err error) {
	took, err = s.Stop(budget)
	if code = -1; s.Exited() {
		code = s.ExitCode()
	}
	if code > 0 {
		err = nil
	}
	return code, took, err
}

// StopClean ends a scenario's service with SIGTERM and checks it exited 0 within 15 s.
func (s *Service) StopClean(r *Report) {
	code, took, err := s.Terminate(15 * time.Second)
	r.Check(err == nil && code == 0, "clean stop at the end (SIGTERM → exit %d in %s)", code, took.Round(10*time.Millisecond))
}

// Call makes one operator call with the admin token, bounded by timeout, and decodes the
// answer envelope's data into data (nil: not decoded), whatever the status. A status other
// than 200 is an error.
func (s *Service) Call(ctx context.Context, method, path string, timeout time.Duration, data any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	code, b, err := s.Do(ctx, method, path, "Bearer "+AdminToken, nil)
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("HTTP %d: %s", code, trunc.Mark(string(b), 200))
	}
	if data != nil && len(b) > 0 {
		if derr := json.Unmarshal(b, &struct {
			Data any `json:"data"`
		}{data}); err == nil {
			err = derr
		}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// Stats is the part of GET /api/v1/stats the programs read.
type Stats struct {
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"byStatus"`
}

// Stats reads GET /api/v1/stats.
func (s *Service) Stats(ctx context.Context) (st Stats, err error) {
	return st, s.Call(ctx, http.MethodGet, "/api/v1/stats", 10*time.Second, &st)
}

// Settled reports whether no task is pending or running.
func (st Stats) Settled() bool { return st.ByStatus["pending"] == 0 && st.ByStatus["running"] == 0 }

func (st Stats) String() string {
	return fmt.Sprintf("%d tasks: %d pending, %d running, %d success, %d failed, %d cancelled", st.Total,
		st.ByStatus["pending"], st.ByStatus["running"], st.ByStatus["success"], st.ByStatus["failed"], st.ByStatus["cancelled"])
}

// NewMP is a fake MoviePilot 2.9+ (the API token authorises every call) and the service's
// MoviePilot settings for it; rate 0 leaves MP_RATE_LIMIT_PER_SEC at the default (3).
func NewMP(rate float64) (*mptest.Server, map[string]string) {
	mp := mptest.New(mptest.Options{APIToken: MPToken, AcceptAPIKey: true})
	env := map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": MPToken}
	if rate > 0 {
		env["MP_RATE_LIMIT_PER_SEC"] = strconv.FormatFloat(rate, 'g', -1, 64)
	}
	return mp, env
}

// Scenario is one named measurement or soak, recording into its report.
type Scenario struct {
	Name string
	Run  func(ctx context.Context, r *Report)
}

// Select picks the scenarios a comma-separated list names, in all's order.
func Select(list string, all []Scenario) ([]Scenario, error) {
	var names []string
	for _, s := range all {
		names = append(names, s.Name)
	}
	want := strings.Split(strings.ReplaceAll(list, " ", ""), ",")
	for _, w := range want {
		if w != "" && !slices.Contains(names, w) {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", w, strings.Join(names, ", "))
		}
	}
	var out []Scenario
	for _, s := range all {
		if slices.Contains(want, s.Name) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario named (known: %s)", strings.Join(names, ", "))
	}
	return out, nil
}

// Run runs the scenarios in turn, prints each report as it ends and a summary at the end.
// It returns the reports.
func Run(ctx context.Context, out io.Writer, scenarios []Scenario) []*Report {
	start := time.Now()
	var reports []*Report
	for _, s := range scenarios {
		r := NewReport(s.Name)
		fmt.Fprintf(out, "\n== %s ==\n", s.Name)
		Logf("== %s", s.Name)
		if ctx.Err() != nil {
			r.Fail(fmt.Errorf("not run: %w", context.Cause(ctx)))
		} else {
			s.Run(ctx, r)
		}
		r.finish()
		r.Print(out)
		reports = append(reports, r)
	}
	fmt.Fprintf(out, "\n== summary ==\n")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tresult\ttime\tfailed checks")
	for _, r := range reports {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.result(), r.took.Round(time.Second), strings.Join(r.failedChecks(), "; "))
	}
	_ = tw.Flush()
	fmt.Fprintf(out, "%s in %s\n", Result(reports), time.Since(start).Round(time.Second))
	return reports
}

// Result is PASS when every check of every report passed and nothing failed, else FAIL.
func Result(reports []*Report) string {
	for _, r := range reports {
		if !r.Passed() {
			return "FAIL"
		}
	}
	return "PASS"
}
