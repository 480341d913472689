package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/config"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/metrics"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/notify"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/track"
	"github.com/seerrpilot/seerrpilot/pkg/web"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
	"github.com/seerrpilot/seerrpilot/reconcile"
	"github.com/seerrpilot/seerrpilot/webhook"
)

// shutdownBudget bounds the whole ordered shutdown.
const shutdownBudget = 10 * time.Second

// serve runs the service until ctx ends, then shuts down in order: HTTP server (no new
// work in), then the worker and poller (finish or abandon the current call), then the database.
func serve(ctx context.Context, stdout, stderr io.Writer) error {
	cfg, red, root, err := setup(stderr)
	if err != nil {
		return err
	}
	log := logging.Component(root, "main")
	log.Info().Str("version", version).Interface("config", cfg.Summary()).Msg("starting seerrpilot")
	warnings(log, cfg)

	ready := server.NewReadiness(nil)
	health := &storeHealth{ready: ready, red: red, probe: probeDir(cfg.DataDir), now: time.Now}
	store, err := taskdb.Open(filepath.Join(cfg.DataDir, taskdb.FileName), taskdb.Options{})
	if err != nil {
		return fmt.Errorf("task store: %w", err)
	}
	storeClosed := false
	defer func() {
		if !storeClosed {
			_ = store.Close()
		}
	}()
	if j := staleJournal(store.Path()); j != "" {
		log.Info().Str("file", j).Msg("this intake journal from an earlier build is no longer used; it can be deleted")
	}
	if n, err := store.ReclaimRunning(ctx); err != nil {
		return fmt.Errorf("task store: reclaim: %w", err)
	} else if n > 0 {
		log.Warn().Int("tasks", n).Msg("returned tasks left running by the previous process to pending")
	}

	env := envelope.Writer{Scrub: red}
	app := &components{cfg: cfg, log: root, store: store, ready: ready, env: env, red: red, storeResult: health.result}
	if err := app.build(); err != nil {
		return err
	}
	if app.poller != nil {
		st, err := store.Stats(ctx)
		if err != nil {
			return fmt.Errorf("task store: %w", err)
		}
		app.backlog.start(st.Total == 0, cfg.ReconcileSince)
	}

	handler := server.NewRouter(server.Options{
		Log: logging.Component(root, "http"), Envelope: env, DB: store, Readiness: ready,
		ReadyCheck: health.recheck, Mount: app.mount,
	})
	if cfg.BasePath != "" {
		// Behind a reverse proxy under a sub-path: every route, health included, lives there.
		outer := chi.NewRouter()
		outer.NotFound(server.NotFound(env)) // the envelope outside BASE_PATH too
		outer.MethodNotAllowed(server.MethodNotAllowed(env))
		outer.Mount(cfg.BasePath, handler)
		handler = outer
	}
	srv := server.NewHTTPServer(cfg.ListenAddr, handler, logging.Component(root, "http"))
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on LISTEN_ADDR %s: %w", cfg.ListenAddr, err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info().Str("addr", ln.Addr().String()).Msg("listening")

	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	done := app.start(bg)

	var runErr error
	select {
	case <-ctx.Done():
		log.Info().Msg("shutting down")
	case err := <-serveErr:
		runErr = fmt.Errorf("http server: %w", err)
	}

	deadline, cancel := context.WithTimeout(context.Background(), shutdownBudget)
	defer cancel()
	if err := srv.Shutdown(deadline); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn().Err(err).Msg("http server did not drain in time")
	}
	stopBG()
	select {
	case <-done:
	case <-deadline.Done():
		log.Warn().Msg("background components did not stop in time")
	}
	storeClosed = true
	if err := store.Close(); err != nil {
		log.Error().Err(err).Msg("closing the task store")
	}
	log.Info().Msg("stopped")
	return runErr
}

// setup loads the configuration and builds the redaction guard and the root logger.
func setup(stderr io.Writer) (*config.Config, *redact.Redactor, zerolog.Logger, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, nil, zerolog.Nop(), err
	}
	red := redact.New(cfg.Secrets()...)
	root, err := logging.New(stderr, string(cfg.LogLevel), string(cfg.LogFormat), red)
	if err != nil {
		return nil, nil, zerolog.Nop(), err
	}
	return cfg, red, root, nil
}

// warnings says at start what the configuration leaves open or off.
func warnings(log zerolog.Logger, cfg *config.Config) {
	if cfg.WebhookSecret == "" {
		log.Warn().Msg("WEBHOOK_SECRET is not set: the webhook endpoint accepts anyone who can reach it; set it and put the same value in Seerr's Authorization Header")
	}
	if !cfg.ReconcileEnabled() {
		log.Warn().Msg("JELLY_URL/JELLY_API_KEY not set: reconcile is off, so a webhook lost while seerrpilot was down is not caught up")
	}
	if cfg.AdminToken == "" {
		log.Warn().Msg("ADMIN_TOKEN is not set: the operator API, /reconcile and /mcp answer 401 and the status page is off until it is")
	}
	if cfg.MPDryRun {
		log.Warn().Msg("MP_DRY_RUN=true: nothing is written to MoviePilot; tasks stay pending")
	}
}

// components wires the feature parts.
type components struct {
	cfg   *config.Config
	log   zerolog.Logger
	store *taskdb.Store
	ready *server.Readiness
	env   envelope.Writer
	red   *redact.Redactor
	// onDryRun receives each payload a dry run would send (sync once --dry-run prints them).
	onDryRun func(t *task.Task, item string, payload []byte)
	// storeResult receives the outcome of each webhook's store write (serve: /readyz).
	storeResult func(err error)
	// onOutcome, when set, sees each task attempt's outcome too (sync once's progress).
	onOutcome func(outcome string)

	mp      *moviepilot.Client
	seerr   *seerr.Client
	worker  *worker.Worker
	hook    *webhook.Handler
	poller  *reconcile.Poller // nil when Seerr is not configured
	api     *api.API
	page    *web.Handler // the status page at BASE_PATH/
	metrics *metrics.Metrics
	// notifier sends NOTIFY_URLS notices (notify.go); off without NOTIFY_URLS.
	notifier *notify.Notifier
	// tracker follows delivered subscriptions in MoviePilot (track.go); nil when off.
	tracker *track.Tracker
	tracked trackedCounts // its last round's counts, for the status page
	// backlog reports what the first pass of a first start found (serve only).
	backlog backlogWatch
	// tests counts the TEST_NOTIFICATIONs the webhook accepted (setup seerr polls /readyz).
	testsMu  sync.Mutex
	tests    int
	lastTest time.Time
}

func (c *components) build() error {
	var err error
	c.backlog.rate, c.backlog.log = c.cfg.MPRateLimit, logging.Component(c.log, "reconcile")
	c.metrics = metrics.New(c.store, nil)
	if c.cfg.ReconcileEnabled() {
		c.seerr, err = seerr.New(seerr.Config{BaseURL: c.cfg.JellyURL, APIKey: c.cfg.JellyAPIKey})
		if err != nil {
			return fmt.Errorf("seerr client: %w", err)
		}
	}
	mpc := moviepilot.Config{
		BaseURL: c.cfg.MPURL, Scheme: moviepilot.AuthScheme(c.cfg.MPAuthScheme), Token: c.cfg.MPToken,
		Username: c.cfg.MPUsername, Password: c.cfg.MPPassword, APIVersion: string(c.cfg.MPAPIVersion),
	}
	if c.cfg.MPURL == "" {
		// Dry run without MoviePilot: the client only renders payloads (for a v2 server) and
		// is never asked to reach the network (see offlineMP).
		mpc = moviepilot.Config{BaseURL: "http://moviepilot.invalid", Scheme: moviepilot.AuthXAPIKey, Token: "offline", APIVersion: "v2"}
	}
	mpc.Observe = c.metrics.MoviePilot
	mpc.ObserveWait = c.metrics.MoviePilotWait
	mpc.RatePerSec = c.cfg.MPRateLimit
	c.mp, err = moviepilot.New(mpc)
	if err != nil {
		return fmt.Errorf("moviepilot client: %w", err)
	}
	if err := c.buildNotifier(); err != nil {
		return err
	}
	var mpAPI worker.MoviePilot = c.mp
	if c.cfg.MPURL == "" {
		mpAPI = offlineMP{c.mp}
	}
	wo := worker.Options{
		Store: notifyingStore{c.store, c.notifier}, MoviePilot: mpAPI,
		Policy:      plan.Policy{Specials: c.cfg.TVSpecials, EpisodeMode: c.cfg.MPEpisodeMode},
		MaxAttempts: c.cfg.MaxAttempts, DryRun: c.cfg.MPDryRun, UserMap: c.cfg.MPUserMap,
		Log: logging.Component(c.log, "worker"), OnState: c.workerState, OnDryRun: c.onDryRun,
	}
	if c.metrics != nil {
		wo.OnOutcome = c.metrics.TaskAttempt
	}
	if extra, counted := c.onOutcome, wo.OnOutcome; extra != nil {
		wo.OnOutcome = func(o string) {
			if counted != nil {
				counted(o)
			}
			extra(o)
		}
	}
	if c.seerr != nil {
		wo.Seerr, wo.Titler = c.seerr, c.seerr
	}
	c.worker, err = worker.New(wo)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	c.workerState(c.worker.State())
	if err := c.buildTracker(); err != nil {
		return err
	}
	c.hook = webhook.New(webhook.Options{
		Store: c.store, Secret: c.cfg.WebhookSecret, SecretHeader: c.cfg.WebhookSecretHeader, Envelope: c.env,
		Log:     c.log, // the handler adds component=webhook; adding it here too wrote the key twice
		Observe: c.observeWebhook, StoreResult: c.storeResult,
	})
	c.ready.Set("webhook", true, "ok", "", map[string]any{"testNotifications": 0})
	policy := plan.Policy{Specials: c.cfg.TVSpecials, EpisodeMode: c.cfg.MPEpisodeMode}
	ao := api.Options{Store: c.store, Worker: c.worker, Notifier: c.notifier, Policy: policy, Envelope: c.env,
		Log: logging.Component(c.log, "api"), Version: version}
	if c.seerr != nil {
		c.poller = reconcile.New(reconcile.Options{
			Seerr: c.seerr, Store: c.store, Filter: string(c.cfg.JellyFilter), PageSize: c.cfg.JellyPageSize,
			Interval: c.cfg.ReconcileInterval, Since: c.cfg.ReconcileSince,
			Log: c.log, // the poller adds component=reconcile
			Report: func(ready bool, status, detail string, last *reconcile.Summary) {
				info := map[string]any{}
				if last != nil {
					info["last"] = last
				}
				if b := c.backlog.backlog(); b != nil {
					info["backlog"] = b
				}
				// A failed pass does not stop webhooks from being stored: ready, problem named.
				st := server.State{Ready: true, Status: status, Detail: c.red.String(detail), Info: info}
				if !ready {
					st.Problem = "last pass failed: " + st.Detail
				}
				c.ready.SetState("reconcile", st)
				c.notifier.Reconcile(!ready, st.Detail)
			},
			OnRun: c.reconcileRun,
		})
		ao.Reconciler = c.poller
		c.ready.Set("reconcile", true, "starting", "first pass running", nil)
	} else {
		c.ready.Set("reconcile", true, "disabled", "JELLY_URL and JELLY_API_KEY are not set", nil)
	}
	c.api = api.New(ao)
	var pageNotifier web.Notifier // untyped nil while notifications are off: the page says so
	if c.notifier.Enabled() {
		pageNotifier = c.notifier
	}
	c.page = web.New(web.Options{
		Token: c.cfg.AdminToken, BasePath: c.cfg.BasePath, Tasks: c.store, Operator: c.api,
		Notifier: pageNotifier, Scrub: c.red.String, Log: logging.Component(c.log, "web"), Version: version,
		Extras: pageExtras{c},
	})
	return nil
}

// offlineMP is MoviePilot in a dry run without MP_URL: nothing to look up, and Create is
// never called in a dry run.
type offlineMP struct{ *moviepilot.Client }

func (offlineMP) Lookup(context.Context, int, *int) (*moviepilot.Subscription, error) {
	return nil, nil
}

func (c *components) workerState(st worker.State) {
	// Readiness means webhooks can be stored: MoviePilot failing (auth, outage, Retry-After)
	// does not stop that, so the worker stays ready and the failing part is named under
	// "moviepilot" (and in the body's "problems"). Only a stopped worker (shutdown) is unready.
	ready := st.Status != worker.StatusStopped
	c.ready.Set("worker", ready, st.Status, c.red.String(st.Reason), nil)
	mp := server.State{Ready: true, Status: "ok"}
	switch {
	case st.Status == worker.StatusPaused:
		mp.Status, mp.Detail = "auth failing", c.red.String(st.Reason)
		mp.Problem = "auth failing since " + st.Since.UTC().Format(time.RFC3339) + ": " + mp.Detail
	case st.Status == worker.StatusUnreachable && st.UnreachableSince != nil:
		mp.Status, mp.Detail = "unreachable", c.red.String(st.Unreachable)
		mp.Problem = "unreachable since " + st.UnreachableSince.UTC().Format(time.RFC3339) + ": " + mp.Detail
	case st.Status == worker.StatusThrottled:
		mp.Status, mp.Detail = "throttled", c.red.String(st.Reason)
		mp.Problem = "asked to wait: " + mp.Detail
	case st.Status == worker.StatusDryRun:
		mp.Status = "dry-run"
	}
	c.ready.SetState("moviepilot", mp)
	c.notifier.MoviePilot(moviePilotState(st))
	if c.metrics != nil {
		c.metrics.WorkerPaused(st.Status == worker.StatusPaused)
		c.metrics.WorkerThrottled(st.Status == worker.StatusThrottled)
		c.metrics.WorkerUnreachable(st.Status == worker.StatusUnreachable)
	}
}

// observeWebhook counts each webhook in the metrics and remembers the test notifications
// the webhook accepted (secret checked): /readyz shows them under components.webhook.info,
// where `setup seerr` sees Seerr's test arrive.
func (c *components) observeWebhook(typ, outcome string, took time.Duration) {
	c.metrics.Webhook(typ, outcome, took)
	if outcome != webhook.OutcomeTest {
		return
	}
	c.testsMu.Lock()
	defer c.testsMu.Unlock()
	c.tests++
	c.lastTest = time.Now().UTC()
	c.ready.Set("webhook", true, "ok", "", map[string]any{"testNotifications": c.tests, "lastTestAt": c.lastTest})
}

// reconcileRun counts a finished pass in the metrics.
func (c *components) reconcileRun(s reconcile.Summary) {
	c.backlog.pass(s)
	var ended time.Time
	if !s.StartedAt.IsZero() {
		ended = s.StartedAt.Add(time.Duration(s.DurationMs) * time.Millisecond)
	}
	c.metrics.ReconcileRun(s.Outcome, s.DryRun, ended)
}

func (c *components) mount(r chi.Router) {
	c.hook.Routes(r)
	r.Method(http.MethodGet, "/metrics", c.metrics.Handler())
	r.Group(func(r chi.Router) {
		r.Use(server.AdminAuth(c.cfg.AdminToken, c.env))
		if c.poller != nil {
			r.Method(http.MethodPost, "/reconcile", c.poller.Handler(c.env))
		} else {
			r.Method(http.MethodPost, "/reconcile", reconcile.DisabledHandler(c.env))
		}
		c.api.Routes(r)
	})
	c.page.Routes(r) // does its own auth: a login form, or the same Bearer token
}

// start runs the background components; the returned channel closes when all have stopped.
func (c *components) start(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := c.worker.Run(ctx); err != nil {
			c.log.Error().Err(err).Msg("worker stopped")
		}
	}()
	if c.notifier.Enabled() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.notifier.Run(ctx)
		}()
	}
	if c.tracker != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.tracker.Run(ctx)
		}()
	}
	if c.poller != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.poller.Run(ctx); err != nil && ctx.Err() == nil {
				c.log.Error().Err(err).Msg("reconcile stopped")
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}
