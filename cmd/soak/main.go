// Command soak runs the real seerrpilot binary as a child process against in-process fakes of
// MoviePilot (pkg/moviepilot/mptest) and Seerr (pkg/seerr/seerrtest), drives failure
// scenarios, and checks that every webhook seerrpilot acknowledged ends as exactly one
// MoviePilot subscription. It is slow on purpose (minutes, not seconds) and is not part of CI.
//
//	go run ./cmd/soak [-scenarios kill,mp503,mp429,seerrdown,sigterm] [-rounds 20] [-burst 2000]
//	    [-senders 32] [-outage 2m] [-backlog 200] [-timeout 40m] [-bin path] [-seed n] [-keep]
//
// `make soak` runs it with the defaults (about a quarter of an hour). It builds
// ./cmd/seerrpilot into a work directory (or runs -bin), starts it with a clean environment
// on a free loopback port (pkg/benchkit), prints a report per scenario and a summary, and
// exits 1 if any check failed (2 on bad flags). The work directory (databases, service logs)
// is removed on success and kept on failure.
//
// Scenarios, and what each proves:
//
//   - kill: -rounds rounds of a -burst webhook burst from -senders concurrent senders; the
//     process is SIGKILLed after a random 10–90% of the burst was acknowledged, restarted on
//     the same data and drained. One DATA_DIR and one fake MoviePilot serve all rounds, and
//     every webhook has its own request and TMDB id. Proves a 202 is durable: every acked
//     webhook ends as exactly one subscription, none twice, nothing stuck running.
//   - mp503: MoviePilot answers 503 for -outage, then recovers. Proves the worker probes an
//     unreachable MoviePilot instead of calling it for every task (the calls made during the
//     outage stay under the bound the probe schedule implies), that no task fails because of
//     it, and that everything is delivered after it.
//   - mp429: MoviePilot answers a few calls 429 with Retry-After: 2. Checks that no MoviePilot
//     call comes before Retry-After has elapsed (server-wide, and for the throttled task), that
//     no attempt is spent on it and that everything is delivered.
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
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
)

// config is the parsed command line.
type config struct {
	rounds, burst, senders, backlog int
	outage                          time.Duration
	seed                            uint64
}

func main() {
	os.Exit(run())
}

func run() int {
	var c config
	list := flag.String("scenarios", "kill,mp503,mp429,seerrdown,sigterm", "comma-separated scenarios to run")
	flag.IntVar(&c.rounds, "rounds", 20, "kill: rounds of burst + SIGKILL + restart + drain")
	flag.IntVar(&c.burst, "burst", 2000, "kill: webhooks per round")
	flag.IntVar(&c.senders, "senders", 32, "concurrent webhook senders")
	flag.DurationVar(&c.outage, "outage", 2*time.Minute, "mp503: how long MoviePilot answers 503")
	flag.IntVar(&c.backlog, "backlog", 200, "mp503, mp429, seerrdown, sigterm: webhooks in the backlog")
	timeout := flag.Duration("timeout", 40*time.Minute, "bound on the whole run, build included")
	bin := flag.String("bin", "", "seerrpilot binary to run (default: build ./cmd/seerrpilot)")
	flag.Uint64Var(&c.seed, "seed", uint64(time.Now().UnixNano()), "random seed for kill moments")
	keep := flag.Bool("keep", false, "keep the work directory (databases, logs) even on success")
	flag.Parse()

	var h *harness
	all := []benchkit.Scenario{
		{Name: "kill", Run: func(ctx context.Context, r *benchkit.Report) { runKill(ctx, h, r) }},
		{Name: "mp503", Run: func(ctx context.Context, r *benchkit.Report) { runMP503(ctx, h, r) }},
		{Name: "mp429", Run: func(ctx context.Context, r *benchkit.Report) { runMP429(ctx, h, r) }},
		{Name: "seerrdown", Run: func(ctx context.Context, r *benchkit.Report) { runSeerrDown(ctx, h, r) }},
		{Name: "sigterm", Run: func(ctx context.Context, r *benchkit.Report) { runSigterm(ctx, h, r) }},
	}
	scenarios, err := benchkit.Select(*list, all)
	switch {
	case err != nil:
	case flag.NArg() > 0:
		err = fmt.Errorf("unexpected arguments %q", flag.Args())
	case c.rounds < 1, c.burst < 10, c.senders < 1, c.backlog < 10:
		err = errors.New("-rounds ≥ 1, -burst ≥ 10, -senders ≥ 1 and -backlog ≥ 10 are required")
	case c.outage < time.Second, *timeout <= 0:
		err = errors.New("-outage must be at least 1s and -timeout positive")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	kit, err := benchkit.NewHarness(ctx, "", *bin, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	h = &harness{Harness: kit, cfg: c}
	fmt.Printf("work directory %s; seed %d\n", kit.Dir, c.seed)
	ok := benchkit.Result(benchkit.Run(ctx, os.Stdout, scenarios)) == "PASS"
	kit.Close(ok && !*keep)
	if !ok {
		return 1
	}
	return 0
}

// harness is the work directory and the run's settings.
type harness struct {
	*benchkit.Harness
	cfg config
}

// newRand is the run's random source for one scenario, reproducible from -seed.
func newRand(seed uint64, name string) *rand.Rand {
	var salt uint64
	for _, c := range name {
		salt = salt*31 + uint64(c)
	}
	return rand.New(rand.NewPCG(seed, salt))
}
