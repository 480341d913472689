package web

import (
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// Extras is what other parts of the service know and the page shows besides the tasks
// (optional): the first start's backlog and the last tracking round's counts.
type Extras interface {
	// Backlog is the first start's backlog (the first reconcile pass on an empty database),
	// or nil: not a first start, or not known yet.
	Backlog() *Backlog
	// Tracked is the last tracking round's delivered subscriptions by state ("subscribed",
	// "stalled", "downloaded", "removed"), or nil before the first round or with tracking off.
	Tracked() map[string]int
}

// Backlog is what the first reconcile pass of a first start found in Seerr.
type Backlog struct {
	Found, Queued int
	Since         *time.Time // RECONCILE_SINCE as the pass applied it; nil: the whole history
}

// backlogView is the first-start banner.
type backlogView struct {
	Text string
}

// trackedStates are the tracking counts the page shows, in order.
var trackedStates = []string{"subscribed", "stalled", "downloaded", "removed"}

// extras fills the backlog banner (while its requests are still being delivered) and the
// tracking counts.
func (h *Handler) extras(v *dashboardView, waiting int) {
	if h.o.Extras == nil {
		return
	}
	if b := h.o.Extras.Backlog(); b != nil && b.Queued > 0 && waiting > 0 {
		if b.Since != nil {
			v.Backlog = &backlogView{Text: v.T("backlog.since", b.Found, b.Since.UTC().Format("2006-01-02"), b.Queued, waiting)}
		} else {
			v.Backlog = &backlogView{Text: v.T("backlog", b.Found, b.Queued, waiting)}
		}
	}
	if counts := h.o.Extras.Tracked(); counts != nil {
		for _, s := range trackedStates {
			v.Tracked = append(v.Tracked, countView{State: s, Label: v.T("trk.n." + s), N: counts[s]})
		}
	}
}

// trackView puts an item's tracking into plain words.
func trackView(lang string, it task.Item, mi *mpItem) {
	tr := it.Tracking
	if tr == nil {
		return
	}
	mi.TrackState = string(tr.State)
	switch tr.State {
	case task.TrackDownloaded:
		mi.Track = text(lang, "trk.downloaded")
	case task.TrackRemoved:
		mi.Track = text(lang, "trk.removed")
	default:
		mi.Track = text(lang, "trk.subscribed")
		if p := tr.Progress; p != nil && p.TotalEpisodes > 0 {
			mi.Track = text(lang, "trk.missing", p.LackEpisodes, p.TotalEpisodes)
		}
		if tr.Stalled && tr.StalledSince != nil {
			mi.Stalled = text(lang, "trk.stalled", tr.StalledSince.UTC().Format("2006-01-02"))
			mi.StalledT = tr.StalledSince.UTC().Format(time.RFC3339)
		}
	}
}
