// Command opsbench measures seerrpilot as users run it: the real static binary as a child
// process (`seerrpilot serve`, clean environment), against the in-process fake MoviePilot
// (pkg/moviepilot/mptest, which records every HTTP call with the time it handled it) and, where
// asked, the fake Seerr (pkg/seerr/seerrtest), fed with webhooks exactly as Seerr renders them
// (webhook/webhooktest).
//
//	go run ./cmd/opsbench [-only latency,rate,rss,size,startup] [-json] [-bin path] [-dir parent]
//	    [-latency-n 50] [-latency-gap 400ms] [-latency-seerr=true]
//	    [-backlog 200] [-rate 5]
//	    [-idle 10s] [-load-rate 1000] [-load-duration 20s] [-load-mp-rate 3]
//	    [-tasks 100000] [-starts 5] [-fsync-probes 200]
//	    [-slow-conns 1000] [-slow-body 1048576] [-slow-hold 5s]
//
// Figures and their targets:
//
//  1. latency: approval → subscription on an idle queue. One webhook at a time; the clock runs
//     from sending the webhook to the fake MoviePilot receiving the create call for that movie.
//     The next webhook goes -latency-gap after that create, so the queue is empty and the
//     client's token bucket full again. Default MP_RATE_LIMIT_PER_SEC (3), no Seerr; a second
//     row with Seerr configured (the worker confirms each request with Seerr first). p50 ≤ 1 s.
//  2. rate: a backlog of -backlog movies drained with MP_RATE_LIMIT_PER_SEC=-rate. Every HTTP
//     call that reaches MoviePilot counts (API-version probe, lookups, creates, logins). Over
//     the steady part (first and last second of the drain left out) the mean rate must be
//     ≥ 95% of the limit, and no 1 s window may hold more than limit + 1 calls (the MoviePilot
//     client's limiter is a token bucket with burst 1 that every request passes).
//  3. rss: VmRSS of the child from /proc/<pid>/status after start, a few deliveries and -idle
//     of nothing (≤ 20 MiB), then while webhooks arrive open-loop at -load-rate/s for
//     -load-duration, sampled every 250 ms (max ≤ 60 MiB).
//  4. size: the static stripped binary (CGO_ENABLED=0, -trimpath, -ldflags '-s -w').
//  5. startup: exec of `seerrpilot serve` → first 200 from /readyz (and /healthz), polled every
//     2 ms, on a DATA_DIR pre-filled with -tasks pending tasks through pkg/task; -starts runs
//     (SIGTERM and wait between them), median and max ≤ 200 ms.
//  6. slowbodies: -slow-conns loopback connections each post a webhook announcing -slow-body
//     bytes, send all but the last KiB and stall for -slow-hold; VmRSS sampled every 50 ms
//     (max ≤ 200 MiB) and GET /readyz timed every 100 ms (max ≤ 1 s) meanwhile.
//
// The disk's 4 KiB write+fsync latency in the data directory's filesystem is measured first,
// in the same run. Progress goes to stderr; the table (or -json) to stdout. A MISS is a
// measurement, not an error: the exit code is 1 only when a scenario could not run.
package main

import (
	"github.com/seerrpilot/seerrpilot/pkg/benchkit"

	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// Every scenario, in the order they run.
var allScenarios = []string{"size", "latency", "rate", "rss", "startup", "slowbodies", "intake"}

type config struct {
	bin         string
	dir         string
	jsonOut     bool
	only        []string
	latencyN    int
	latencyGap  time.Duration
	latencySeer bool
	backlog     int
	rate        float64
	idle        time.Duration
	loadRate    int
	loadDur     time.Duration
	loadMPRate  float64
	loadConns   int
	// intake: acks/s with intakeSenders closed-loop senders, p99 at intakeRate open-loop.
	intakeN, intakeSenders, intakeRate int
	intakeDur                          time.Duration
	tasks                              int
	starts                             int
	fsyncProbes                        int
	slowConns                          int
	slowBody                           int
	slowHold                           time.Duration
	timeout                            time.Duration
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "opsbench:", err)
		os.Exit(1)
	}
}

func parseFlags() (config, error) {
	var c config
	var only string
	flag.StringVar(&c.bin, "bin", "", "seerrpilot binary to measure (default: build a static stripped one into the temp dir)")
	flag.StringVar(&c.dir, "dir", "", "parent of the temporary directory (default the system temp dir); put it on the disk you deploy to")
	flag.BoolVar(&c.jsonOut, "json", false, "print the report as JSON on stdout (progress stays on stderr)")
	flag.StringVar(&only, "only", strings.Join(allScenarios, ","), "scenarios to run, comma-separated: "+strings.Join(allScenarios, ","))
	flag.IntVar(&c.latencyN, "latency-n", 50, "approvals measured one at a time on an idle queue")
	flag.DurationVar(&c.latencyGap, "latency-gap", 400*time.Millisecond, "pause after each subscription before the next approval (> 1/3 s lets the token bucket refill)")
	flag.BoolVar(&c.latencySeer, "latency-seerr", true, "also measure the latency with Seerr configured (the worker confirms with Seerr first)")
	flag.IntVar(&c.backlog, "backlog", 200, "movies enqueued at once for the call-rate figure")
	flag.Float64Var(&c.rate, "rate", 5, "MP_RATE_LIMIT_PER_SEC for the call-rate figure")
	flag.DurationVar(&c.idle, "idle", 10*time.Second, "quiet time before the idle RSS reading")
	flag.IntVar(&c.loadRate, "load-rate", 1000, "webhooks per second, open-loop, for the RSS-under-load figure")
	flag.DurationVar(&c.loadDur, "load-duration", 20*time.Second, "length of the RSS load")
	flag.Float64Var(&c.loadMPRate, "load-mp-rate", 3, "MP_RATE_LIMIT_PER_SEC during the RSS figure (the service default)")
	flag.IntVar(&c.loadConns, "load-conns", 256, "most webhooks in flight during the RSS load")
	flag.IntVar(&c.intakeN, "intake-n", 20000, "approvals sent closed-loop for the intake acks/s figure")
	flag.IntVar(&c.intakeSenders, "intake-senders", 64, "concurrent senders for the intake acks/s figure")
	flag.IntVar(&c.intakeRate, "intake-rate", 1000, "webhooks per second, open-loop, for the intake p99 figure")
	flag.DurationVar(&c.intakeDur, "intake-duration", 5*time.Second, "length of the intake open-loop run")
	flag.IntVar(&c.tasks, "tasks", 100000, "pending tasks in DATA_DIR for the startup figure")
	flag.IntVar(&c.starts, "starts", 5, "starts measured for the startup figure")
	flag.IntVar(&c.fsyncProbes, "fsync-probes", 200, "rounds of 4 KiB write + fsync in the disk probe")
	flag.IntVar(&c.slowConns, "slow-conns", 1000, "connections holding an unfinished webhook body in the slow-bodies figure")
	flag.IntVar(&c.slowBody, "slow-body", 1<<20, "announced body size of each slow connection (all but the last KiB is sent)")
	flag.DurationVar(&c.slowHold, "slow-hold", 5*time.Second, "how long the slow connections are held while /readyz and VmRSS are sampled")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Minute, "hard bound on the whole program")
	flag.Parse()
	if flag.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	for _, s := range strings.Split(only, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(allScenarios, s) {
			return c, fmt.Errorf("-only: unknown scenario %q (want %s)", s, strings.Join(allScenarios, ","))
		}
		c.only = append(c.only, s)
	}
	checks := []struct {
		bad bool
		msg string
	}{
		{len(c.only) == 0, "-only: no scenario"},
		{c.latencyN < 1 || c.latencyN > 10000, fmt.Sprintf("-latency-n %d: want 1..10000", c.latencyN)},
		{c.latencyGap < 0 || c.latencyGap > time.Minute, fmt.Sprintf("-latency-gap %s: want 0..1m", c.latencyGap)},
		{c.backlog < 10 || c.backlog > 100000, fmt.Sprintf("-backlog %d: want 10..100000", c.backlog)},
		{c.rate <= 0 || c.rate > 1000, fmt.Sprintf("-rate %g: want > 0 and ≤ 1000", c.rate)},
		{c.idle < 0 || c.idle > 10*time.Minute, fmt.Sprintf("-idle %s: want 0..10m", c.idle)},
		{c.loadRate < 1 || c.loadRate > 100000, fmt.Sprintf("-load-rate %d: want 1..100000", c.loadRate)},
		{c.loadDur < time.Second || c.loadDur > 10*time.Minute, fmt.Sprintf("-load-duration %s: want 1s..10m", c.loadDur)},
		{c.loadMPRate <= 0 || c.loadMPRate > 1000, fmt.Sprintf("-load-mp-rate %g: want > 0 and ≤ 1000", c.loadMPRate)},
		{c.loadConns < 1 || c.loadConns > 4096, fmt.Sprintf("-load-conns %d: want 1..4096", c.loadConns)},
		{c.tasks < 0 || c.tasks > 10_000_000, fmt.Sprintf("-tasks %d: want 0..10000000", c.tasks)},
		{c.starts < 1 || c.starts > 100, fmt.Sprintf("-starts %d: want 1..100", c.starts)},
		{c.fsyncProbes < 10 || c.fsyncProbes > 100000, fmt.Sprintf("-fsync-probes %d: want 10..100000", c.fsyncProbes)},
		{c.slowConns < 1 || c.slowConns > 5000, fmt.Sprintf("-slow-conns %d: want 1..5000", c.slowConns)},
		{c.slowBody < 4096 || c.slowBody > 16<<20, fmt.Sprintf("-slow-body %d: want 4096..16777216", c.slowBody)},
		{c.slowHold < time.Second || c.slowHold > time.Minute, fmt.Sprintf("-slow-hold %s: want 1s..1m", c.slowHold)},
		{c.timeout <= 0 || c.timeout > 24*time.Hour, fmt.Sprintf("-timeout %s: want up to 24h", c.timeout)},
	}
	for _, ch := range checks {
		if ch.bad {
			return c, errors.New(ch.msg)
		}
	}
	return c, nil
}

func (c config) wants(scenario string) bool { return slices.Contains(c.only, scenario) }

// report is everything one run measured.
type report struct {
	Date       string           `json:"date"`
	GoVersion  string           `json:"goVersion"`
	OS         string           `json:"os"`
	NumCPU     int              `json:"numCPU"`
	GOMAXPROCS int              `json:"gomaxprocs"`
	Binary     string           `json:"binary"`
	DataDir    string           `json:"dataDir"`
	Fsync      benchkit.Summary `json:"fsync4KiB"`
	Figures    []figure         `json:"figures"`
	Notes      []string         `json:"notes,omitempty"`
	Errors     []string         `json:"errors,omitempty"`
}

// figure is one measured value and, when the issue sets one, its target.
type figure struct {
	Scenario string  `json:"scenario"`
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Target   string  `json:"target,omitempty"`
	OK       *bool   `json:"ok,omitempty"` // nil: no target
	Note     string  `json:"note,omitempty"`
}

func fig(scenario, name string, value float64, unit string) figure {
	return figure{Scenario: scenario, Name: name, Value: math.Round(value*1000) / 1000, Unit: unit}
}

func (f figure) atMost(limit float64) figure {
	ok := f.Value <= limit
	f.Target, f.OK = "≤ "+withUnit(limit, f.Unit), &ok
	return f
}

func (f figure) atLeast(limit float64) figure {
	ok := f.Value >= limit
	f.Target, f.OK = "≥ "+withUnit(limit, f.Unit), &ok
	return f
}

func (f figure) note(format string, a ...any) figure {
	f.Note = fmt.Sprintf(format, a...)
	return f
}

func (f figure) verdict() string {
	switch {
	case f.OK == nil:
		return "—"
	case *f.OK:
		return "ok"
	}
	return "MISS"
}

func withUnit(v float64, unit string) string {
	if unit == "" {
		return num(v)
	}
	return num(v) + " " + unit
}

// num prints a value with as many decimals as it needs, at most two.
func num(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// bench is the state shared by the scenarios of one run.
type bench struct {
	cfg  config
	dir  string // temporary directory, removed at the end
	bin  string
	rep  *report
	logf func(format string, a ...any)
}

func (b *bench) add(f ...figure) { b.rep.Figures = append(b.rep.Figures, f...) }
func (b *bench) notef(format string, a ...any) {
	b.rep.Notes = append(b.rep.Notes, fmt.Sprintf(format, a...))
}

// noteLog records the warnings and errors the service logged during a scenario.
func (b *bench) noteLog(scenario string, svc *service) {
	if p := problems(svc.Log()); p != "" {
		b.notef("%s: seerrpilot logged %s", scenario, p)
	}
}

func (b *bench) scenarioDir(name string) (string, error) { return os.MkdirTemp(b.dir, name+"-") }

func run() error {
	cfg, err := parseFlags()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp(cfg.dir, "opsbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{cfg: cfg, dir: dir, logf: func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }}
	b.rep = &report{
		Date: time.Now().Format(time.RFC3339), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), DataDir: dir,
	}
	b.logf("opsbench %s  %s  %s  NumCPU=%d  temp dir %s", b.rep.Date, b.rep.GoVersion, b.rep.OS, b.rep.NumCPU, dir)

	lat, err := benchkit.FsyncProbe(dir, cfg.fsyncProbes)
	if err != nil {
		return fmt.Errorf("fsync probe: %w", err)
	}
	b.rep.Fsync = benchkit.Summarize(lat)
	b.logf("disk: 4 KiB write+fsync p50 %.2fms p99 %.2fms (n=%d)", b.rep.Fsync.P50Ms, b.rep.Fsync.P99Ms, b.rep.Fsync.N)

	if b.bin, err = b.binary(ctx); err != nil {
		return err
	}
	b.rep.Binary = b.bin

	scenarios := map[string]func(context.Context) error{
		"size": b.size, "latency": b.latency, "rate": b.callRate, "rss": b.rss, "startup": b.startup, "slowbodies": b.slowBodies,
		"intake": b.intake,
	}
	for _, name := range allScenarios {
		if !cfg.wants(name) || ctx.Err() != nil {
			continue
		}
		b.logf("== %s", name)
		if err := scenarios[name](ctx); err != nil {
			b.logf("%s: %v", name, err)
			b.rep.Errors = append(b.rep.Errors, name+": "+err.Error())
		}
	}
	if err := b.print(os.Stdout); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("stopped early: %w", context.Cause(ctx))
	}
	if len(b.rep.Errors) > 0 {
		return fmt.Errorf("%d scenario(s) failed", len(b.rep.Errors))
	}
	return nil
}

// size reports the binary's size.
func (b *bench) size(context.Context) error {
	st, err := os.Stat(b.bin)
	if err != nil {
		return err
	}
	f := fig("size", "binary size", float64(st.Size())/(1<<20), "MiB")
	if b.cfg.bin == "" {
		f = f.note("static (CGO_ENABLED=0), -trimpath, -ldflags '-s -w'")
	} else {
		f = f.note("-bin %s as given", filepath.Base(b.bin))
	}
	b.add(f)
	return nil
}

func (b *bench) print(out io.Writer) error {
	if b.cfg.jsonOut {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(b.rep)
	}
	r := b.rep
	fmt.Fprintf(out, "\nopsbench  %s  %s  %s  NumCPU=%d GOMAXPROCS=%d\n", r.Date, r.GoVersion, r.OS, r.NumCPU, r.GOMAXPROCS)
	fmt.Fprintf(out, "binary %s\ndata dir %s\n", r.Binary, r.DataDir)
	fmt.Fprintf(out, "disk: 4 KiB write+fsync p50 %.2fms p99 %.2fms max %.2fms (n=%d)\n\n", r.Fsync.P50Ms, r.Fsync.P99Ms, r.Fsync.MaxMs, r.Fsync.N)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tfigure\tvalue\ttarget\tverdict\tnote")
	for _, f := range r.Figures {
		target := f.Target
		if target == "" {
			target = "—"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Scenario, f.Name, withUnit(f.Value, f.Unit), target, f.verdict(), f.Note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(out)
		for _, n := range r.Notes {
			fmt.Fprintln(out, "- "+n)
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintln(out, "ERROR "+e)
	}
	return nil
}
