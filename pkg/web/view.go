package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// dashboardView is everything the status page shows.
type dashboardView struct {
	common
	Flash   *flashView
	Notices []string
	// Unavailable: the store could not be read; the page says so instead of showing numbers.
	Unavailable bool

	Counts    []countView
	Tracked   []countView  // delivered subscriptions by tracking state; empty: not tracked yet
	Backlog   *backlogView // the first start's banner, while its requests are delivered
	Worker    *workerView
	Reconcile reconcileView
	NotifyOn  bool

	State  string // the state filter ("" = all)
	Search string
	Size   int
	Back   string // the list's query, for the forms' way back
	Rows   []row
	Shown  string
	More   string // link to a bigger page; empty when everything is shown
}

type countView struct {
	State  string
	Label  string
	N      int
	Href   string
	Active bool
}

type workerView struct {
	Status string // running, paused, throttled, unreachable, dry-run, stopped
	Label  string
	Reason string
	Since  string
	SinceT string // absolute, for the tooltip
	Until  string
}

type reconcileView struct {
	Enabled bool
	Last    *lastPass
}

type lastPass struct {
	RunID    string
	When     string
	WhenT    string
	OK       bool
	Duration string
	Counts   string
	Error    string
	DryRun   bool
}

// row is one request on the page.
type row struct {
	ID         string
	Title      string
	Year       string
	Type       string
	Requester  string
	Seasons    string
	Is4K       bool
	Source     string
	State      string
	StateLabel string
	Why        []string
	Next       string
	// MP lists the MoviePilot side of the request, one entry per planned subscription, with
	// where it stands in MoviePilot once tracked.
	MP        []mpItem
	Updated   string
	UpdatedT  string
	CanRetry  bool
	CanCancel bool
}

// mpItem is one planned MoviePilot subscription of a request.
type mpItem struct {
	Label string // "movie" (in the page's language) or "S1"
	State string // the item's state (pending, subscribed, existing, skipped, failed)
	ID    int    // MoviePilot's subscription id; 0 while there is none
	// Track is the tracking in plain words ("subscribed · 3 of 10 episodes missing",
	// "downloaded", "removed in MoviePilot"); TrackState its state; Stalled the flag
	// ("stalled since 2026-11-15"), StalledT its time. Empty until tracked.
	Track, TrackState, Stalled, StalledT string
}

// dashboard builds the page. The status is 400 when the query had to be corrected.
func (h *Handler) dashboard(r *http.Request, c common) (*dashboardView, int) {
	now := h.o.Now()
	v := &dashboardView{common: c, Size: defaultLimit, NotifyOn: h.o.Notifier != nil}
	status := http.StatusOK
	q := r.URL.Query()

	if s := q.Get("state"); s != "" {
		if task.Status(s).Valid() {
			v.State = s
		} else {
			v.Notices = append(v.Notices, c.T("bad.state", cut(s, 32)))
			status = http.StatusBadRequest
		}
	}
	if s := strings.TrimSpace(q.Get("q")); s != "" {
		if cs := cut(s, maxSearch); cs != s {
			v.Notices = append(v.Notices, c.T("bad.search", maxSearch))
			s = cs
		}
		v.Search = s
	}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && validSize(n) {
		v.Size = n
	}
	v.Back = listQuery(url.Values{"state": {v.State}, "q": {v.Search}, "n": {strconv.Itoa(v.Size)}}).Encode()

	ctx := r.Context()
	res := h.o.Operator.Stats(ctx)
	st, ok := res.Data.(api.Stats)
	if !res.OK() || !ok {
		v.Unavailable = true
		return v, http.StatusServiceUnavailable
	}
	h.counts(v, st)
	h.extras(v, st.ByStatus[task.StatusPending]+st.ByStatus[task.StatusRunning])
	v.Worker = h.worker(c.Lang, st, now)
	v.Reconcile = h.reconcileView(c.Lang, st.Reconcile, now)

	limit := v.Size
	if v.Search != "" {
		limit = searchScan
	}
	tasks, total, err := h.o.Tasks.List(ctx, taskdb.ListOptions{Status: task.Status(v.State), Limit: limit})
	if err != nil {
		h.o.Log.Error().Err(err).Msg("status page: listing tasks failed")
		v.Unavailable = true
		return v, http.StatusServiceUnavailable
	}
	if v.Search != "" {
		scanned := len(tasks)
		tasks = search(tasks, v.Search)
		matched := len(tasks)
		if len(tasks) > v.Size {
			tasks = tasks[:v.Size]
		}
		v.Shown = c.T("shown.search", matched, scanned)
		if matched > len(tasks) {
			v.More = h.bigger(v)
		}
	} else {
		v.Shown = c.T("shown", len(tasks), total)
		if total > len(tasks) {
			v.More = h.bigger(v)
		}
	}
	for i := range tasks {
		v.Rows = append(v.Rows, h.row(c.Lang, &tasks[i], now))
	}
	return v, status
}

// bigger links the next page size, or nothing at the largest.
func (h *Handler) bigger(v *dashboardView) string {
	for _, s := range pageSizes {
		if s > v.Size {
			q := listQuery(url.Values{"state": {v.State}, "q": {v.Search}, "n": {strconv.Itoa(s)}})
			return h.base + "/?" + q.Encode()
		}
	}
	return ""
}

// search keeps the tasks whose title, id, requester or TMDB id contains s (any case).
func search(tasks []task.Task, s string) []task.Task {
	s = strings.ToLower(s)
	out := tasks[:0]
	for _, t := range tasks {
		if strings.Contains(strings.ToLower(t.Input.Title), s) || strings.EqualFold(t.ID, s) ||
			strings.Contains(strings.ToLower(t.Input.RequestedBy), s) || strconv.Itoa(t.Input.TMDBID) == s {
			out = append(out, t)
		}
	}
	return out
}

func (h *Handler) counts(v *dashboardView, st api.Stats) {
	link := func(state string) string {
		q := listQuery(url.Values{"state": {state}, "q": {v.Search}, "n": {strconv.Itoa(v.Size)}})
		if len(q) == 0 {
			return h.base + "/"
		}
		return h.base + "/?" + q.Encode()
	}
	v.Counts = append(v.Counts, countView{State: "", Label: v.T("state.all"), N: st.Total, Href: link(""), Active: v.State == ""})
	for _, s := range task.Statuses {
		v.Counts = append(v.Counts, countView{State: string(s), Label: v.T("state." + string(s)), N: st.ByStatus[s],
			Href: link(string(s)), Active: v.State == string(s)})
	}
}

func (h *Handler) worker(lang string, st api.Stats, now time.Time) *workerView {
	if st.Worker == nil {
		return nil
	}
	ws := st.Worker
	w := &workerView{Status: ws.Status, Reason: h.shown(ws.Reason)}
	since := ws.Since
	if ws.UnreachableSince != nil {
		// Unreachable is shown even while the worker "runs": it probes MoviePilot.
		w.Status = "unreachable"
		since = *ws.UnreachableSince
		if w.Reason == "" {
			w.Reason = h.shown(ws.Unreachable)
		}
	}
	key := "worker." + w.Status
	if _, ok := messages[key]; !ok {
		key = "worker.unknown"
	}
	w.Label = text(lang, key)
	if !since.IsZero() && w.Status != "running" {
		w.Since, w.SinceT = relTime(lang, since, now), since.UTC().Format(time.RFC3339)
	}
	if ws.PausedUntil != nil {
		w.Until = relTime(lang, *ws.PausedUntil, now)
	}
	return w
}

func (h *Handler) reconcileView(lang string, info api.ReconcileInfo, now time.Time) reconcileView {
	rv := reconcileView{Enabled: info.Enabled}
	s := info.Last
	if s == nil {
		return rv
	}
	lp := &lastPass{RunID: s.RunID, OK: s.Outcome == reconcilepass.OutcomeOK, Error: h.shown(s.Error), DryRun: s.DryRun,
		Duration: (time.Duration(s.DurationMs) * time.Millisecond).Round(time.Millisecond).String(),
		Counts:   text(lang, "reconcile.counts", s.Seen, s.Approved, s.Enqueued, s.Merged, s.Reopened, s.Skipped)}
	if !s.StartedAt.IsZero() {
		lp.When, lp.WhenT = relTime(lang, s.StartedAt, now), s.StartedAt.UTC().Format(time.RFC3339)
	}
	rv.Last = lp
	return rv
}

// shown is text from outside (errors, reasons) as the page shows it: secrets scrubbed, cut short.
func (h *Handler) shown(s string) string {
	return trunc.String(h.o.Scrub(s), maxShownError)
}

func (h *Handler) row(lang string, t *task.Task, now time.Time) row {
	in := t.Input
	rw := row{
		ID: t.ID, Title: in.Title, Type: text(lang, "type."+string(in.MediaType)), Requester: in.RequestedBy,
		Is4K: in.Is4K, Source: text(lang, "source."+string(t.Source)), State: string(t.Status),
		StateLabel: text(lang, "state."+string(t.Status)),
		Updated:    relTime(lang, t.UpdatedAt, now), UpdatedT: t.UpdatedAt.UTC().Format(time.RFC3339),
		CanRetry:  t.Status == task.StatusFailed || t.Status == task.StatusCancelled,
		CanCancel: t.Status == task.StatusPending || t.Status == task.StatusRunning,
	}
	if rw.Title == "" {
		rw.Title = "TMDB " + strconv.Itoa(in.TMDBID)
	}
	if in.Year > 0 {
		rw.Year = strconv.Itoa(in.Year)
	}
	if in.MediaType == task.TypeTV {
		rw.Seasons = seasons(in.Seasons)
	}
	for _, it := range t.Items {
		label := text(lang, "type.movie")
		if it.Season != nil {
			label = "S" + strconv.Itoa(*it.Season)
		}
		mi := mpItem{Label: label, State: string(it.State), ID: it.MPSubscriptionID}
		trackView(lang, it, &mi)
		rw.MP = append(rw.MP, mi)
	}
	rw.Why = h.why(lang, t, now, &rw)
	return rw
}

// why says in plain words why a request stands where it does.
func (h *Handler) why(lang string, t *task.Task, now time.Time, rw *row) []string {
	var out []string
	add := func(s string) {
		if s = h.shown(s); s != "" {
			out = append(out, s)
		}
	}
	itemError := func() {
		for _, it := range t.Items {
			if it.State == task.ItemFailed && it.LastError != "" {
				add(it.LastError)
				return
			}
		}
	}
	switch t.Status {
	case task.StatusFailed:
		if t.LastError != "" {
			add(t.LastError)
		} else {
			itemError()
		}
		add(t.Reason)
	case task.StatusPending:
		add(t.LastError)
		add(t.Reason)
		if t.Attempts > 0 {
			out = append(out, text(lang, "attempts", t.Attempts))
		}
		if t.NextAttemptAt.After(now) {
			rw.Next = text(lang, "next", relTime(lang, t.NextAttemptAt, now))
		}
	case task.StatusRunning:
		out = append(out, text(lang, "sending"))
	case task.StatusCancelled:
		add(t.Reason)
		switch t.CancelledBy {
		case task.CancelledByOperator:
			out = append(out, text(lang, "cancelled.by", text(lang, "by.operator")))
		case task.CancelledBySeerr:
			out = append(out, text(lang, "cancelled.by", text(lang, "by.seerr")))
		}
	case task.StatusSuccess:
		add(t.Reason) // e.g. why nothing was sent; a plain delivery needs no words
	}
	return out
}

// seasons writes the requested seasons: "S1, S2, S3 E1–E5".
func seasons(ss []task.SeasonRequest) string {
	parts := make([]string, 0, len(ss))
	for _, s := range ss {
		p := "S" + strconv.Itoa(s.Season)
		if n := len(s.Episodes); n > 0 {
			lo, hi := s.Episodes[0], s.Episodes[n-1]
			if lo == hi {
				p += " E" + strconv.Itoa(lo)
			} else {
				p += " E" + strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
			}
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
