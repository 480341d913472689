package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// mpRate is MP_RATE_LIMIT_PER_SEC in the MoviePilot fault scenarios.
const mpRate = 50

// runMP503: MoviePilot answers 503 to everything for -outage while a backlog waits.
func runMP503(ctx context.Context, h *harness, r *benchkit.Report) {
	mp, env := benchkit.NewMP(mpRate)
	defer mp.Close()
	svc, err := h.start(ctx, "mp503", env)
	if err != nil {
		r.Fail(err)
		return
	}
	defer svc.Kill()

	// One delivery first: the API version is then detected, so every call during the outage
	// is a lookup that names its task.
	warm, _ := movieWebhooks(1, 1)
	if err := h.sendAll(ctx, svc, warm); err != nil {
		r.Fail(err)
		return
	}
	if _, err := drain(ctx, svc, mp, ackedIDs(warm, nil), 30*time.Second); err != nil {
		r.Fail(fmt.Errorf("warm-up: %w", err))
		return
	}

	hooks, _ := movieWebhooks(2, h.cfg.backlog)
	mp.SetDown(true)
	downAt := time.Now()
	if err := h.sendAll(ctx, svc, hooks); err != nil {
		mp.SetDown(false)
		r.Fail(err)
		return
	}
	if !clock.Sleep(ctx, h.cfg.outage-time.Since(downAt)) {
		r.Fail(context.Cause(ctx))
		return
	}
	rzOut, rzErr := svc.readyz(ctx)
	mp.SetDown(false)
	upAt := time.Now()
	outage := upAt.Sub(downAt)

	probes := probesWithin(outage)
	budget := longestProbeWait() + drainBudget(len(hooks), mpRate)
	took, err := drain(ctx, svc, mp, ackedIDs(hooks, nil), budget)
	if err != nil {
		r.Fail(err)
	}

	during := callsIn(mp.Calls(), downAt, upAt)
	bound := 1 + probes // the call that ran into the outage, then one probe per interval
	rateBound := int(outage.Seconds()*mpRate) + 1
	most, mostID := mostCallsForOneTask(during)
	r.Fact("setup", "%d webhooks sent while MoviePilot answers 503 to everything; MP_RATE_LIMIT_PER_SEC=%d", len(hooks), mpRate)
	r.Fact("outage", "%s", outage.Round(100*time.Millisecond))
	r.Fact("schedule", "the worker probes an unreachable MoviePilot after %s doubling to %s, ±20%% jitter; no other call", probeBase, probeMax)
	r.Fact("calls during outage", "%d (%d answered 503), %d of them for one task (tmdb %d: the one that ran into the outage, then its probes)",
		len(during), mptest.CountStatus(during, http.StatusServiceUnavailable), most, mostID)
	r.Fact("bound", "%d = 1 failing call + %d probes in %s (rate limit alone would allow %d)",
		bound, probes, outage.Round(time.Second), rateBound)
	r.Fact("/readyz at the outage's end", "%s%s", rzOut, errSuffix(rzErr))
	r.Fact("recovery", "all delivered %s after MoviePilot came back (the next probe is at most %s away, then the drain)",
		took.Round(100*time.Millisecond), longestProbeWait().Round(time.Second))
	r.Check(len(during) <= bound, "calls during the outage within the probe bound (%d ≤ %d)", len(during), bound)
	r.Check(most == len(during), "every call during the outage was for the one task that ran into it (%d of %d)", most, len(during))
	checkDelivery(r, judge(append(warm, hooks...), nil, subsByTMDB(mp)))
	checkIdle(ctx, r, svc)
	svc.StopClean(r)
}

// runMP429: a few MoviePilot calls are answered 429 with Retry-After while a backlog drains.
func runMP429(ctx context.Context, h *harness, r *benchkit.Report) {
	const (
		throttled  = 3
		retryAfter = 2 * time.Second
	)
	mp, env := benchkit.NewMP(mpRate)
	defer mp.Close()
	svc, err := h.start(ctx, "mp429", env)
	if err != nil {
		r.Fail(err)
		return
	}
	defer svc.Kill()
	hooks, _ := movieWebhooks(1, h.cfg.backlog)
	if err := h.sendAll(ctx, svc, hooks); err != nil {
		r.Fail(err)
		return
	}
	if err := waitCreates(ctx, mp, len(hooks)/4); err != nil {
		r.Fail(err)
		return
	}
	mp.RateLimitNext(throttled, retryAfter)
	// Each throttled task goes again at its Retry-After, and the hold after each 429 delays
	// the whole queue by Retry-After.
	budget := (throttled+1)*retryAfter + drainBudget(len(hooks), mpRate)
	sampled := sampleReadyz(ctx, svc, 100*time.Millisecond)
	if _, err := drain(ctx, svc, mp, ackedIDs(hooks, nil), budget); err != nil {
		r.Fail(err)
	}
	rz := sampled()

	calls := mp.Calls()
	hold := min(retryAfter, holdMax)
	r.Fact("setup", "%d webhooks; once a quarter were created, the next %d MoviePilot calls answer 429 Retry-After: %s; MP_RATE_LIMIT_PER_SEC=%d",
		len(hooks), throttled, retryAfter, mpRate)
	r.Fact("expected", "after each 429 no MoviePilot call for %s (Retry-After, capped at %s); the throttled task waits ≥ %s and spends no attempt",
		hold, holdMax, retryAfter)
	r.Row("429 #", "op", "tmdb", "gap to the next call", "to the same task's next call")
	minAny, minSame := time.Duration(-1), time.Duration(-1)
	n := 0
	for i, c := range calls {
		if c.Status != http.StatusTooManyRequests {
			continue
		}
		n++
		task := taskOf(calls, i)
		gapAny := gapAfter(calls, i, func(int) bool { return true })
		gapSame := gapAfter(calls, i, func(j int) bool { return taskOf(calls, j) == task })
		minAny, minSame = minGap(minAny, gapAny), minGap(minSame, gapSame)
		r.Row(n, c.Op, task, fmtGap(gapAny), fmtGap(gapSame))
	}
	r.Check(n == throttled, "MoviePilot answered 429 %d times (injected %d)", n, throttled)
	r.Check(minAny >= hold, "no MoviePilot call before Retry-After elapsed, server-wide (shortest gap after a 429 to any call: %s, Retry-After %s)", fmtGap(minAny), retryAfter)
	r.Check(minSame >= retryAfter, "the throttled task waits at least Retry-After (shortest: %s)", fmtGap(minSame))
	ids := svc.logField("task_id", "rate-limited this call (429)")
	spent, seen := throttledAttempts(ctx, svc, ids)
	// A delivered task counts the one attempt that delivered it; a 429 adds none.
	r.Check(len(ids) == throttled && spent == len(ids) && seen == len(ids),
		"no attempt spent on a 429 (%d throttled tasks in the log, %d with a \"throttled\" history entry, attempts: %d, one per delivered task)", len(ids), seen, spent)
	r.Fact("/readyz during the drain", "%d samples: %d ready, %d with the worker throttled (%s)", rz.samples, rz.ready, rz.throttled, trunc.Mark(rz.detail(), 90))
	r.Check(rz.samples > 0 && rz.ready == rz.samples && rz.throttled > 0,
		"/readyz stays ready while the worker holds for Retry-After (%d of %d samples ready, %d throttled)", rz.ready, rz.samples, rz.throttled)
	checkDelivery(r, judge(hooks, nil, subsByTMDB(mp)))
	checkIdle(ctx, r, svc)
	svc.StopClean(r)
}

// throttledAttempts reads each task by id: the attempts they spent in all, and how many have a
// "throttled" history entry (or, for a 429 on the owner update, say the owner was not set).
func throttledAttempts(ctx context.Context, svc *service, ids []string) (spent, seen int) {
	type taskView struct {
		Attempts int `json:"attempts"`
		History  []struct {
			Outcome string `json:"outcome"`
			Summary string `json:"summary"`
		} `json:"history"`
	}
	for _, id := range ids {
		var t taskView
		if err := svc.Call(ctx, http.MethodGet, "/api/v1/tasks/"+id, 10*time.Second, &t); err != nil {
			spent++ // unreadable counts against the check
			continue
		}
		spent += t.Attempts
		for _, h := range t.History {
			// A 429 on a call that failed the attempt: "throttled". A 429 on the owner
			// update after the create: the delivery stands and says the owner was not set.
			if h.Outcome == "throttled" || strings.Contains(h.Summary, "owner not set") {
				seen++
				break
			}
		}
	}
	return spent, seen
}

// readyzSamples is what sampleReadyz saw.
type readyzSamples struct {
	samples, ready, throttled int
	throttledDetail           string // the worker's detail while throttled
	notReady                  string // the first answer that was not ready
}

func (z readyzSamples) detail() string {
	if z.notReady != "" {
		return z.notReady
	}
	return z.throttledDetail
}

// sampleReadyz polls /readyz every interval until the returned function is called, which
// stops it and returns the tally.
func sampleReadyz(ctx context.Context, svc *service, interval time.Duration) func() readyzSamples {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan readyzSamples, 1)
	go func() {
		var out readyzSamples
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				done <- out
				return
			case <-t.C:
			}
			rz, err := svc.readyz(ctx)
			if ctx.Err() != nil {
				continue // the answer was cut short by the stop, not by the service
			}
			out.samples++
			if err == nil && rz.Code == http.StatusOK {
				out.ready++
			} else if out.notReady == "" {
				out.notReady = fmt.Sprintf("not ready: %s%s", rz, errSuffix(err))
			}
			if w, ok := rz.Components["worker"]; ok && w.Status == "throttled" {
				out.throttled++
				out.throttledDetail = w.Detail
			}
		}
	}()
	return func() readyzSamples {
		cancel()
		return <-done
	}
}

// callsIn are the calls that arrived in [from, to).
func callsIn(calls []mptest.Call, from, to time.Time) []mptest.Call {
	var out []mptest.Call
	for _, c := range calls {
		if !c.Time.Before(from) && c.Time.Before(to) {
			out = append(out, c)
		}
	}
	return out
}

// lookupTMDB is the TMDB id a lookup call names (v2 path /api/v1/subscribe/media/tmdb:N).
func lookupTMDB(c mptest.Call) (int, bool) {
	if c.Op != "lookup" {
		return 0, false
	}
	id, err := strconv.Atoi(strings.TrimPrefix(c.Path, "/api/v1/subscribe/media/tmdb:"))
	return id, err == nil
}

// taskOf is the TMDB id of the task behind calls[i]: a lookup names it; a create belongs to
// the lookup before it (the worker is the only caller and looks up before creating). 0 when
// it cannot tell.
func taskOf(calls []mptest.Call, i int) int {
	for j := i; j >= 0; j-- {
		if id, ok := lookupTMDB(calls[j]); ok {
			return id
		}
		if calls[j].Op == "login" || (j == i && calls[j].Op == "create") {
			continue
		}
		return 0
	}
	return 0
}

// mostCallsForOneTask is the largest number of lookups for one TMDB id, and that id.
func mostCallsForOneTask(calls []mptest.Call) (int, int) {
	per := map[int]int{}
	most, mostID := 0, 0
	for _, c := range calls {
		if id, ok := lookupTMDB(c); ok {
			per[id]++
			if per[id] > most {
				most, mostID = per[id], id
			}
		}
	}
	return most, mostID
}

// gapAfter is the time from calls[i] to the first later call (not a login) that match
// accepts, -1 if none.
func gapAfter(calls []mptest.Call, i int, match func(j int) bool) time.Duration {
	for j := i + 1; j < len(calls); j++ {
		if calls[j].Op != "login" && match(j) {
			return calls[j].Time.Sub(calls[i].Time)
		}
	}
	return -1
}

func minGap(cur, gap time.Duration) time.Duration {
	if gap < 0 {
		return cur
	}
	if cur < 0 || gap < cur {
		return gap
	}
	return cur
}

func fmtGap(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}
