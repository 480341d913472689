package worker

import (
	"context"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// TestRemovedInMoviePilotIsNotCreatedAgain: a subscription the tracker found removed in
// MoviePilot stays done when new seasons re-open the task: only the new season is sent.
func TestRemovedInMoviePilotIsNotCreatedAgain(t *testing.T) {
	h := newHarness(t, setup{})
	id := h.enqueue(tvIn(7, 1396, 1))
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusSuccess || h.mp.CreateCount() != 1 {
		t.Fatalf("first delivery: %s, %d creates", tk.Status, h.mp.CreateCount())
	}
	// Someone deletes it in MoviePilot; the tracker records that.
	h.mp.Delete(tk.Items[0].MPSubscriptionID)
	if _, err := h.store.Update(context.Background(), id, func(t *task.Task) error {
		t.Items[0].Tracking = &task.Tracking{State: task.TrackRemoved, Since: h.clock.Now()}
		t.Tracking = task.SummarizeTracking(t.Items)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.enqueue(tvIn(7, 1396, 2)) // season 2 approved: the task re-opens
	h.drain()
	tk = h.get(id)
	if tk.Status != task.StatusSuccess || itemStates(tk) != "s1=subscribed,s2=subscribed" {
		t.Fatalf("after the new season: %s %s", tk.Status, itemStates(tk))
	}
	if got := subsSummary(h.mp.Subscriptions()); got != "电视剧/1396/2" || h.mp.CreateCount() != 2 {
		t.Fatalf("MoviePilot got %s (%d creates): the removed season was sent again", got, h.mp.CreateCount())
	}
	if tk.Items[0].Tracking == nil || tk.Items[0].Tracking.State != task.TrackRemoved {
		t.Fatalf("the removed item lost its tracking: %+v", tk.Items[0])
	}
}
