package web

import (
	"context"
	"fmt"
	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
	"github.com/seerrpilot/seerrpilot/pkg/track"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
)

// browserEnv set to "required" makes a missing browser a failure instead of a skip (CI).
const browserEnv = "SEERRPILOT_BROWSER_TEST"

// findChromium returns the path of a Chromium-like browser, or "".
func findChromium() string {
	if p := os.Getenv("SEERRPILOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium for one test. Without one the test is skipped, unless
// SEERRPILOT_BROWSER_TEST=required. The context ends at the test's budget: every wait below
// is for an element or a condition, never a fixed time.
func browser(t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	path := findChromium()
	if path == "" {
		msg := "no Chromium found (looked for chromium, chromium-browser, google-chrome, headless-shell; " +
			"or set SEERRPILOT_CHROMIUM): apt-get install chromium to run the status page's browser test"
		if os.Getenv(browserEnv) == "required" {
			t.Fatal(msg + " (" + browserEnv + "=required)")
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testbudget.Budget(t))
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.WindowSize(1100, 900),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelB := chromedp.NewContext(alloc)
	t.Cleanup(cancelB)
	cl := &consoleLog{}
	if err := chromedp.Listen(bctx, cl.record); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return bctx, cl
}

// consoleLog collects what the page wrote to the console as errors: console.error calls,
// uncaught exceptions and error entries of the browser log (failed loads, CSP violations).
type consoleLog struct {
	mu     sync.Mutex
	errors []string
}

func (c *consoleLog) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			msg = "log: " + ev.Entry.Text + " " + ev.Entry.URL
		}
	}
	if msg != "" {
		c.mu.Lock()
		c.errors = append(c.errors, msg)
		c.mu.Unlock()
	}
}

func (c *consoleLog) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestBrowserRetryDelivers drives the page in a real browser against the real store, the
// operator API and the real worker with a fake MoviePilot: sign in, see a delivered and a
// failed request, press Retry, and see the failed one delivered. The page must write no
// error to the console on the way.
func TestBrowserRetryDelivers(t *testing.T) {
	ctx, console := browser(t)
	const base = "/seerrpilot"
	f := newFixture(t, fixtureOpts{token: testToken, base: base, now: time.Now})
	matrix := f.add(t, seed{in: task.Input{RequestID: 1, TMDBID: 603, MediaType: task.TypeMovie, Title: "The Matrix", Year: 1999,
		RequestedBy: "alice"}, status: task.StatusSuccess, items: []task.Item{{State: task.ItemSubscribed, MPSubscriptionID: 12}}})
	dune := f.add(t, seed{in: task.Input{RequestID: 2, TMDBID: 693134, MediaType: task.TypeMovie, Title: "Dune: Part Two", Year: 2024,
		RequestedBy: "carol"}, status: task.StatusFailed, err: "MoviePilot answered 422: the subscription was refused",
		items: []task.Item{{State: task.ItemFailed, LastError: "MoviePilot answered 422"}}})

	// The real worker, delivering to a fake MoviePilot.
	mp := mptest.New(mptest.Options{APIToken: "mp-token", AcceptAPIKey: true})
	t.Cleanup(mp.Close)
	client, err := moviepilot.New(moviepilot.Config{BaseURL: mp.URL(), Scheme: moviepilot.AuthXAPIKey, Token: "mp-token",
		APIVersion: "v2", Timeout: testbudget.Budget(t), RatePerSec: 1000})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(worker.Options{Store: f.store, MoviePilot: client, MaxAttempts: 3, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stopWorker := context.WithCancel(context.Background())
	workerDone := make(chan struct{})
	go func() { defer close(workerDone); _ = w.Run(wctx) }()
	t.Cleanup(func() { stopWorker(); <-workerDone })

	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)

	run(t, ctx, "open the page and sign in",
		chromedp.Navigate(srv.URL+base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), testToken),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#task-"+dune.ID)),
	)
	if got := textOf(t, ctx, "#task-"+matrix.ID+" [data-role=state]"); got != "delivered" {
		t.Fatalf("The Matrix shows %q, want delivered", got)
	}
	if got := textOf(t, ctx, "#task-"+dune.ID+" [data-role=state]"); got != "failed" {
		t.Fatalf("Dune shows %q, want failed", got)
	}
	if why := textOf(t, ctx, "#task-"+dune.ID+" [data-role=why]"); !strings.Contains(why, "MoviePilot answered 422") {
		t.Fatalf("Dune's reason is %q", why)
	}

	run(t, ctx, "press Retry",
		chromedp.Click(chromedp.CSS("#task-"+dune.ID+" button.retry")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if got := textOf(t, ctx, "#flash"); !strings.Contains(got, dune.ID+" is queued again.") {
		t.Fatalf("flash %q", got)
	}
	testbudget.Eventually(t, "the worker delivers the retried task", func() bool {
		tk, err := f.store.Get(context.Background(), dune.ID)
		return err == nil && tk.Status == task.StatusSuccess
	})
	run(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#task-"+dune.ID)))
	if got := textOf(t, ctx, "#task-"+dune.ID+" [data-role=state]"); got != "delivered" {
		t.Fatalf("after the retry Dune shows %q, want delivered", got)
	}
	if subs := mp.Subscriptions(); len(subs) != 1 || subs[0].TMDBID != 693134 {
		t.Fatalf("MoviePilot holds %+v", subs)
	}
	if mpLine := textOf(t, ctx, "#task-"+dune.ID+" dd.mp"); !strings.Contains(mpLine, fmt.Sprintf("#%d", mp.Subscriptions()[0].ID)) {
		t.Fatalf("the MoviePilot line is %q", mpLine)
	}

	// MoviePilot finishes Dune; a tracking round sees it (and sees that The Matrix, which the
	// fake never held, is gone without history), and the page says so.
	mp.Finish(mp.Subscriptions()[0].ID)
	tr, err := track.New(track.Options{Store: f.store, MoviePilot: client, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if r := tr.Round(context.Background()); r.Err != nil || r.Changed != 2 {
		t.Fatalf("tracking round: %+v", r)
	}
	run(t, ctx, "reload after tracking", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#task-"+dune.ID+" [data-role=track]")))
	if got := textOf(t, ctx, "#task-"+dune.ID+" [data-role=track]"); got != "downloaded" {
		t.Fatalf("Dune's tracking shows %q, want downloaded", got)
	}
	if got := textOf(t, ctx, "#task-"+matrix.ID+" [data-role=track]"); got != "removed in MoviePilot" {
		t.Fatalf("The Matrix's tracking shows %q", got)
	}

	// Sign out: the page asks for the token again.
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#token")))

	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("the page wrote %d error(s) to the console:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// fakeWorker and fakeReconciler give the screenshot a worker state and a last pass.
type fakeWorker struct{ st worker.State }

func (w fakeWorker) State() worker.State { return w.st }

type fakeReconciler struct{ last *reconcilepass.Summary }

func (r fakeReconciler) Trigger(context.Context, reconcilepass.Options, bool) reconcilepass.Result {
	return reconcilepass.Result{RunID: "rc_demo"}
}
func (r fakeReconciler) Last() *reconcilepass.Summary { return r.last }

// TestScreenshot writes the README's picture of the page when SEERRPILOT_SCREENSHOT names a
// file (a path relative to the repository root, e.g. docs/status-page.png):
//
//	SEERRPILOT_SCREENSHOT=docs/status-page.png go test ./pkg/web -run Screenshot
func TestScreenshot(t *testing.T) {
	out := os.Getenv("SEERRPILOT_SCREENSHOT")
	if out == "" {
		t.Skip("set SEERRPILOT_SCREENSHOT=docs/status-page.png to write the README's screenshot")
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join("..", "..", out) // tests run in pkg/web
	}
	ctx, console := browser(t)
	clock := clocktest.New(time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC))
	lastPass := &reconcilepass.Summary{RunID: "rc_0042", Outcome: reconcilepass.OutcomeOK, DurationMs: 840, Pages: 2, Seen: 57,
		Approved: 6, Enqueued: 1, Unchanged: 5, Skipped: 51, Filter: "approved", AlsoFilter: "failed"}
	f := newFixture(t, fixtureOpts{token: testToken, now: clock.Now,
		worker: fakeWorker{st: worker.State{Status: worker.StatusRunning}}, rec: fakeReconciler{last: lastPass},
		extras: fakeExtras{tracked: map[string]int{"subscribed": 1, "stalled": 1, "downloaded": 2, "removed": 0}}})
	f.clock = clock
	f.demo(t)
	lastPass.StartedAt = clock.Now().Add(-12 * time.Minute)
	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)
	run(t, ctx, "sign in",
		chromedp.EmulateViewport(1000, 900),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), testToken),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#counts")),
	)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d KB)", out, len(png)>>10)
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
