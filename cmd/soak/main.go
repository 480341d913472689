// Command soak runs the real seerrpilot binary as a child process against in-process fakes of
// MoviePilot (pkg/moviepilot/mptest) and Seerr (pkg/seerr/seerrtest), drives failure
// scenarios, and checks that every webhook seerrpilot acknowledged ends as exactly one
// MoviePilot subscription. It is slow on purpose (minutes, not seconds) and is not part of CI.
//
//	go run ./cmd/soak [-scenarios kill,mp503,mp429,mprestart,seerrdown,sigterm] [-rounds 20]
//	    [-burst 2000] [-senders 32] [-outage 2m] [-backlog 200] [-timeout 40m] [-bin path] [-seed n] [-keep]
//
// `make soak` runs it with the defaults (about a quarter of an hour; -outage 1m saves a minute
// or two). It builds ./cmd/seerrpilot into a temporary directory (or runs -bin), starts it with a clean
// environment (PATH, HOME and the variables a scenario sets) on a free loopback port, prints a
// table per scenario, a summary at the end, and exits 1 if any check failed (2 on bad flags).
// The work directory (databases, service logs) is removed on success and kept on failure.
//
// Scenarios, and what each proves:
//
//   - kill: -rounds rounds of a -burst webhook burst from -senders concurrent senders; the
//     process is SIGKILLed after a random 10–90% of the burst was acknowledged, restarted on
//     the same data and drained. One DATA_DIR and one fake MoviePilot serve all rounds, and
//     every webhook has its own request and TMDB id. Proves a 202 is durable: every acked
//     webhook ends as exactly one subscription, none twice, nothing stuck running.
//   - mp503: MoviePilot answers 503 for -outage, then recovers. Proves the outage is retried
//     with the worker's backoff (the calls made during it stay under the bound its schedule
//     implies), that no task fails because of it, and that everything is delivered after it.
//   - mp429: MoviePilot answers a few calls 429 with Retry-After: 2. Checks that no MoviePilot
//     call comes before Retry-After has elapsed (server-wide, and for the throttled task) and
//     that everything is delivered.
//   - mprestart: MoviePilot with JWT login (MP_AUTH_SCHEME=login) restarts three times while a
//     backlog drains, invalidating every JWT. Proves seerrpilot logs in again, spends no task
//     attempt on it, and delivers everything.
//   - seerrdown: Seerr is down while webhooks arrive and while some approvals' webhooks are
//     never sent. Proves webhooks are still accepted and delivered, /readyz reports the
//     trouble, and a POST /reconcile after Seerr returns delivers the missed ones.
//   - sigterm: SIGTERM while a backlog drains and webhooks keep arriving. Proves an ordered
//     exit (code 0, ≤ 15 s) that loses nothing acknowledged and leaves nothing running.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// config is the parsed command line.
type config struct {
	scenarios []string
	rounds    int
	burst     int
	senders   int
	outage    time.Duration
	backlog   int
	timeout   time.Duration
	bin       string
	seed      uint64
	keep      bool
}

// scenario is one named soak scenario.
type scenario struct {
	name string
	run  func(ctx context.Context, h *harness, r *report)
}

func scenarios() []scenario {
	return []scenario{
		{"kill", runKill},
		{"mp503", runMP503},
		{"mp429", runMP429},
		{"mprestart", runMPRestart},
		{"seerrdown", runSeerrDown},
		{"sigterm", runSigterm},
	}
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	names := make([]string, 0, len(scenarios()))
	for _, s := range scenarios() {
		names = append(names, s.name)
	}
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	list := fs.String("scenarios", strings.Join(names, ","), "comma-separated scenarios to run")
	fs.IntVar(&c.rounds, "rounds", 20, "kill: rounds of burst + SIGKILL + restart + drain")
	fs.IntVar(&c.burst, "burst", 2000, "kill: webhooks per round")
	fs.IntVar(&c.senders, "senders", 32, "concurrent webhook senders")
	fs.DurationVar(&c.outage, "outage", 2*time.Minute, "mp503: how long MoviePilot answers 503")
	fs.IntVar(&c.backlog, "backlog", 200, "mp503, mp429, mprestart, sigterm: webhooks in the backlog")
	fs.DurationVar(&c.timeout, "timeout", 40*time.Minute, "bound on the whole run, build included")
	fs.StringVar(&c.bin, "bin", "", "seerrpilot binary to run (default: build ./cmd/seerrpilot)")
	fs.Uint64Var(&c.seed, "seed", 0, "random seed for kill moments (default: from the clock)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (databases, logs) even on success")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	for _, s := range strings.Split(*list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !known[s] {
			return c, fmt.Errorf("unknown scenario %q (known: %s)", s, strings.Join(names, ", "))
		}
		c.scenarios = append(c.scenarios, s)
	}
	switch {
	case len(c.scenarios) == 0:
		return c, errors.New("-scenarios names none")
	case c.rounds < 1, c.burst < 10, c.senders < 1, c.backlog < 10:
		return c, errors.New("-rounds ≥ 1, -burst ≥ 10, -senders ≥ 1 and -backlog ≥ 10 are required")
	case c.outage < time.Second:
		return c, errors.New("-outage must be at least 1s")
	case c.timeout <= 0:
		return c, errors.New("-timeout must be positive")
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	return c, nil
}

// run builds (or takes) the binary, runs the chosen scenarios in order, prints each report as
// it finishes and a summary at the end. It reports whether every check passed.
func run(ctx context.Context, cfg config, out io.Writer) (bool, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	h, err := newHarness(ctx, cfg, out)
	if err != nil {
		return false, err
	}
	var reports []*report
	for _, s := range scenarios() {
		if !contains(cfg.scenarios, s.name) {
			continue
		}
		r := newReport(s.name)
		fmt.Fprintf(out, "\n== %s ==\n", s.name)
		if ctx.Err() != nil {
			r.fail(fmt.Errorf("not run: %w", context.Cause(ctx)))
		} else {
			s.run(ctx, h, r)
		}
		r.finish()
		r.print(out)
		reports = append(reports, r)
	}
	ok := printSummary(out, reports, time.Since(start), cfg)
	h.close(ok && !cfg.keep)
	return ok, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func printSummary(out io.Writer, reports []*report, took time.Duration, cfg config) bool {
	fmt.Fprintf(out, "\n== summary ==\n")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tresult\ttime\tfailed checks")
	ok := true
	for _, r := range reports {
		failed := r.failedChecks()
		res := "PASS"
		if !r.passed() {
			res, ok = "FAIL", false
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.name, res, r.took.Round(time.Second), strings.Join(failed, "; "))
	}
	_ = tw.Flush()
	verdict := "PASS"
	if !ok {
		verdict = "FAIL"
	}
	fmt.Fprintf(out, "soak: %s in %s (seed %d)\n", verdict, took.Round(time.Second), cfg.seed)
	return ok
}

// newRand is the run's random source for one scenario, reproducible from -seed.
func newRand(seed uint64, name string) *rand.Rand {
	var salt uint64
	for _, c := range name {
		salt = salt*31 + uint64(c)
	}
	return rand.New(rand.NewPCG(seed, salt))
}
