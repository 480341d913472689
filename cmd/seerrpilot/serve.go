package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/config"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// shutdownBudget bounds the whole ordered shutdown.
const shutdownBudget = 10 * time.Second

// serve runs the service until ctx ends, then shuts down in order: HTTP server (no new
// work in), then the worker and poller (finish or abandon the current call), then the database.
func serve(ctx context.Context, stdout, stderr io.Writer) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	red := redact.New(cfg.Secrets()...)
	root, err := logging.New(stderr, cfg.LogLevel, cfg.LogFormat, red)
	if err != nil {
		return err
	}
	log := logging.Component(root, "main")
	log.Info().Str("version", version).Interface("config", cfg.Summary()).Msg("starting seerrpilot")
	warnings(log, cfg)

	store, err := task.Open(filepath.Join(cfg.DataDir, task.FileName), task.Options{})
	if err != nil {
		return fmt.Errorf("task store: %w", err)
	}
	storeClosed := false
	defer func() {
		if !storeClosed {
			_ = store.Close()
		}
	}()
	if n, err := store.ReclaimRunning(ctx); err != nil {
		return fmt.Errorf("task store: reclaim: %w", err)
	} else if n > 0 {
		log.Warn().Int("tasks", n).Msg("returned tasks left running by the previous process to pending")
	}

	ready := server.NewReadiness(nil)
	env := envelope.Writer{Scrub: red}
	app := &components{cfg: cfg, log: root, store: store, ready: ready, env: env, red: red}
	if err := app.build(); err != nil {
		return err
	}

	handler := server.NewRouter(server.Options{
		Log: logging.Component(root, "http"), Envelope: env, DB: store, Readiness: ready,
		Mount: app.mount,
	})
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

// warnings says at start what the configuration leaves open or off.
func warnings(log zerolog.Logger, cfg *config.Config) {
	if cfg.WebhookSecret == "" {
		log.Warn().Msg("WEBHOOK_SECRET is not set: the webhook endpoint accepts anyone who can reach it; set it and put the same value in Seerr's Authorization Header")
	}
	if !cfg.ReconcileEnabled() {
		log.Warn().Msg("JELLY_URL/JELLY_API_KEY not set: reconcile is off, so a webhook lost while seerrpilot was down is not caught up")
	}
	if cfg.AdminToken == "" {
		log.Warn().Msg("ADMIN_TOKEN is not set: the operator API, /reconcile and /mcp answer 401 until it is")
	}
	if cfg.MPDryRun {
		log.Warn().Msg("MP_DRY_RUN=true: nothing is written to MoviePilot; tasks stay pending")
	}
}

// components wires the feature parts. Each part added by later work registers here.
type components struct {
	cfg   *config.Config
	log   zerolog.Logger
	store *task.Store
	ready *server.Readiness
	env   envelope.Writer
	red   *redact.Redactor
}

func (c *components) build() error { return nil }

func (c *components) mount(r chi.Router) {}

// start runs the background components; the returned channel closes when all have stopped.
func (c *components) start(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		<-ctx.Done()
		close(done)
	}()
	return done
}
