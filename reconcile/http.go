package reconcile

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
)

// OffMessage is DisabledHandler's answer.
const OffMessage = reconcilepass.OffMessage

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
// The answers are reconcilepass.Ask's, the same as the MCP reconcile tool's, plus
// 400 code 1001 for a bad query and 405 code 1001 for a method other than POST.
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
		a := reconcilepass.Ask(r.Context(), p, opts, wait, p.waitTimeout)
		env.JSON(w, a.Status, a.Code, a.Msg, a.Data)
	})
}

// DisabledHandler answers every request with reconcilepass.Off (503 code 5000 OffMessage),
// for a service without Seerr settings, so that /reconcile exists and says why it does nothing.
func DisabledHandler(env envelope.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		a := reconcilepass.Off()
		env.JSON(w, a.Status, a.Code, a.Msg, a.Data)
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
		if opts.Since, err = reconcilepass.ParseSince(q.Get("since"), now); err != nil {
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
