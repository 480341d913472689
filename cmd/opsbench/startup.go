package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// startup times exec → first 200 on /readyz, -starts times on an empty DATA_DIR (the
// control) and on one holding -tasks pending tasks. The tasks are sent as webhooks to the
// service itself while the fake MoviePilot is down, so none is delivered.
func (b *bench) startup(ctx context.Context, r *benchkit.Report) {
	// MoviePilot is up for the measured starts and accepts the token, as in production:
	// readiness does not wait for it, but an auth failure would make /readyz answer 503.
	mp, env := benchkit.NewMP(0)
	defer mp.Close()
	empty, err := b.starts(ctx, "startup-empty", env)
	if err != nil {
		r.Fail(err)
		return
	}

	mp.SetDown(true)
	svc, err := b.Start(ctx, "startup", env)
	if err != nil {
		r.Fail(err)
		return
	}
	began := time.Now()
	err = svc.Webhooks(64).SendAll(ctx, b.cfg.tasks, 64, approvals(1))
	filled := time.Since(began)
	if _, _, stopErr := svc.Terminate(15 * time.Second); err == nil {
		err = stopErr
	}
	mp.SetDown(false)
	if err != nil {
		r.Fail(fmt.Errorf("pre-fill: %w", err))
		return
	}
	st, err := os.Stat(filepath.Join(svc.DataDir(), taskdb.FileName))
	if err != nil {
		r.Fail(err)
		return
	}
	benchkit.Logf("startup: %d tasks sent in %s (%.1f MiB); %d starts", b.cfg.tasks, filled.Round(time.Millisecond), mib(st.Size()), b.cfg.starts)

	mpBefore := len(mp.Calls())
	full, err := b.starts(ctx, "startup", env)
	if err != nil {
		r.Fail(err)
		return
	}
	f, e := benchkit.Summarize(full), benchkit.Summarize(empty)
	r.Check(f.P50Ms <= 200 && f.MaxMs <= 200, "exec → /readyz 200 with %d tasks: median %.1f ms, max %.1f ms ≤ 200 ms (%d starts, polled every 2 ms)",
		b.cfg.tasks, f.P50Ms, f.MaxMs, f.N)
	r.Fact("empty DATA_DIR (control)", "median %.1f ms, max %.1f ms", e.P50Ms, e.MaxMs)
	r.Note("DATA_DIR filled with %d webhooks in %s (%.1f MiB, page cache warm); at start the service opens the store and returns leftover running tasks to pending before it listens; the worker then calls MoviePilot at once, which /readyz does not wait for (MoviePilot received %s over the %d starts)",
		b.cfg.tasks, filled.Round(100*time.Millisecond), mib(st.Size()), countOps(mp.Calls()[mpBefore:]), f.N)
}

// starts starts and stops the service -starts times in the scenario name and returns the
// times from exec to /readyz 200.
func (b *bench) starts(ctx context.Context, name string, env map[string]string) ([]time.Duration, error) {
	var ready []time.Duration
	for i := range b.cfg.starts {
		svc, err := b.Start(ctx, name, env)
		if err != nil {
			return nil, fmt.Errorf("%s start %d: %w", name, i+1, err)
		}
		code, took, err := svc.Terminate(15 * time.Second)
		if err != nil || code != 0 {
			return nil, fmt.Errorf("%s start %d: SIGTERM → exit %d (%v)", name, i+1, code, err)
		}
		ready = append(ready, svc.Ready)
		benchkit.Logf("  %s start %d: /readyz 200 after %.1fms; SIGTERM → exit in %.1fms", name, i+1, benchkit.Ms(svc.Ready), benchkit.Ms(took))
	}
	return ready, nil
}
