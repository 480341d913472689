package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// startupTimeout bounds one start → ready.
const startupTimeout = 15 * time.Second

// startup times exec → first 200 on /readyz and /healthz over a DATA_DIR holding -tasks
// pending tasks, -starts times.
func (b *bench) startup(ctx context.Context) error {
	// MoviePilot is up and accepts the token, as in production: readiness does not wait for
	// it, but an auth failure would pause the worker and make /readyz answer 503.
	mp := newFakeMP()
	defer mp.Close()

	// The control: the same starts on an empty DATA_DIR show what the tasks add.
	emptyDir, err := b.scenarioDir("startup-empty")
	if err != nil {
		return err
	}
	_, emptyReady, err := b.starts(ctx, "empty", baseEnv(emptyDir, mp.URL(), 0))
	if err != nil {
		return err
	}

	dataDir, err := b.scenarioDir("startup")
	if err != nil {
		return err
	}
	filled, err := prefill(ctx, dataDir, b.cfg.tasks, b.logf)
	if err != nil {
		return fmt.Errorf("pre-fill: %w", err)
	}
	st, err := os.Stat(filepath.Join(dataDir, task.FileName))
	if err != nil {
		return err
	}
	b.logf("startup: %d pending tasks written in %s (%.1f MiB); %d starts", b.cfg.tasks, filled.Round(time.Millisecond), mib(st.Size()), b.cfg.starts)

	mpBefore := len(mp.Calls())
	health, ready, err := b.starts(ctx, fmt.Sprintf("%d tasks", b.cfg.tasks), baseEnv(dataDir, mp.URL(), 0))
	if err != nil {
		return err
	}
	scen := fmt.Sprintf("5 start, %d tasks", b.cfg.tasks)
	r, h := benchkit.Summarize(ready), benchkit.Summarize(health)
	b.add(
		fig(scen, "exec → /readyz 200, median", r.P50Ms, "ms").atMost(200).note("%d starts, polled every 2ms", len(ready)),
		fig(scen, "exec → /readyz 200, max", r.MaxMs, "ms").atMost(200),
		fig(scen, "exec → /healthz 200, median", h.P50Ms, "ms"),
		fig(scen, "exec → /healthz 200, max", h.MaxMs, "ms"),
		fig(scen, "exec → /readyz 200, empty DATA_DIR, median", benchkit.Summarize(emptyReady).P50Ms, "ms").note("control: same starts, no tasks"),
	)
	b.notef("startup: DATA_DIR pre-filled with %d pending, due tasks through pkg/task in %s (%.1f MiB, page cache warm: the file was just written); fake MoviePilot up. At start the service opens the store and returns leftover running tasks to pending before it listens; the worker then claims the oldest due task and calls MoviePilot at once, which /readyz does not wait for (MoviePilot received %s over the %d runs)",
		b.cfg.tasks, filled.Round(100*time.Millisecond), mib(st.Size()), countOps(mp.Calls()[mpBefore:]), len(ready))
	return nil
}

// starts runs -starts starts with env and returns the times to /healthz and /readyz 200.
func (b *bench) starts(ctx context.Context, label string, env map[string]string) (health, ready []time.Duration, err error) {
	for i := range b.cfg.starts {
		run := fmt.Sprintf("start %d (%s)", i+1, label)
		h, r, stopped, err := b.oneStart(ctx, env, run)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", run, err)
		}
		health, ready = append(health, h), append(ready, r)
		b.logf("  %s: /healthz 200 after %.1fms, /readyz 200 after %.1fms; SIGTERM → exit %.1fms", run, benchkit.Ms(h), benchkit.Ms(r), benchkit.Ms(stopped))
	}
	return health, ready, nil
}

// oneStart launches the service, polls until both health endpoints answered 200, and stops it.
func (b *bench) oneStart(ctx context.Context, env map[string]string, label string) (health, ready, stopped time.Duration, err error) {
	svc, err := proc.Start(proc.Options{Bin: b.bin, Env: env})
	if err != nil {
		return 0, 0, 0, err
	}
	defer svc.Kill()
	if health, ready, err = pollStart(ctx, svc, 2*time.Millisecond); err != nil {
		return 0, 0, 0, err
	}
	stopped, err = svc.Stop(15 * time.Second)
	b.noteLog(label, svc)
	return health, ready, stopped, err
}

// pollStart polls /healthz and /readyz every interval and returns the time from exec to the
// first 200 of each.
func pollStart(ctx context.Context, svc *service, every time.Duration) (health, ready time.Duration, err error) {
	last := ""
	for health == 0 || ready == 0 {
		if health == 0 {
			if code, _ := svc.Get(ctx, "/healthz"); code == http.StatusOK {
				health = time.Since(svc.Started)
			}
		}
		if ready == 0 {
			code, body := svc.Get(ctx, "/readyz")
			if code == http.StatusOK {
				ready = time.Since(svc.Started)
			}
			last = fmt.Sprintf("%d %s", code, body)
		}
		if time.Since(svc.Started) > startupTimeout {
			return 0, 0, fmt.Errorf("not healthy and ready within %s (last /readyz: %s); output:\n%s", startupTimeout, last, svc.LogTail(40))
		}
		select {
		case <-svc.Done():
			return 0, 0, fmt.Errorf("seerrpilot exited (%v); log:\n%s", svc.Err(), svc.LogTail(40))
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(every):
		}
	}
	return health, ready, nil
}

// prefill stores n pending movie tasks in dir's task store, from parallel goroutines (the
// store batches concurrent enqueues into one commit), and returns how long it took.
func prefill(ctx context.Context, dir string, n int, logf func(string, ...any)) (time.Duration, error) {
	start := time.Now()
	store, err := task.Open(filepath.Join(dir, task.FileName), task.Options{})
	if err != nil {
		return 0, err
	}
	var next, done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)); i <= n && ctx.Err() == nil; i = int(next.Add(1)) {
				in := task.Input{RequestID: i, TMDBID: 500000 + i, MediaType: task.TypeMovie, Title: movieTitle, Year: movieYear, RequestedBy: "alice"}
				if _, err := store.Enqueue(ctx, task.SourceWebhook, in); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		}()
	}
	stopProgress := progress(func() { logf("  pre-fill: %d / %d tasks, %s", done.Load(), n, time.Since(start).Round(time.Second)) })
	wg.Wait()
	stopProgress()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr == nil {
		firstErr = checkCount(ctx, store, n)
	}
	return time.Since(start), errors.Join(firstErr, store.Close())
}

func checkCount(ctx context.Context, store *task.Store, n int) error {
	st, err := store.Stats(ctx)
	if err != nil {
		return err
	}
	if got := st.ByStatus[task.StatusPending]; got != n || st.Total != n {
		return fmt.Errorf("store holds %d tasks, %d pending, want %d", st.Total, got, n)
	}
	return nil
}

// progress calls report every 10 s until the returned stop is called.
func progress(report func()) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				report()
			}
		}
	}()
	return func() { close(quit); <-done }
}
