// Command opsbench measures seerrpilot as users run it: the real static binary as a child
// process (`seerrpilot serve`, clean environment, pkg/benchkit), against the in-process fake
// MoviePilot (pkg/moviepilot/mptest, which records every HTTP call with the time it handled
// it) and, where asked, the fake Seerr (pkg/seerr/seerrtest), fed with webhooks exactly as
// Seerr renders them (pkg/seerr/seerrhook).
//
//	go run ./cmd/opsbench [-only size,latency,rate,intake,startup,slowbodies] [-bin path] [-dir parent]
//	    [-latency-n 50] [-backlog 200] [-rate 5] [-load-rate 1000] [-load-duration 20s]
//	    [-intake-n 20000] [-intake-senders 64] [-tasks 100000] [-starts 5]
//	    [-slow-conns 1000] [-slow-body 1048576] [-slow-hold 5s]
//
// Scenarios, their figures and targets:
//
//   - size: the static stripped binary (CGO_ENABLED=0, -trimpath, -ldflags '-s -w').
//   - latency: approval → subscription on an idle queue. One webhook at a time; the clock runs
//     from sending the webhook to the fake MoviePilot receiving the create call for that movie.
//     The next webhook goes 400 ms after the task is done (its calls after the create too), so
//     the queue is empty and the client's token bucket full again. Default MP_RATE_LIMIT_PER_SEC (3), no Seerr; a second row with
//     Seerr configured (the worker confirms each request with Seerr first). p50 ≤ 1 s.
//   - rate: a backlog of -backlog movies drained with MP_RATE_LIMIT_PER_SEC=-rate. Every HTTP
//     call that reaches MoviePilot counts (API-version probe, lookups, creates). Over the steady
//     part (first and last second of the drain left out) the mean rate must be ≥ 95% of the
//     limit, and no 1 s window may hold more than limit + 1 calls (token bucket, burst 1).
//   - intake: VmRSS (/proc/<pid>/status) after 10 deliveries and 10 s of nothing (≤ 20 MiB);
//     then webhooks open-loop at -load-rate/s for -load-duration: p99 from each request's due
//     time (≤ 25 ms) and VmRSS sampled every 250 ms (max ≤ 60 MiB); then -intake-n approvals
//     from -intake-senders closed-loop senders: durable acks/s (≥ 5,000).
//   - startup: exec of `seerrpilot serve` → first 200 from /readyz, polled every 2 ms, -starts
//     times on an empty DATA_DIR and on one holding -tasks pending tasks (sent as webhooks
//     while MoviePilot was down): median and max ≤ 200 ms.
//   - slowbodies: -slow-conns loopback connections each post a webhook announcing -slow-body
//     bytes, send all but the last KiB and stall for -slow-hold; VmRSS sampled every 50 ms
//     (max ≤ 200 MiB) and GET /readyz timed every 100 ms (max ≤ 1 s) meanwhile.
//
// The disk's 4 KiB write+fsync latency in the work directory's filesystem is printed first.
// Progress goes to stderr, the reports to stdout. A missed target is a measurement, not an
// error: the exit code is 1 only when a scenario could not run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
)

type config struct {
	latencyN, backlog, loadRate, intakeN, intakeSenders, tasks, starts, slowConns, slowBody int
	rate                                                                                    float64
	loadDur, slowHold                                                                       time.Duration
	bin                                                                                     string
}

// bench is the work directory with the binary, and the settings.
type bench struct {
	*benchkit.Harness
	cfg config
}

func main() { os.Exit(run()) }

func run() int {
	var c config
	only := flag.String("only", "size,latency,rate,intake,startup,slowbodies", "scenarios to run, comma-separated")
	flag.StringVar(&c.bin, "bin", "", "seerrpilot binary to measure (default: build a static stripped one into the work directory)")
	dir := flag.String("dir", "", "parent of the work directory (default the system temp dir); put it on the disk you deploy to")
	timeout := flag.Duration("timeout", 30*time.Minute, "bound on the whole program")
	flag.IntVar(&c.latencyN, "latency-n", 50, "approvals measured one at a time on an idle queue")
	flag.IntVar(&c.backlog, "backlog", 200, "movies enqueued at once for the call-rate figure")
	flag.Float64Var(&c.rate, "rate", 5, "MP_RATE_LIMIT_PER_SEC for the call-rate figure")
	flag.IntVar(&c.loadRate, "load-rate", 1000, "webhooks per second, open-loop, for the intake p99 and RSS figures")
	flag.DurationVar(&c.loadDur, "load-duration", 20*time.Second, "length of the open-loop load")
	flag.IntVar(&c.intakeN, "intake-n", 20000, "approvals sent closed-loop for the intake acks/s figure")
	flag.IntVar(&c.intakeSenders, "intake-senders", 64, "concurrent senders for the intake acks/s figure")
	flag.IntVar(&c.tasks, "tasks", 100000, "pending tasks in DATA_DIR for the startup figure")
	flag.IntVar(&c.starts, "starts", 5, "starts measured for the startup figure")
	flag.IntVar(&c.slowConns, "slow-conns", 1000, "connections holding an unfinished webhook body in the slow-bodies figure")
	flag.IntVar(&c.slowBody, "slow-body", 1<<20, "announced body size of each slow connection (all but the last KiB is sent)")
	flag.DurationVar(&c.slowHold, "slow-hold", 5*time.Second, "how long the slow connections are held while /readyz and VmRSS are sampled")
	flag.Parse()

	var b *bench
	all := []benchkit.Scenario{
		{Name: "size", Run: func(_ context.Context, r *benchkit.Report) { b.size(r) }},
		{Name: "latency", Run: func(ctx context.Context, r *benchkit.Report) { b.latency(ctx, r) }},
		{Name: "rate", Run: func(ctx context.Context, r *benchkit.Report) { b.callRate(ctx, r) }},
		{Name: "intake", Run: func(ctx context.Context, r *benchkit.Report) { b.intake(ctx, r) }},
		{Name: "startup", Run: func(ctx context.Context, r *benchkit.Report) { b.startup(ctx, r) }},
		{Name: "slowbodies", Run: func(ctx context.Context, r *benchkit.Report) { b.slowBodies(ctx, r) }},
	}
	scenarios, err := benchkit.Select(*only, all)
	switch {
	case err != nil:
	case flag.NArg() > 0:
		err = fmt.Errorf("unexpected arguments %q", flag.Args())
	case min(c.latencyN, c.loadRate, c.intakeN, c.intakeSenders, c.starts, c.slowConns) < 1 || c.tasks < 0 || c.rate <= 0:
		err = errors.New("counts and rates must be positive")
	case c.backlog < 10, c.slowBody < 4096, c.loadDur < time.Second, c.slowHold < time.Second, *timeout <= 0:
		err = errors.New("want -backlog ≥ 10, -slow-body ≥ 4096, -load-duration and -slow-hold ≥ 1s, -timeout > 0")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "opsbench:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	kit, err := benchkit.NewHarness(ctx, *dir, c.bin, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "opsbench:", err)
		return 1
	}
	defer kit.Close(true)
	b = &bench{Harness: kit, cfg: c}
	lat, err := benchkit.FsyncProbe(kit.Dir, 200)
	if err != nil {
		fmt.Fprintln(os.Stderr, "opsbench: fsync probe:", err)
		return 1
	}
	fs := benchkit.Summarize(lat)
	fmt.Printf("opsbench %s  %s %s/%s  NumCPU=%d GOMAXPROCS=%d\nbinary %s\nwork dir %s\n", time.Now().Format(time.RFC3339),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), kit.Bin, kit.Dir)
	fmt.Printf("disk: 4 KiB write+fsync p50 %.2fms p99 %.2fms max %.2fms (n=%d)\n", fs.P50Ms, fs.P99Ms, fs.MaxMs, fs.N)

	for _, r := range benchkit.Run(ctx, os.Stdout, scenarios) {
		if r.Failed() {
			return 1
		}
	}
	return 0
}

// size reports the binary's size.
func (b *bench) size(r *benchkit.Report) {
	st, err := os.Stat(b.Bin)
	if err != nil {
		r.Fail(err)
		return
	}
	how := "static (CGO_ENABLED=0), -trimpath, -ldflags '-s -w'"
	if b.cfg.bin != "" {
		how = "-bin " + filepath.Base(b.Bin) + " as given"
	}
	r.Fact("binary size", "%.2f MiB (%s)", mib(st.Size()), how)
}

// approval is Seerr's MEDIA_APPROVED webhook for request id (TMDB id tmdbBase+id), as Seerr
// renders its default template.
func approval(id int) ([]byte, error) {
	return seerrhook.Render(seerrhook.MovieApproved(id, tmdbBase+id, "Opsbench Movie", 2024))
}

const tmdbBase = 1_000_000

// approvals is the body function of a proc.Sender for request ids first, first+1, ….
func approvals(first int) func(i int) ([]byte, error) {
	return func(i int) ([]byte, error) { return approval(first + i) }
}
