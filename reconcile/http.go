package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/since"
)

// OffMessage is DisabledHandler's answer.
const OffMessage = "reconcile is off: set JELLY_URL and JELLY_API_KEY"

// Handler serves POST /reconcile. Mount it behind server.AdminAuth; it does no auth itself.
//
// Query parameters (anything else is a 400, so a typo like dryrun=true cannot start a
// real pass):
//
//	wait=true      wait for the pass (at most Options.WaitTimeout) and answer its summary
//	dryRun=true    count what a pass would enqueue/merge; write nothing
//	since=<t>      only requests created or updated at/after t: RFC 3339
//	               ("2025-01-02T03:04:05Z"), a date ("2025-01-02", UTC) or a duration
//	               back from now ("24h")
//
// Booleans take strconv.ParseBool values; a bare "?wait" means true.
//
// Answers ({code, msg, data} envelopes):
//
//	202 code 0     started or joined; data {runId, joined}. Also after wait=true when the
//	               pass outlives WaitTimeout (msg says so).
//	200 code 0     wait=true, pass finished; data is the Summary.
//	502 code 5000  wait=true, the pass failed (Seerr or the task store); data is the
//	               Summary with outcome "error" and error set.
//	503 code 5000  the service is shutting down.
//	400 code 1001  bad query; 405 code 1001 for a method other than POST.
//
// A trigger while a pass runs joins it (see Trigger); data.joined says so, and a dry-run
// trigger joined to a real pass gets a summary with dryRun false.
func (p *Poller) Handler(env envelope.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			env.Error(w, http.StatusMethodNotAllowed, envelope.InvalidParam, "use POST /reconcile")
			return
		}
		opts, wait, err := parseQuery(r.URL.Query(), p.now())
		if err != nil {
			env.Error(w, http.StatusBadRequest, envelope.InvalidParam, err.Error())
			return
		}
		run, joined, err := p.start(opts)
		if err != nil {
			env.Error(w, http.StatusServiceUnavailable, envelope.InternalError, "reconcile is shutting down")
			return
		}
		started := map[string]any{"runId": run.id, "joined": joined}
		verb := "started"
		if joined {
			verb = "joined the running"
		}
		if !wait {
			env.JSON(w, http.StatusAccepted, envelope.OK, fmt.Sprintf("%s reconcile pass %s", verb, run.id), started)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), p.waitTimeout)
		defer cancel()
		select {
		case <-run.done:
		case <-ctx.Done():
			env.JSON(w, http.StatusAccepted, envelope.OK, fmt.Sprintf(
				"reconcile pass %s is still running after %s; see /readyz for its outcome", run.id, p.waitTimeout), started)
			return
		}
		if run.err != nil {
			env.JSON(w, http.StatusBadGateway, envelope.InternalError,
				"reconcile pass "+run.id+" failed: "+shortReason(run.err), run.sum)
			return
		}
		env.JSON(w, http.StatusOK, envelope.OK, "reconcile pass "+run.id+" finished", run.sum)
	})
}

// DisabledHandler answers every request with 503 code 5000 OffMessage, for a service
// without Seerr settings, so that /reconcile exists and says why it does nothing.
func DisabledHandler(env envelope.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		env.Error(w, http.StatusServiceUnavailable, envelope.InternalError, OffMessage)
	})
}

// parseQuery reads wait, dryRun and since.
func parseQuery(q url.Values, now time.Time) (opts PassOptions, wait bool, err error) {
	var unknown []string
	for k, vs := range q {
		switch k {
		case "wait", "dryRun", "since":
			if len(vs) > 1 {
				return opts, false, fmt.Errorf("%s is given %d times", k, len(vs))
			}
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return opts, false, fmt.Errorf("unknown query parameter %q (known: wait, dryRun, since)", unknown[0])
	}
	if wait, err = boolParam(q, "wait"); err != nil {
		return opts, false, err
	}
	if opts.DryRun, err = boolParam(q, "dryRun"); err != nil {
		return opts, false, err
	}
	if q.Has("since") {
		if opts.Since, err = ParseSince(q.Get("since"), now); err != nil {
			return opts, false, errors.New("since=" + err.Error())
		}
	}
	return opts, wait, nil
}

func boolParam(q url.Values, name string) (bool, error) {
	if !q.Has(name) {
		return false, nil
	}
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return true, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

// ParseSince reads a "since" value the one way every caller (POST /reconcile?since=, the MCP
// reconcile tool, `sync once --since`, RECONCILE_SINCE) accepts: RFC 3339, a date (UTC
// midnight), or a positive duration back from now. It is since.Parse (kept here for callers).
func ParseSince(v string, now time.Time) (time.Time, error) { return since.Parse(v, now) }
