// Command demo shows seerrpilot end to end on one machine, with nothing but Go: it builds
// the binary, starts a fake Seerr and a fake MoviePilot on loopback (pkg/sandbox), seeds
// three approved requests, runs `seerrpilot serve`, sends two approvals the way Seerr's
// default webhook template renders them (the third is "lost"), waits until MoviePilot has
// every subscription, prints what happened, and cleans up.
//
//	go run ./cmd/demo
//
// The build comes first and has no time limit (with an empty build cache it compiles every
// dependency, which takes minutes on a small machine); the demo's own clock (-timeout,
// default 60s) starts after it. It exits 0 on success; on failure (a timeout says what it
// was waiting for) it prints the tail of seerrpilot's log and exits 1.
//
//	go run ./cmd/demo -timeout 3m   # a slow or very busy machine
//
// With -sandbox it only serves the fake Seerr (3.1.0) and the fake MoviePilot (v2, X-API-KEY)
// on loopback, to point a real seerrpilot at, until SIGINT/SIGTERM or -duration, then prints
// what MoviePilot received (GET <MoviePilot URL>/_sandbox/subscriptions shows it as JSON):
//
//	go run ./cmd/demo -sandbox -seerr-addr 127.0.0.1:5055 -mp-addr 127.0.0.1:3001
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
	"github.com/seerrpilot/seerrpilot/pkg/sandbox"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

const (
	webhookSecret = "demo-webhook-secret-1234"
	adminToken    = "demo-admin-token-5678"

	// defaultBudget is the demo's clock, from after the build to the clean stop. The run
	// itself takes a few seconds; the rest is room for a slow or busy machine.
	defaultBudget = 60 * time.Second
	gateLimit     = 10 * time.Second // how long the reconcile start pass may be held
)

// The seeded requests. The third never gets a webhook.
var (
	movie  = title{tmdb: 27205, name: "Inception", year: 2010}
	show   = title{tmdb: 1396, name: "Breaking Bad", year: 2008, seasons: []int{0, 1, 2}}
	lostMv = title{tmdb: 550, name: "Fight Club", year: 1999}
)

type title struct {
	tmdb    int
	name    string
	year    int
	seasons []int
}

func main() {
	// Ctrl-C ends the build or the run cleanly (temp dirs removed, seerrpilot stopped).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("demo", flag.ExitOnError)
	budget := fs.Duration("timeout", defaultBudget, "time for the demo itself, counted after the build")
	sbox := fs.Bool("sandbox", false, "only serve the fake Seerr and fake MoviePilot (the flags below)")
	var o sandbox.Options
	fs.StringVar(&o.SeerrAddr, "seerr-addr", "127.0.0.1:0", "-sandbox: loopback address of the fake Seerr")
	fs.StringVar(&o.MPAddr, "mp-addr", "127.0.0.1:0", "-sandbox: loopback address of the fake MoviePilot")
	fs.StringVar(&o.SeerrKey, "seerr-key", "", "-sandbox: API key the fake Seerr accepts (default: random)")
	fs.StringVar(&o.MPToken, "mp-token", "", "-sandbox: API token the fake MoviePilot accepts (default: random)")
	duration := fs.Duration("duration", 0, "-sandbox: stop after this long (0: until SIGINT/SIGTERM)")
	_ = fs.Parse(os.Args[1:])
	if *sbox {
		if err := serveSandbox(ctx, o, *duration, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "sandbox:", err)
			os.Exit(2)
		}
		return
	}
	logTail, err := run(ctx, os.Stdout, *budget)
	if err != nil {
		fmt.Fprintln(os.Stderr, "\nDEMO FAILED:", err)
		if logTail != "" {
			fmt.Fprintf(os.Stderr, "--- last lines of the seerrpilot log ---\n%s", logTail)
		}
		stop()
		os.Exit(1)
	}
}

// serveSandbox serves the two fakes until ctx ends or d passes, then prints what MoviePilot received.
func serveSandbox(ctx context.Context, o sandbox.Options, d time.Duration, stdout io.Writer) error {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	sb, err := sandbox.Start(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fake Seerr %s        %s  (X-Api-Key %s)\n", sandbox.SeerrVersion, sb.SeerrURL, sb.SeerrKey)
	fmt.Fprintf(stdout, "fake MoviePilot %s        %s  (X-API-KEY %s)\n", sandbox.MPVersion, sb.MPURL, sb.MPToken)
	fmt.Fprintf(stdout, "what MoviePilot received:  GET %s/_sandbox/subscriptions\n", sb.MPURL)
	fmt.Fprintf(stdout, "to see tracking (MP_TRACK_INTERVAL=1m): POST %s/_sandbox/subscriptions/{id}/finish (downloaded) or .../delete (removed)\n", sb.MPURL)
	fmt.Fprintf(stdout, "for seerrpilot:\n  JELLY_URL=%s JELLY_API_KEY=%s MP_URL=%s MP_TOKEN=%s\n",
		sb.SeerrURL, sb.SeerrKey, sb.MPURL, sb.MPToken)
	<-ctx.Done()
	closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	closeErr := sb.Close(closeCtx)
	out, _ := json.MarshalIndent(sb.Subscriptions(), "", "  ")
	fmt.Fprintf(stdout, "stopped; MoviePilot subscriptions:\n%s\n", out)
	return closeErr
}

// timeoutError is the demo running out of its budget, in words: what it was waiting for,
// after how long, and what to try.
type timeoutError struct {
	waiting string
	budget  time.Duration
	detail  error
}

func (e *timeoutError) Error() string {
	msg := fmt.Sprintf("timed out: waited %s (the demo's -timeout, counted after the build) for %s", e.budget, e.waiting)
	if e.detail != nil && !errors.Is(e.detail, context.DeadlineExceeded) {
		msg += "; last state: " + e.detail.Error()
	}
	return msg + fmt.Sprintf(".\nThe demo itself needs a few seconds; a machine this busy or slow needs more: run it again, or give it more time with `go run ./cmd/demo -timeout %s`.", suggest(e.budget))
}

// suggest is the next budget to try: three times this one, at least 3 minutes.
func suggest(b time.Duration) time.Duration {
	if b *= 3; b < 3*time.Minute {
		b = 3 * time.Minute
	}
	return b.Round(time.Minute)
}

// run does the demo. On failure it returns the last lines of seerrpilot's log (if it ran)
// with the error. The build is not counted in budget; everything after it is.
func run(parent context.Context, out io.Writer, budget time.Duration) (logTail string, err error) {
	tmp, err := os.MkdirTemp("", "seerrpilot-demo-")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(tmp) }()

	// 1. Build seerrpilot: no time limit (Ctrl-C still stops it).
	fmt.Fprintln(out, "== building seerrpilot (the first build compiles every dependency: a minute or more on a small machine)")
	bin := filepath.Join(tmp, "seerrpilot")
	started := time.Now()
	if err := proc.Build(parent, bin, false, nil); err != nil {
		return "", err
	}
	fmt.Fprintf(out, "== built in %s; the demo's %s clock starts now\n", time.Since(started).Round(100*time.Millisecond), budget)

	// From here on, everything counts against budget. waiting names what the demo waits
	// for, so that a timeout can say it.
	clockStart := time.Now()
	ctx, cancel := context.WithTimeout(parent, budget)
	defer cancel()
	waiting := "the fake Seerr and MoviePilot to start"
	defer func() {
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
			err = &timeoutError{waiting: waiting, budget: budget, detail: err}
		}
	}()

	// 2. The fakes. The reconcile start pass's list call is held until the two webhooks
	// are in, so the story is the same on every run: webhooks first, then reconcile
	// catches the one whose webhook was lost.
	gate := make(chan struct{})
	hook := func(_ *seerrtest.Fake, c seerrtest.Call) {
		if strings.HasSuffix(strings.TrimSuffix(c.Path, "/"), "/request") {
			select {
			case <-gate:
			case <-time.After(gateLimit):
			}
		}
	}
	sb, err := sandbox.Start(sandbox.Options{SeerrHook: hook})
	if err != nil {
		return "", err
	}
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		_ = sb.Close(cctx)
	}()
	openGate := func() {
		select {
		case <-gate:
		default:
			close(gate)
		}
	}
	defer openGate()
	fmt.Fprintf(out, "== fake Seerr %s at %s, fake MoviePilot %s at %s\n", sandbox.SeerrVersion, sb.SeerrURL, sandbox.MPVersion, sb.MPURL)

	// 3. Seed Seerr with three approved requests.
	ids := map[int]int{}
	for _, t := range []title{movie, show, lostMv} {
		typ := seerr.TypeMovie
		if t.seasons != nil {
			typ = seerr.TypeTV
		}
		sb.Seerr.SetMedia(typ, t.tmdb, t.name, t.year)
		r := seerr.Request{Status: seerr.RequestApproved, Type: typ,
			Media: seerr.Media{TMDBID: t.tmdb, MediaType: typ, Status: seerr.MediaProcessing}}
		for _, s := range t.seasons {
			r.Seasons = append(r.Seasons, seerr.SeasonRequest{SeasonNumber: s})
		}
		ids[t.tmdb] = sb.Seerr.AddRequest(r)
	}
	fmt.Fprintf(out, "== seeded Seerr: #%d %s (movie), #%d %s (tv, seasons 0,1,2), #%d %s (movie, its webhook will be lost)\n",
		ids[movie.tmdb], movie.name, ids[show.tmdb], show.name, ids[lostMv.tmdb], lostMv.name)

	// 4. Start seerrpilot.
	svc, err := proc.Start(proc.Options{Bin: bin, Env: map[string]string{
		"MP_URL": sb.MPURL, "MP_TOKEN": sb.MPToken,
		"JELLY_URL": sb.SeerrURL, "JELLY_API_KEY": sb.SeerrKey,
		"WEBHOOK_SECRET": webhookSecret, "ADMIN_TOKEN": adminToken,
		"DATA_DIR":           filepath.Join(tmp, "data"),
		"RECONCILE_INTERVAL": "0", "LOG_FORMAT": "console",
	}})
	if err != nil {
		return "", err
	}
	defer svc.Kill()
	defer func() {
		if err != nil {
			logTail = svc.LogTail(40)
		}
	}()
	waiting = "seerrpilot to answer GET /healthz"
	if err := svc.Wait(ctx, "/healthz", budget); err != nil {
		return "", err
	}
	fmt.Fprintf(out, "== seerrpilot serving on %s (log: console format)\n", svc.Base)

	// 5. Two approvals, rendered from Seerr's default webhook template.
	waiting = "seerrpilot to accept the two webhooks"
	for _, n := range []seerrhook.Notification{
		seerrhook.MovieApproved(ids[movie.tmdb], movie.tmdb, movie.name, movie.year),
		seerrhook.TVApproved(ids[show.tmdb], show.tmdb, show.name, show.year, show.seasons),
	} {
		body, err := seerrhook.Render(n)
		if err != nil {
			return "", err
		}
		code, reply, err := svc.Do(ctx, http.MethodPost, "/webhook/jellyseerr", webhookSecret, body)
		if err != nil {
			return "", err
		}
		if code != http.StatusAccepted {
			return "", fmt.Errorf("webhook %q: HTTP %d %s", n.Subject, code, reply)
		}
		fmt.Fprintf(out, "== POST /webhook/jellyseerr %-24s -> %d\n", n.Subject, code)
	}
	openGate()

	// 6. Wait until MoviePilot has everything and every task is done.
	want := []string{key(movie.tmdb, nil), key(show.tmdb, ptr(1)), key(show.tmdb, ptr(2)), key(lostMv.tmdb, nil)}
	var tasks []taskView
	waiting = fmt.Sprintf("MoviePilot to receive %v and every task to succeed", want)
	for {
		got := subKeys(sb.Subscriptions())
		var lerr error
		tasks, lerr = listTasks(ctx, svc)
		if lerr == nil && equal(got, want) && len(tasks) == 3 && allSuccess(tasks) {
			break
		}
		if svc.Exited() {
			return "", errors.New("seerrpilot exited early")
		}
		if !clock.Sleep(ctx, 100*time.Millisecond) {
			return "", fmt.Errorf("MoviePilot has %v (want %v), tasks %v (list error: %v)", got, want, tasks, lerr)
		}
	}
	if !clock.Sleep(ctx, 300*time.Millisecond) { // nothing more may arrive
		return "", ctx.Err()
	}
	if got := subKeys(sb.Subscriptions()); !equal(got, want) {
		return "", fmt.Errorf("MoviePilot has %v, want %v", got, want)
	}

	// 7. Report.
	printSubs(out, sb.Subscriptions())
	printTasks(out, tasks)
	explain(out, tasks)

	// 8. Stop seerrpilot with SIGTERM (it finishes within 10s by design; the bound is that
	// promise, plus room, and not part of the budget).
	if _, err := svc.Stop(15 * time.Second); err != nil {
		return "", err
	}
	fmt.Fprintf(out, "\n== seerrpilot stopped cleanly (SIGTERM, exit 0); fakes stopped; temp dirs removed (demo run %s after the build)\n",
		time.Since(clockStart).Round(100*time.Millisecond))
	return "", nil
}

// taskView is the part of GET /api/v1/tasks the demo shows.
type taskView struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Source string `json:"source"`
	Input  struct {
		TMDBID    int    `json:"tmdbId"`
		MediaType string `json:"mediaType"`
		Title     string `json:"title"`
	} `json:"input"`
	Items []struct {
		Season *int   `json:"season"`
		State  string `json:"state"`
		MPID   int    `json:"mpSubscriptionId"`
		Reason string `json:"reason"`
	} `json:"items"`
}

// listTasks reads the tasks, bounded by the demo's budget (ctx) and nothing shorter: a busy
// machine makes the demo slower, not red.
func listTasks(ctx context.Context, svc *proc.Proc) ([]taskView, error) {
	code, body, err := svc.Do(ctx, http.MethodGet, "/api/v1/tasks?limit=100", "Bearer "+adminToken, nil)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/tasks: HTTP %d %s", code, body)
	}
	var env struct {
		Data struct {
			Tasks []taskView `json:"tasks"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("GET /api/v1/tasks: %v", err)
	}
	sort.Slice(env.Data.Tasks, func(i, j int) bool { return idLess(env.Data.Tasks[i].ID, env.Data.Tasks[j].ID) })
	return env.Data.Tasks, nil
}

// idLess orders tsk_2 before tsk_10.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func allSuccess(ts []taskView) bool {
	for _, t := range ts {
		if t.Status != "success" {
			return false
		}
	}
	return true
}

func ptr(n int) *int { return &n }

func key(tmdb int, season *int) string {
	if season == nil {
		return fmt.Sprintf("%d", tmdb)
	}
	return fmt.Sprintf("%d/S%d", tmdb, *season)
}

func subKeys(subs []sandbox.Sub) []string {
	out := []string{}
	for _, s := range subs {
		out = append(out, key(s.TMDBID, s.Season))
	}
	return out
}

func equal(got, want []string) bool {
	a := append([]string(nil), got...)
	b := append([]string(nil), want...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func season(s *int) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("S%02d", *s)
}

func printSubs(out io.Writer, subs []sandbox.Sub) {
	fmt.Fprintln(out, "\nWhat MoviePilot received (GET /_sandbox/subscriptions on the fake):")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  ID\tTYPE\tTMDB\tSEASON\tNAME")
	for _, s := range subs {
		fmt.Fprintf(w, "  %d\t%s\t%d\t%s\t%s\n", s.ID, s.Type, s.TMDBID, season(s.Season), s.Name)
	}
	w.Flush()
}

func printTasks(out io.Writer, tasks []taskView) {
	fmt.Fprintln(out, "\nseerrpilot's tasks (GET /api/v1/tasks?limit=100):")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  ID\tSTATUS\tSOURCE\tTMDB\tITEMS")
	for _, t := range tasks {
		var items []string
		for _, it := range t.Items {
			k := "movie"
			if it.Season != nil {
				k = season(it.Season)
			}
			s := k + ":" + it.State
			if it.MPID != 0 {
				s += fmt.Sprintf("(#%d)", it.MPID)
			}
			items = append(items, s)
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%d\t%s\n", t.ID, t.Status, t.Source, t.Input.TMDBID, strings.Join(items, " "))
	}
	w.Flush()
}

func explain(out io.Writer, tasks []taskView) {
	fmt.Fprintln(out, "\nWhat happened:")
	for _, t := range tasks {
		switch {
		case t.Input.TMDBID == show.tmdb:
			reason := "specials are excluded by default (TV_SPECIALS=exclude)"
			for _, it := range t.Items {
				if it.Season != nil && *it.Season == 0 && it.Reason != "" {
					reason = it.Reason
				}
			}
			fmt.Fprintf(out, "  - %s %s: the webhook asked for S00,S01,S02; S01 and S02 became one subscription each; S00 skipped: %s.\n", t.ID, show.name, reason)
		case t.Input.TMDBID == lostMv.tmdb:
			fmt.Fprintf(out, "  - %s %s: no webhook ever arrived; source=%s: the start pass of reconcile (RECONCILE_INTERVAL=0 → start pass only) found the approved request in Seerr and delivered it.\n", t.ID, lostMv.name, t.Source)
		default:
			fmt.Fprintf(out, "  - %s %s: source=%s: the approval webhook (Seerr's default template, WEBHOOK_SECRET checked) became one movie subscription.\n", t.ID, movie.name, t.Source)
		}
	}
}
