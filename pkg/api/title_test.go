package api_test

import (
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/api"
)

// A manual title becomes MoviePilot's subscription name: control characters (line breaks,
// ESC, C1, bidi overrides) are stripped, as at every other edge, instead of stored.
func TestSubscribeCleansTheTitle(t *testing.T) {
	e := newEnv(t, envOpts{})
	a := e.do(t, "POST", "/api/v1/subscriptions", `{"tmdbId":603,"mediaType":"movie","title":" a\nb\u001b[2J\u202ec\u0085 "}`)
	a.want(t, 202, 0)
	var res api.SubscribeResult
	a.into(t, &res)
	tk, err := e.store.Get(t.Context(), res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Input.Title != "a b[2Jc" {
		t.Fatalf("stored title %q", tk.Input.Title)
	}
}
