package worker

import (
	"context"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// dirtyTitler is Seerr's media details with a title carrying terminal and bidi controls.
type dirtyTitler struct{}

func (dirtyTitler) MediaDetails(context.Context, string, int) (string, int, error) {
	return "Evil\x1b[2J\r\nTitle\u202e", 2021, nil
}

// A title looked up in Seerr (reconcile-found tasks have none) reaches MoviePilot's
// subscription name, and the task, without control characters.
func TestLookedUpTitleIsCleaned(t *testing.T) {
	h := newHarness(t, setup{opts: func(o *Options) { o.Titler = dirtyTitler{} }})
	id := h.enqueue(task.Input{RequestID: 40, TMDBID: 1700, MediaType: task.TypeMovie})
	h.drain()
	subs := h.mp.Subscriptions()
	if len(subs) != 1 || subs[0].Name != "Evil[2J  Title" {
		t.Fatalf("MoviePilot got %+v, want one subscription named %q", subs, "Evil[2J  Title")
	}
	if got := h.get(id).Input.Title; got != "Evil[2J  Title" {
		t.Fatalf("task title %q", got)
	}
}
