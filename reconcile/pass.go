package reconcile

import (
	"context"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// StoreError is a task-store failure that aborted a pass.
type StoreError struct {
	Op  string // "has" (the lookup) or "enqueue"
	Key string
	Err error
}

// Error implements error.
func (e *StoreError) Error() string {
	return "task store " + e.Op + " " + e.Key + ": " + e.Err.Error()
}

// Unwrap returns the store's error.
func (e *StoreError) Unwrap() error { return e.Err }

// passState is one pass's options and counters. Walk calls consider on one goroutine, which
// enqueues in order: a pass writes only what changed (most passes write nothing).
type passState struct {
	ctx  context.Context
	opts PassOptions
	sum  Summary

	// seen holds the request ids considered in this pass (walk goroutine only): a request
	// that moves between the approved and the failed list mid-pass is considered once.
	seen map[int]struct{}

	// baseline is the RECONCILE_SINCE baseline when taken (opts.Floor): a request from
	// before Since is skipped only if it is in it. Nil: skip by date alone.
	baseline map[int]struct{}
	// record collects the ids skipped by date when this pass is to take the baseline (nil:
	// it is not): a real pass under the floor before the baseline was taken.
	record []int
}

// filterIncludesFailed reports whether a list filter's request-status set holds FAILED:
// none or "all" (every status) and "failed".
func filterIncludesFailed(f string) bool {
	return f == "" || f == seerr.FilterAll || f == seerr.FilterFailed
}

// pass does the work of one run: read the version, walk the list, enqueue what is missing.
func (p *Poller) pass(ctx context.Context, id string, opts PassOptions) (Summary, error) {
	began := time.Now()
	ps := &passState{ctx: ctx, opts: opts, seen: map[int]struct{}{},
		sum: Summary{RunID: id, StartedAt: p.now().UTC(), DryRun: opts.DryRun, Outcome: OutcomeOK}}
	if !opts.Since.IsZero() {
		s := opts.Since.UTC()
		ps.sum.Since = &s
	}
	fail := func(err error) (Summary, error) {
		ps.sum.DurationMs = time.Since(began).Milliseconds()
		ps.sum.Outcome, ps.sum.Error = OutcomeError, err.Error()
		return ps.sum, err
	}

	recording, err := p.loadBaseline(ps)
	if err != nil {
		return fail(err)
	}
	st, err := p.seerr.Status(ctx)
	if err != nil {
		return fail(err)
	}
	feats := seerr.FeaturesFor(st.Version)
	ps.sum.ServerVersion = st.Version
	ps.sum.Filter = p.effectiveFilter(feats, st.Version)

	// FAILED requests (Seerr could not hand them to its Radarr/Sonarr; the approval stands)
	// are not in filter=approved: RS={APPROVED} there (server/routes/request.ts). A second
	// walk reads them unless the filter already includes them.
	filters := []string{ps.sum.Filter}
	if !filterIncludesFailed(ps.sum.Filter) && feats.HasFilter(seerr.FilterFailed) {
		filters = append(filters, seerr.FilterFailed)
		ps.sum.AlsoFilter = seerr.FilterFailed
	}
	totalBefore := 0 // pageInfo.results of the walks already done
	for _, f := range filters {
		var ws seerr.WalkStats
		wo := seerr.WalkOptions{Filter: f, Take: p.pageSize, Features: feats}
		total := totalBefore
		if opts.Progress != nil {
			wo.OnPage = func(listTotal int) { total = totalBefore + listTotal }
		}
		ws, err = p.seerr.Walk(ctx, wo, func(r seerr.Request) error {
			err := p.consider(ps, r)
			if opts.Progress != nil {
				opts.Progress(len(ps.seen), max(total, len(ps.seen)))
			}
			return err
		})
		totalBefore = total
		ps.sum.Pages += ws.Pages
		ps.sum.Rereads += ws.Rereads
		ps.sum.SortDropped = ps.sum.SortDropped || ws.SortDropped
		if err != nil {
			break
		}
	}
	ps.sum.Seen = len(ps.seen)
	if err != nil {
		return fail(err)
	}
	// Only now, the pass complete: a partial baseline would let the rest of the backlog through.
	if recording {
		if err := p.store.TakeBaseline(ctx, p.since, ps.record); err != nil {
			return fail(&StoreError{Op: "baseline", Key: p.since.UTC().Format(time.RFC3339), Err: err})
		}
		p.log.Info().Int("skipped", len(ps.record)).Time("since", p.since).
			Msg("reconcile: took the RECONCILE_SINCE baseline; these approved requests from before it stay skipped, older ones approved from now on are delivered")
	}
	ps.sum.DurationMs = time.Since(began).Milliseconds()
	return ps.sum, nil
}

// loadBaseline reads the RECONCILE_SINCE baseline for a pass under the floor and reports
// whether this pass is to take it: a real pass whose Since is the floor itself (a queued pass
// widened to an earlier explicit since skips less, so it does not record).
func (p *Poller) loadBaseline(ps *passState) (recording bool, err error) {
	if !ps.opts.Floor || p.since.IsZero() {
		return false, nil
	}
	// Once taken, it stays when the floor moves (RECONCILE_SINCE=720h counts back from each
	// start): taking it again would record requests approved while seerrpilot was down.
	ids, _, taken, err := p.store.Baseline(ps.ctx)
	if err != nil {
		return false, &StoreError{Op: "baseline", Key: p.since.UTC().Format(time.RFC3339), Err: err}
	}
	if taken {
		ps.baseline = ids
		return false, nil
	}
	recording = !ps.opts.DryRun && ps.opts.Since.Equal(p.since)
	if recording {
		ps.record = []int{}
	}
	return recording, nil
}

// effectiveFilter is the filter to send: Options.Filter, or "approved" when this server
// version would reject it with a 400 (logged once per version).
func (p *Poller) effectiveFilter(f seerr.Features, version string) string {
	if p.filter == "" || f.HasFilter(p.filter) {
		return p.filter
	}
	p.mu.Lock()
	warn := p.warnedFor != version
	p.warnedFor = version
	p.mu.Unlock()
	if warn {
		p.log.Warn().Str("filter", p.filter).Str("version", version).
			Msg(`JELLY_FILTER is not known to this Seerr version; sending "approved" instead (the local filter still decides)`)
	}
	return seerr.FilterApproved
}

// consider applies the local rules to one request and, when the store lacks it (or some of
// its seasons, or Seerr approved it again), enqueues it. A store failure is returned so the
// walk stops; the pass then fails.
func (p *Poller) consider(ps *passState, r seerr.Request) error {
	if _, dup := ps.seen[r.ID]; dup {
		return nil
	}
	ps.seen[r.ID] = struct{}{}
	if ok, why := seerr.Deliverable(r); !ok {
		ps.sum.Skipped++
		p.log.Trace().Int("request_id", r.ID).Str("why", why).Msg("reconcile: not deliverable")
		return nil
	}
	if since := ps.opts.Since; !since.IsZero() && r.CreatedAt.Before(since) && r.UpdatedAt.Before(since) {
		// Seerr >= 2.6 never moves updatedAt, so an old request approved after the
		// baseline was taken is told apart by its id.
		if _, backlog := ps.baseline[r.ID]; backlog || ps.baseline == nil {
			ps.sum.Skipped++
			if ps.record != nil {
				ps.record = append(ps.record, r.ID)
			}
			return nil
		}
		p.log.Debug().Int("request_id", r.ID).Msg("reconcile: request from before RECONCILE_SINCE, not in its baseline: considered")
	}
	in := plan.Input(r)
	if err := in.Validate(); err != nil {
		ps.sum.Skipped++
		ps.sum.Invalid++
		p.log.Debug().Int("request_id", r.ID).Err(err).Msg("reconcile: request skipped, unusable input")
		return nil
	}
	ps.sum.Approved++

	key := in.Key()
	// The store decides (task.Reopens): new, new seasons, or approved again after a cancel.
	want, err := p.store.Wants(ps.ctx, task.SourceReconcile, in)
	if err != nil {
		return &StoreError{Op: "has", Key: key, Err: err}
	}
	if !want {
		ps.sum.Unchanged++
		return nil
	}
	if ps.opts.DryRun {
		known, _, err := p.store.Has(ps.ctx, key)
		if err != nil {
			return &StoreError{Op: "has", Key: key, Err: err}
		}
		if known {
			ps.sum.Merged++
		} else {
			ps.sum.Enqueued++
		}
		return nil
	}
	return p.enqueue(ps, r.ID, key, in)
}

// enqueue stores one input and counts the outcome.
func (p *Poller) enqueue(ps *passState, requestID int, key string, in task.Input) error {
	res, err := p.store.Enqueue(ps.ctx, task.SourceReconcile, in)
	switch {
	case err != nil:
		return &StoreError{Op: "enqueue", Key: key, Err: err}
	case res.Created:
		ps.sum.Enqueued++
		p.log.Debug().Int("request_id", requestID).Str("task_id", res.Task.ID).Msg("reconcile: enqueued")
	case res.Reopened:
		ps.sum.Reopened++
		p.log.Info().Int("request_id", requestID).Str("task_id", res.Task.ID).Msg("reconcile: approved again in Seerr; task re-opened")
	case res.Changed:
		ps.sum.Merged++
		p.log.Debug().Int("request_id", requestID).Str("task_id", res.Task.ID).Msg("reconcile: merged new seasons")
	default:
		// A webhook stored it between Wants and Enqueue.
		ps.sum.Unchanged++
	}
	return nil
}
