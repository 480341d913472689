package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
	"github.com/seerrpilot/seerrpilot/reconcile"
)

// syncOnce runs one reconcile pass, then tries every due task once, prints a summary and
// returns errCheckFailed if any task failed. With --dry-run it works on a throw-away copy of
// the database and MP_DRY_RUN, so nothing changes anywhere; it prints each payload instead.
func syncOnce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sync once", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sinceArg := fs.String("since", "", "only requests created or updated since then (RFC 3339, YYYY-MM-DD, or a duration such as 24h)")
	dryRun := fs.Bool("dry-run", false, "print each MoviePilot payload and change nothing anywhere")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &helpRequest{cmd: "sync once", fs: fs}
		}
		return &usageError{fmt.Sprintf("sync once: %v", err)}
	}
	if fs.NArg() > 0 {
		return &usageError{"sync once takes no arguments"}
	}
	var since time.Time
	if *sinceArg != "" {
		t, err := reconcilepass.ParseSince(*sinceArg, time.Now())
		if err != nil {
			return &usageError{"--since " + err.Error()}
		}
		since = t
	}
	if *dryRun {
		// Config validation relaxes MP_URL in a dry run, like MP_DRY_RUN=true.
		_ = os.Setenv("MP_DRY_RUN", "true")
	}
	cfg, red, root, err := setup(stderr)
	if err != nil {
		return err
	}
	path := filepath.Join(cfg.DataDir, taskdb.FileName)
	if *dryRun {
		path, err = scratchCopy(path)
		if err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(path))
	}
	store, err := taskdb.Open(path, taskdb.Options{})
	if err != nil {
		return fmt.Errorf("task store: %w", err)
	}
	defer store.Close()
	if _, err := store.ReclaimRunning(ctx); err != nil {
		return err
	}

	c := &components{cfg: cfg, log: root, store: store, ready: server.NewReadiness(nil), env: envelope.Writer{Scrub: red}, red: red}
	if *dryRun {
		c.onDryRun = func(t *task.Task, item string, payload []byte) {
			fmt.Fprintf(stdout, "would send %s %s (request %d): %s\n", t.ID, item, t.Input.RequestID, red.String(string(payload)))
		}
	}
	// Progress goes to stderr (beside the logs), the summary to stdout.
	prog := newProgress(stderr, isTerminal(stderr), time.Now)
	tried := 0
	c.onOutcome = func(string) {
		tried++
		prog.update(tried, 0)
	}
	if err := c.build(); err != nil {
		return err
	}
	if c.poller != nil {
		prog.begin("reconcile", "requests", 0)
		sum, err := c.poller.Pass(ctx, reconcile.PassOptions{Since: since, Progress: prog.update})
		prog.end()
		fmt.Fprintf(stdout, "reconcile: %d pages, %d requests seen, %d approved, %d new, %d merged, %d skipped (%d ms)\n",
			sum.Pages, sum.Seen, sum.Approved, sum.Enqueued, sum.Merged, sum.Skipped, sum.DurationMs)
		switch {
		case sum.Since != nil && *sinceArg != "":
			fmt.Fprintf(stdout, "reconcile: requests created and last updated before %s were skipped (--since)\n",
				sum.Since.Format(time.RFC3339))
		case sum.Since != nil:
			fmt.Fprintf(stdout, "reconcile: the approved backlog from before %s, as recorded at the first pass, was skipped (RECONCILE_SINCE)\n",
				sum.Since.Format(time.RFC3339))
		}
		if err != nil {
			fmt.Fprintln(stdout, "reconcile failed:", red.Error(err))
		}
	} else {
		fmt.Fprintln(stdout, "reconcile: off (JELLY_URL and JELLY_API_KEY not set); delivering what is queued")
	}
	due := 0
	if st, err := store.Stats(ctx); err == nil {
		due = st.ByStatus[task.StatusPending] // at most this many are due now
	}
	prog.begin("delivery", "tasks", due)
	rep, err := c.worker.Drain(ctx)
	prog.update(rep.Processed, rep.Processed) // what is left is not due now
	prog.end()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	switch st := c.worker.State(); st.Status {
	case worker.StatusPaused:
		fmt.Fprintln(stdout, "worker paused:", st.Reason)
	case worker.StatusThrottled, worker.StatusUnreachable:
		fmt.Fprintln(stdout, "worker stopped early:", st.Reason+"; the rest waits for the next run")
	}
	counts := map[task.Status]int{}
	var failed []task.Task
	for _, t := range rep.Tasks {
		counts[t.Status]++
		if t.Status == task.StatusFailed {
			failed = append(failed, t)
		}
	}
	fmt.Fprintf(stdout, "delivery: %d tasks tried: %d success, %d pending (retry later), %d failed, %d cancelled\n",
		rep.Processed, counts[task.StatusSuccess], counts[task.StatusPending], counts[task.StatusFailed], counts[task.StatusCancelled])
	if len(failed) > 0 {
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TASK\tREQUEST\tTMDB\tTYPE\tERROR")
		for _, t := range failed {
			msg := strings.ReplaceAll(red.String(t.LastError), "\n", " ")
			if len(msg) > 120 {
				msg = msg[:117] + "..."
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", t.ID, t.Input.RequestID, t.Input.TMDBID, t.Type, msg)
		}
		_ = tw.Flush()
		return errCheckFailed
	}
	if *dryRun {
		fmt.Fprintln(stdout, "dry run: nothing was written to MoviePilot or to", filepath.Join(cfg.DataDir, taskdb.FileName))
	}
	return nil
}

// scratchCopy copies the task database (if any) into a new temp dir, for a dry run.
func scratchCopy(path string) (string, error) {
	dir, err := os.MkdirTemp("", "seerrpilot-dryrun")
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, taskdb.FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return dst, nil
	}
	src, err := taskdb.Open(path, taskdb.Options{})
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("task store: %w", err)
	}
	defer src.Close()
	f, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	if _, err := src.Backup(f); err != nil {
		f.Close()
		return "", err
	}
	return dst, f.Close()
}
