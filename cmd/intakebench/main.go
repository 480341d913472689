// Command intakebench measures the webhook intake under load: durable acks/s and latency of
// the real handler (production router + webhook.Handler + bbolt task store, fsync'd group
// commit) next to a reference receiver that does the least a durable receiver can do (parse,
// append to a group-committed fsync'd file, 202). Both run in this process on 127.0.0.1, in
// the same run, against the same load generator, which shares the machine's cores with them.
//
//	go run ./cmd/intakebench [-duration 10s] [-senders 64] [-rates 100,1000,3000] [-batch-delay 0,1ms,2ms,5ms] [-json]
//
// Scenarios: a saturation run (senders closed-loop workers with keep-alive connections), then
// one open-loop run per fixed rate (latency from the scheduled send time). Each scenario runs
// against every receiver back to back, so neighbours' noise hits all of them alike. Afterwards
// the stores are reopened and every 202 is checked to be on disk.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/webhook"
)

// benchSecret is the WEBHOOK_SECRET of the real intake: production should run with one, so
// the benchmark pays for the constant-time check and the redacting log writer.
const benchSecret = "intakebench-webhook-secret-0123456789"

type config struct {
	duration   time.Duration
	senders    int
	rateWork   int
	rates      []int
	delays     []time.Duration
	journals   []bool // intake journal on (true) / off, one real receiver per value and delay
	dir        string
	jsonOut    bool
	noSecret   bool
	warmup     time.Duration
	fsyncCount int
	timeout    time.Duration
	cpuProfile string
	repeat     int
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "intakebench:", err)
		os.Exit(1)
	}
}

func parseFlags() (config, error) {
	var c config
	var rates, delays, journals string
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "length of each run (saturation and each fixed rate), 1s..10m")
	flag.IntVar(&c.senders, "senders", 64, "concurrent closed-loop senders in the saturation run")
	flag.IntVar(&c.rateWork, "rate-workers", 0, "max requests in flight in the fixed-rate runs (default 4×senders)")
	flag.StringVar(&rates, "rates", "100,1000,3000", "fixed offered rates per second, comma-separated")
	flag.StringVar(&delays, "batch-delay", "0", "task store MaxBatchDelay values to compare, comma-separated; 0 = store default, off = never hold a group open")
	flag.StringVar(&c.dir, "dir", "", "parent of the temporary data directory (default the system temp dir); put it on the disk you deploy to")
	flag.StringVar(&journals, "journal", "off", "kept for old scripts: the intake journal is gone, so on and off measure the same store")
	flag.BoolVar(&c.jsonOut, "json", false, "print the report as JSON on stdout (progress stays on stderr)")
	flag.BoolVar(&c.noSecret, "no-secret", false, "run the real intake without WEBHOOK_SECRET")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "unreported saturation warm-up per receiver")
	flag.IntVar(&c.fsyncCount, "fsync-probes", 200, "rounds of 4 KiB write + fsync in the disk probe")
	flag.DurationVar(&c.timeout, "timeout", 45*time.Minute, "hard bound on the whole program")
	flag.IntVar(&c.repeat, "repeat", 1, "rounds of the whole scenario list (interleaved); the summary takes per-metric medians")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the load phase (all receivers and the generator) to this file")
	flag.Parse()
	if flag.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if c.duration < time.Second || c.duration > 10*time.Minute {
		return c, fmt.Errorf("-duration %s: want 1s..10m", c.duration)
	}
	if c.senders < 1 || c.senders > 4096 {
		return c, fmt.Errorf("-senders %d: want 1..4096", c.senders)
	}
	if c.repeat < 1 || c.repeat > 9 {
		return c, fmt.Errorf("-repeat %d: want 1..9", c.repeat)
	}
	if c.rateWork <= 0 {
		c.rateWork = 4 * c.senders
	}
	c.rateWork = min(c.rateWork, 4096)
	if c.warmup < 0 || c.warmup > time.Minute {
		return c, fmt.Errorf("-warmup %s: want 0..1m", c.warmup)
	}
	if c.fsyncCount < 10 || c.fsyncCount > 100000 {
		return c, fmt.Errorf("-fsync-probes %d: want 10..100000", c.fsyncCount)
	}
	if c.timeout <= 0 || c.timeout > 24*time.Hour {
		return c, fmt.Errorf("-timeout %s: want up to 24h", c.timeout)
	}
	for _, f := range strings.Split(rates, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		r, err := strconv.Atoi(f)
		if err != nil || r < 1 || r > 200000 {
			return c, fmt.Errorf("-rates: %q is not a rate in 1..200000", f)
		}
		c.rates = append(c.rates, r)
	}
	for _, f := range strings.Split(delays, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		var d time.Duration
		if f == "off" {
			d = -1
		} else if f != "0" {
			var err error
			if d, err = time.ParseDuration(f); err != nil || d < 0 || d > time.Second {
				return c, fmt.Errorf("-batch-delay: %q is not a duration in 0..1s", f)
			}
		}
		if !slices.Contains(c.delays, d) {
			c.delays = append(c.delays, d)
		}
	}
	if len(c.delays) == 0 {
		c.delays = []time.Duration{0}
	}
	if len(c.delays) > 8 {
		return c, errors.New("-batch-delay: at most 8 values")
	}
	for _, f := range strings.Split(journals, ",") {
		var on bool
		switch strings.TrimSpace(f) {
		case "on":
			on = true
		case "off":
		case "":
			continue
		default:
			return c, fmt.Errorf("-journal: %q is not on or off", f)
		}
		if !slices.Contains(c.journals, on) {
			c.journals = append(c.journals, on)
		}
	}
	if len(c.journals) == 0 {
		return c, errors.New("-journal: want on, off or both")
	}
	return c, nil
}

// realName names a real receiver by its store settings; "real(default)" is what serve runs.
func realName(d time.Duration, journal bool) string {
	var parts []string
	switch {
	case d < 0:
		parts = append(parts, "no wait")
	case d > 0:
		parts = append(parts, d.String())
	}
	if !journal {
		parts = append(parts, "no journal")
	}
	if len(parts) == 0 {
		return "real(default)"
	}
	return "real(" + strings.Join(parts, ", ") + ")"
}

// realIntake is one production-wired intake over its own store.
type realIntake struct {
	path  string
	store *task.Store
	srv   *http.Server
	rc    *receiver
}

type report struct {
	Date        string           `json:"date"`
	GoVersion   string           `json:"goVersion"`
	NumCPU      int              `json:"numCPU"`
	GOMAXPROCS  int              `json:"gomaxprocs"`
	OS          string           `json:"os"`
	DataDir     string           `json:"dataDir"`
	Secret      bool             `json:"webhookSecret"`
	DurationS   float64          `json:"durationSec"`
	Senders     int              `json:"senders"`
	RateWorkers int              `json:"rateWorkers"`
	BodyBytes   int              `json:"bodyBytes"`
	Fsync       benchkit.Summary `json:"fsync4KiB"`
	BoltCommit  benchkit.Summary `json:"boltSingleCommit"`
	Rounds      int              `json:"rounds"`
	Runs        []runResult      `json:"runs"`
	Summary     []runResult      `json:"summary"` // per-metric medians over the rounds
	Ratios      []ratio          `json:"saturationRatios"`
	Durability  []durabilityRow  `json:"durability"`
}

type ratio struct {
	Receiver  string  `json:"receiver"`
	AcksPerS  float64 `json:"acksPerSec"`
	RefPerS   float64 `json:"referenceAcksPerSec"`
	Ratio     float64 `json:"ratio"`
	P99At1000 float64 `json:"p99MsAt1000,omitempty"`
	// PerRound is the ratio within each round; with several rounds the verdict uses their
	// median, which the neighbours of a shared VM move far less than either receiver's acks/s.
	PerRound       []float64 `json:"perRound,omitempty"`
	PerRoundMedian float64   `json:"perRoundMedian,omitempty"`
	PerRoundMin    float64   `json:"perRoundMin,omitempty"`
}

type durabilityRow struct {
	Receiver string `json:"receiver"`
	Acks     int    `json:"acks"`
	OnDisk   int    `json:"onDisk"`
	Missing  int    `json:"ackedButMissing"`
	OK       bool   `json:"ok"`
	Note     string `json:"note,omitempty"`
}

func run() error {
	cfg, err := parseFlags()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }

	dir, err := os.MkdirTemp(cfg.dir, "intakebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	rep := report{
		Date: time.Now().Format(time.RFC3339), GoVersion: runtime.Version(), NumCPU: runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), OS: runtime.GOOS + "/" + runtime.GOARCH, DataDir: dir,
		Secret: !cfg.noSecret, Rounds: cfg.repeat, DurationS: cfg.duration.Seconds(), Senders: cfg.senders, RateWorkers: cfg.rateWork,
	}
	logf("intakebench %s  go %s  %s  NumCPU=%d GOMAXPROCS=%d  data dir %s", rep.Date, rep.GoVersion, rep.OS, rep.NumCPU, rep.GOMAXPROCS, dir)

	// 1. The disk.
	fl, err := benchkit.FsyncProbe(dir, cfg.fsyncCount)
	if err != nil {
		return fmt.Errorf("fsync probe: %w", err)
	}
	rep.Fsync = benchkit.Summarize(fl)
	bl, err := probeBoltCommit(dir, min(cfg.fsyncCount, 200))
	if err != nil {
		return err
	}
	rep.BoltCommit = benchkit.Summarize(bl)
	logf("disk: 4 KiB append+fsync p50 %.2fms p99 %.2fms (n=%d); single bbolt commit p50 %.2fms p99 %.2fms",
		rep.Fsync.P50Ms, rep.Fsync.P99Ms, rep.Fsync.N, rep.BoltCommit.P50Ms, rep.BoltCommit.P99Ms)
	if rep.Fsync.P50Ms < 0.05 {
		logf("WARNING: fsync takes %.3fms: tmpfs or a volatile write cache? durable figures from this dir mean little", rep.Fsync.P50Ms)
	}

	// 2. The bodies.
	tpl, err := newBodyTemplate()
	if err != nil {
		return err
	}
	if err := tpl.check(); err != nil {
		return err
	}
	rep.BodyBytes = tpl.size

	// 3. The receivers.
	conns := max(cfg.senders, cfg.rateWork)
	quiet, err := logging.New(io.Discard, "info", "json", nil)
	if err != nil {
		return err
	}
	refPath := filepath.Join(dir, "reference.log")
	gw, err := newGroupWriter(refPath)
	if err != nil {
		return err
	}
	refSrv := server.NewHTTPServer("127.0.0.1:0", &referenceHandler{w: gw, maxBody: webhook.DefaultMaxBody}, quiet)
	refURL, err := serveLoopback(refSrv)
	if err != nil {
		return err
	}
	ref := &receiver{name: "reference", url: refURL + "/webhook/seerr", client: newClient(conns)}

	var reals []*realIntake
	defer func() {
		for _, ri := range reals {
			if ri.store != nil {
				_ = ri.store.Close()
			}
		}
	}()
	secret := benchSecret
	if cfg.noSecret {
		secret = ""
	}
	for _, d := range cfg.delays {
		for _, j := range cfg.journals {
			opts := task.Options{BatchDelay: d} // the journal is gone: "on" and "off" are the same store
			ri, err := startReal(filepath.Join(dir, "real-"+strconv.Itoa(len(reals)), task.FileName), realName(d, j), opts, secret, conns)
			if err != nil {
				return err
			}
			reals = append(reals, ri)
		}
	}
	receivers := []*receiver{ref}
	for _, ri := range reals {
		receivers = append(receivers, ri.rc)
	}

	est := time.Duration(len(receivers)) * (cfg.warmup + time.Duration(cfg.repeat*(1+len(cfg.rates)))*(cfg.duration+300*time.Millisecond))
	logf("body %d bytes (Seerr default template via webhooktest); %d receivers; about %s of load", tpl.size, len(receivers), est.Round(time.Second))

	// 4. The load. Each scenario visits every receiver in turn.
	if cfg.cpuProfile != "" {
		pf, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			_ = pf.Close()
			return err
		}
		defer func() { pprof.StopCPUProfile(); _ = pf.Close() }()
	}
	var ids atomic.Int64
	pause := func() { time.Sleep(300 * time.Millisecond) } // let the previous run's connections and GC settle
	if cfg.warmup > 0 {
		for _, rc := range receivers {
			r := saturate(ctx, rc, tpl, &ids, cfg.senders, cfg.warmup, "warmup")
			logf("  warmup %-20s %7.0f acks/s", rc.name, r.AcksPerS)
			pause()
		}
	}
	add := func(r runResult) {
		rep.Runs = append(rep.Runs, r)
		cpu := ""
		if r.CPUUsPerAck > 0 {
			cpu = fmt.Sprintf("  cpu %5.1fµs/ack", r.CPUUsPerAck)
		}
		logf("  #%d %-11s %-20s %8.0f acks/s  p50 %7.2fms  p99 %7.2fms  p99.9 %7.2fms  errors %d  non-202 %d  dropped %d%s",
			r.Round, r.Scenario, r.Receiver, r.AcksPerS, r.P50Ms, r.P99Ms, r.P999Ms, r.Errors, r.Non202, r.Dropped, cpu)
	}
	for round := 1; round <= cfg.repeat; round++ {
		for _, rc := range receivers {
			if ctx.Err() != nil {
				break
			}
			r := saturate(ctx, rc, tpl, &ids, cfg.senders, cfg.duration, "saturation")
			r.Round = round
			add(r)
			rc.client.CloseIdleConnections()
			pause()
		}
		for _, rate := range cfg.rates {
			for _, rc := range receivers {
				if ctx.Err() != nil {
					break
				}
				r := fixedRate(ctx, rc, tpl, &ids, rate, cfg.rateWork, cfg.duration, "rate "+strconv.Itoa(rate)+"/s")
				r.Round = round
				add(r)
				rc.client.CloseIdleConnections()
				pause()
			}
		}
	}
	pprof.StopCPUProfile() // the verification below is not part of the load; no-op without -cpuprofile
	rep.Summary = medians(rep.Runs)

	// 5. Durability accounting: stop everything, reopen from disk, look for every 202.
	shut, cancelShut := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelShut()
	_ = refSrv.Shutdown(shut)
	gwStats := fmt.Sprintf("%d groups, mean %.1f, max %d records", gw.groups, float64(gw.records)/float64(max(gw.groups, 1)), gw.maxGroup)
	if err := gw.Close(); err != nil {
		return err
	}
	recs, missing, err := verifyReferenceFile(refPath, ref.acked)
	row := durabilityRow{Receiver: ref.name, Acks: len(ref.acked), OnDisk: recs, Missing: missing, Note: gwStats}
	if err != nil {
		row.Note = err.Error()
	}
	row.OK = err == nil && missing == 0 && recs >= len(ref.acked)
	rep.Durability = append(rep.Durability, row)
	for _, ri := range reals {
		_ = ri.srv.Shutdown(shut)
		row := ri.verify(ctx)
		rep.Durability = append(rep.Durability, row)
	}

	// 6. Ratios and the report.
	sat := map[string]runResult{}
	at1000 := map[string]runResult{}
	for _, r := range rep.Summary {
		switch r.Scenario {
		case "saturation":
			sat[r.Receiver] = r
		case "rate 1000/s":
			at1000[r.Receiver] = r
		}
	}
	if rs, ok := sat[ref.name]; ok && rs.AcksPerS > 0 {
		for _, ri := range reals {
			if r, ok := sat[ri.rc.name]; ok {
				rt := ratio{Receiver: r.Receiver, AcksPerS: r.AcksPerS, RefPerS: rs.AcksPerS, Ratio: r.AcksPerS / rs.AcksPerS,
					PerRound: roundRatios(rep.Runs, r.Receiver, ref.name)}
				if len(rt.PerRound) > 1 {
					rt.PerRoundMedian = median(slices.Clone(rt.PerRound))
					rt.PerRoundMin = slices.Min(rt.PerRound)
				}
				if a, ok := at1000[r.Receiver]; ok {
					rt.P99At1000 = a.P99Ms
				}
				rep.Ratios = append(rep.Ratios, rt)
			}
		}
	}
	if cfg.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(os.Stdout, rep, at1000)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("stopped early: %w", context.Cause(ctx))
	}
	for _, d := range rep.Durability {
		if !d.OK {
			return fmt.Errorf("durability check failed for %s", d.Receiver)
		}
	}
	return nil
}

func serveLoopback(srv *http.Server) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// startReal wires the intake as cmd/seerrpilot does: task store, redactor, logger, envelope,
// server.NewRouter with the webhook routes mounted, server.NewHTTPServer. Logs go to io.Discard
// at the production default level (info), so the log lines are still built.
func startReal(path, name string, opts task.Options, secret string, conns int) (*realIntake, error) {
	store, err := task.Open(path, opts)
	if err != nil {
		return nil, err
	}
	red := redact.New(secret)
	root, err := logging.New(io.Discard, "info", "json", red)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	env := envelope.Writer{Scrub: red}
	h := webhook.New(webhook.Options{Store: store, Secret: secret, Log: root, Envelope: env})
	router := server.NewRouter(server.Options{
		Log: logging.Component(root, "http"), Envelope: env, DB: store, Readiness: server.NewReadiness(nil),
		Mount: func(r chi.Router) { h.Routes(r) },
	})
	srv := server.NewHTTPServer("127.0.0.1:0", router, logging.Component(root, "http"))
	base, err := serveLoopback(srv)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	rc := &receiver{name: name, url: base + "/webhook/seerr", auth: secret, client: newClient(conns)}
	return &realIntake{path: path, store: store, srv: srv, rc: rc}, nil
}

// verify closes the store, reopens it from disk and checks that every acked request is there.
func (ri *realIntake) verify(ctx context.Context) durabilityRow {
	row := durabilityRow{Receiver: ri.rc.name, Acks: len(ri.rc.acked)}
	fail := func(err error) durabilityRow { row.Note = err.Error(); return row }
	if err := ri.store.Close(); err != nil {
		return fail(err)
	}
	ri.store = nil
	s, err := task.Open(ri.path, task.Options{})
	if err != nil {
		return fail(err)
	}
	ri.store = s
	st, err := s.Stats(ctx)
	if err != nil {
		return fail(err)
	}
	row.OnDisk = st.Total
	for _, id := range ri.rc.acked {
		ok, _, err := s.Has(ctx, task.Input{RequestID: id}.Key())
		if err != nil {
			return fail(err)
		}
		if !ok {
			row.Missing++
		}
	}
	row.OK = row.Missing == 0 && row.OnDisk >= row.Acks
	if extra := row.OnDisk - row.Acks; extra > 0 {
		row.Note = fmt.Sprintf("%d stored without a 202 (client gave up)", extra)
	}
	return row
}

func printReport(out io.Writer, rep report, at1000 map[string]runResult) {
	fmt.Fprintf(out, "\nintakebench  %s  %s  %s  NumCPU=%d GOMAXPROCS=%d\n", rep.Date, rep.GoVersion, rep.OS, rep.NumCPU, rep.GOMAXPROCS)
	fmt.Fprintf(out, "data dir %s; body %d bytes; webhook secret %v; %s per run; %d saturation senders, %d fixed-rate workers\n",
		rep.DataDir, rep.BodyBytes, rep.Secret, time.Duration(rep.DurationS*float64(time.Second)), rep.Senders, rep.RateWorkers)
	fmt.Fprintf(out, "disk: 4 KiB append+fsync p50 %.2fms p99 %.2fms max %.2fms; single bbolt commit p50 %.2fms p99 %.2fms\n\n",
		rep.Fsync.P50Ms, rep.Fsync.P99Ms, rep.Fsync.MaxMs, rep.BoltCommit.P50Ms, rep.BoltCommit.P99Ms)
	if rep.Rounds > 1 {
		fmt.Fprintf(out, "every figure below is the median over %d rounds (errors, non-202, dropped and sent are totals); -json has each round\n", rep.Rounds)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\treceiver\tacks/s\tp50 ms\tp90 ms\tp99 ms\tp99.9 ms\tmax ms\tsent\terrors\tnon-202\tdropped\tcpu µs/ack\t")
	for _, r := range rep.Summary {
		cpu := "-"
		if r.CPUUsPerAck > 0 {
			cpu = fmt.Sprintf("%.1f", r.CPUUsPerAck)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%d\t%d\t%s\t\n",
			r.Scenario, r.Receiver, r.AcksPerS, r.P50Ms, r.P90Ms, r.P99Ms, r.P999Ms, r.MaxMs, r.Sent, r.Errors, r.Non202, r.Dropped, cpu)
	}
	_ = tw.Flush()
	fmt.Fprintln(out)
	for _, r := range rep.Ratios {
		verdict := func(ok bool) string {
			if ok {
				return "ok"
			}
			return "MISS"
		}
		line := fmt.Sprintf("%-20s saturation %6.0f acks/s = %.2f × reference (%.0f/s)", r.Receiver, r.AcksPerS, r.Ratio, r.RefPerS)
		judged := r.Ratio
		if len(r.PerRound) > 1 {
			line += fmt.Sprintf("; per round: median %.2f, lowest %.2f", r.PerRoundMedian, r.PerRoundMin)
			judged = r.PerRoundMedian
		}
		line += fmt.Sprintf("  [≥5000/s %s, ≥0.80 %s", verdict(r.AcksPerS >= 5000), verdict(judged >= 0.8))
		if _, ok := at1000[r.Receiver]; ok {
			line += fmt.Sprintf(", p99@1000/s %.2fms ≤25ms %s", r.P99At1000, verdict(r.P99At1000 <= 25))
		}
		fmt.Fprintln(out, line+"]")
	}
	fmt.Fprintln(out)
	for _, d := range rep.Durability {
		fmt.Fprintf(out, "durability %-20s 202s %d, on disk after reopen %d, acked but missing %d: %s", d.Receiver, d.Acks, d.OnDisk, d.Missing, map[bool]string{true: "OK", false: "FAILED"}[d.OK])
		if d.Note != "" {
			fmt.Fprintf(out, " (%s)", d.Note)
		}
		fmt.Fprintln(out)
	}
}

// medians folds the rounds of each (scenario, receiver) into one row: each latency and rate
// figure is the median of its own values over the rounds, counts are totals.
func medians(runs []runResult) []runResult {
	type key struct{ scenario, receiver string }
	var order []key
	groups := map[key][]runResult{}
	for _, r := range runs {
		k := key{r.Scenario, r.Receiver}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	med := func(rs []runResult, f func(runResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	out := make([]runResult, 0, len(order))
	for _, k := range order {
		rs := groups[k]
		m := runResult{Scenario: k.scenario, Receiver: k.receiver, Offered: rs[0].Offered, Senders: rs[0].Senders}
		for _, r := range rs {
			m.Sent += r.Sent
			m.Acks += r.Acks
			m.Errors += r.Errors
			m.Non202 += r.Non202
			m.Dropped += r.Dropped
			m.ElapsedS += r.ElapsedS
		}
		m.AcksPerS = med(rs, func(r runResult) float64 { return r.AcksPerS })
		m.P50Ms = med(rs, func(r runResult) float64 { return r.P50Ms })
		m.P90Ms = med(rs, func(r runResult) float64 { return r.P90Ms })
		m.P99Ms = med(rs, func(r runResult) float64 { return r.P99Ms })
		m.P999Ms = med(rs, func(r runResult) float64 { return r.P999Ms })
		m.MaxMs = med(rs, func(r runResult) float64 { return r.MaxMs })
		m.CPUUsPerAck = med(rs, func(r runResult) float64 { return r.CPUUsPerAck })
		out = append(out, m)
	}
	return out
}

// median of v (sorted in place); 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// roundRatios divides a receiver's saturation acks/s by the reference's in the same round:
// on a shared VM both move together between rounds, so these spread far less than the
// ratio of the two medians.
func roundRatios(runs []runResult, receiver, reference string) []float64 {
	ref := map[int]float64{}
	for _, r := range runs {
		if r.Scenario == "saturation" && r.Receiver == reference && r.AcksPerS > 0 {
			ref[r.Round] = r.AcksPerS
		}
	}
	var out []float64
	for _, r := range runs {
		if d, ok := ref[r.Round]; ok && r.Scenario == "saturation" && r.Receiver == receiver {
			out = append(out, r.AcksPerS/d)
		}
	}
	return out
}
