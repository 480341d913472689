package worker

import (
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// FAILED (4) means Seerr could not hand the approved request to its own Radarr/Sonarr; the
// approval stands, so the worker delivers it like an APPROVED one. On Seerr 3.1 a FAILED
// request stays FAILED after a scan finds its media (only APPROVED ones move to COMPLETED,
// server/subscriber/MediaSubscriber.ts), so an AVAILABLE media still means nothing to send.
func TestSeerrConfirmationFailedRequests(t *testing.T) {
	failed := &seerr.Request{ID: 30, Status: seerr.RequestFailed, Type: "movie",
		Media: seerr.Media{TMDBID: 1530, Status: seerr.MediaProcessing}}
	failedAvail := &seerr.Request{ID: 31, Status: seerr.RequestFailed, Type: "movie",
		Media: seerr.Media{TMDBID: 1531, Status: seerr.MediaAvailable}}
	fs := &fakeSeerr{reqs: map[int]*seerr.Request{30: failed, 31: failedAvail}}
	h := newHarness(t, setup{opts: func(o *Options) { o.Seerr = fs; o.Titler = fs }})

	sent := h.enqueue(movieIn(30, 1530))
	skipped := h.enqueue(movieIn(31, 1531))
	h.drain()

	if tk := h.get(sent); tk.Status != task.StatusSuccess || itemStates(tk) != "movie=subscribed" {
		t.Fatalf("failed in Seerr, media processing: %s %s", tk.Status, itemStates(tk))
	}
	if tk := h.get(skipped); tk.Status != task.StatusSuccess || itemStates(tk) != "movie=skipped" ||
		!strings.Contains(tk.Items[0].Reason, "media already AVAILABLE") {
		t.Fatalf("failed in Seerr, media available: %s %s %+v", tk.Status, itemStates(tk), tk.Items)
	}
	if got := subsSummary(h.mp.Subscriptions()); got != "电影/1530/-" {
		t.Fatalf("MoviePilot got %s", got)
	}
}
