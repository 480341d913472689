package worker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// TMDB movie 1396 is "Mirror", TV 1396 is "Breaking Bad": the numbers are separate namespaces.
func mirrorIn(req int) task.Input {
	return task.Input{RequestID: req, TMDBID: 1396, MediaType: task.TypeMovie, Title: "Mirror", Year: 1975}
}

// On MoviePilot 2.x a movie whose TMDB number a subscribed show shares is answered with the
// show's id and nothing is created: the item must fail with what happened and what to do,
// never be recorded as subscribed.
func TestMovieCollidingWithShowFailsOnV2(t *testing.T) {
	h := newHarness(t, setup{})
	show := h.enqueue(tvIn(1, 1396, 1))
	h.drain()
	if h.get(show).Status != task.StatusSuccess {
		t.Fatalf("show: %s", h.get(show).Status)
	}
	id := h.enqueue(mirrorIn(2))
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusFailed || itemStates(tk) != "movie=failed" || tk.Items[0].MPSubscriptionID != 0 {
		t.Fatalf("task %s %s #%d: %+v", tk.Status, itemStates(tk), tk.Items[0].MPSubscriptionID, tk.History)
	}
	for _, want := range []string{`"Breaking Bad S1"`, "a TV subscription", "TMDB movie 1396", "MoviePilot 2.x", "v3", "by hand"} {
		if !strings.Contains(tk.LastError, want) {
			t.Errorf("lastError lacks %q: %s", want, tk.LastError)
		}
	}
	if tk.Attempts != 1 {
		t.Errorf("a permanent failure counts the one attempt that made it, got %d", tk.Attempts)
	}
	if got := subsSummary(h.mp.Subscriptions()); got != "电视剧/1396/1" {
		t.Fatalf("MoviePilot holds %s", got)
	}
}

// On v3 the identity includes the season, so the movie and the show are two subscriptions.
func TestMovieAndShowSameNumberBothSubscribedOnV3(t *testing.T) {
	h := newHarness(t, setup{
		mpOpts: mptest.Options{Version: mptest.V3, APIToken: apiToken, AcceptAPIKey: true},
		opts:   func(o *Options) { o.Sleep = func(context.Context, time.Duration) bool { return true } },
	})
	show := h.enqueue(tvIn(1, 1396, 1))
	h.drain()
	// With a requester the movie goes through /subscribe/seerr and is then looked up: v3's
	// lookup answers the show first for that number, so the movie row is found in the list.
	in := mirrorIn(2)
	in.RequestedBy = "alice"
	id := h.enqueue(in)
	h.drain()
	// A second request for the movie links the same row.
	again := h.enqueue(mirrorIn(3))
	h.drain()
	if a, b := h.get(id).Items[0].MPSubscriptionID, h.get(again).Items[0].MPSubscriptionID; a != b || h.get(again).Items[0].State != task.ItemExisting {
		t.Fatalf("second request: #%d %s, first #%d", b, itemStates(h.get(again)), a)
	}
	if h.get(show).Status != task.StatusSuccess || h.get(id).Status != task.StatusSuccess {
		t.Fatalf("show %s, movie %s: %s", h.get(show).Status, h.get(id).Status, h.get(id).LastError)
	}
	if got := subsSummary(h.mp.Subscriptions()); got != "电视剧/1396/1,电影/1396/-" {
		t.Fatalf("MoviePilot holds %s", got)
	}
	if a, b := h.get(show).Items[0].MPSubscriptionID, h.get(id).Items[0].MPSubscriptionID; a == b {
		t.Fatalf("both items linked to #%d", a)
	}
}

// lookupMP answers every lookup with one fixed row.
type lookupMP struct {
	MoviePilot
	row *moviepilot.Subscription
}

func (l *lookupMP) Lookup(context.Context, int, *int) (*moviepilot.Subscription, error) {
	return l.row, nil
}

// The lookup path links an item only to a row of the same TMDB id, type and season.
func TestLookupNeverLinksWrongRow(t *testing.T) {
	two := 2
	rows := map[string]*moviepilot.Subscription{
		"other season": {ID: 90, Type: "电视剧", TMDBID: 1396, Season: &two},
		"unknown type": {ID: 91, Type: "", TMDBID: 1396},
		"movie row":    {ID: 92, Type: "电影", TMDBID: 1396},
		"other tmdb":   {ID: 93, Type: "电视剧", TMDBID: 7, Season: new(1)},
	}
	for name, row := range rows {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, setup{})
			h.w.o.MoviePilot = &lookupMP{MoviePilot: h.client, row: row}
			id := h.enqueue(tvIn(1, 1396, 1))
			h.drain()
			tk := h.get(id)
			if tk.Items[0].State == task.ItemExisting || tk.Items[0].MPSubscriptionID == row.ID {
				t.Fatalf("linked to %+v: %s", row, itemStates(tk))
			}
			if got := subsSummary(h.mp.Subscriptions()); got != "电视剧/1396/1" {
				t.Fatalf("MoviePilot holds %s", got)
			}
		})
	}
}

// The subscription belongs to the Seerr requester (mapped by MP_USER_MAP) on v2, where the
// create stores the signed-in user and an update must set the owner.
func TestRequesterOwnsSubscriptionV2(t *testing.T) {
	h := newHarness(t, setup{
		mpOpts: mptest.Options{APIToken: apiToken, AcceptAPIKey: true, KnownTMDB: map[int]mptest.Media{
			27205: {Title: "Inception", Year: "2010", Type: "movie"},
			1396:  {Title: "Breaking Bad", Year: "2008", Type: "tv", Seasons: map[int]int{1: 7, 2: 13}},
		}},
		opts: func(o *Options) { o.UserMap = map[string]string{"Bob Smith": "bob"} },
	})
	m := movieIn(1, 27205)
	m.RequestedBy = "alice"
	tv := tvIn(2, 1396, 2)
	tv.RequestedBy = "Bob Smith"
	a, b := h.enqueue(m), h.enqueue(tv)
	h.drain()
	if h.get(a).Status != task.StatusSuccess || h.get(b).Status != task.StatusSuccess {
		t.Fatalf("%s %s", h.get(a).Status, h.get(b).Status)
	}
	subs := h.mp.Subscriptions()
	if len(subs) != 2 || subs[0].Username != "alice" || subs[1].Username != "bob" {
		t.Fatalf("owners: %+v", subs)
	}
	// The update wrote the whole row back: nothing else changed.
	if subs[1].TotalEpisode != 13 || subs[1].LackEpisode != 13 || *subs[1].Season != 2 {
		t.Fatalf("update changed the row: %+v", subs[1])
	}
	if strings.Contains(h.get(a).History[len(h.get(a).History)-1].Summary, "owner not set") {
		t.Fatalf("history: %+v", h.get(a).History)
	}
}

// On v3 the create and the update both ignore username; /subscribe/seerr keeps it but acts in
// the background, so the worker looks the subscription up (on its own sleep, not the wall
// clock) before it records success.
func TestRequesterOwnsSubscriptionV3(t *testing.T) {
	var slept []time.Duration
	h := newHarness(t, setup{
		mpOpts: mptest.Options{Version: mptest.V3, APIToken: apiToken, AcceptAPIKey: true, SeerrLag: 2},
		opts: func(o *Options) {
			o.Sleep = func(_ context.Context, d time.Duration) bool { slept = append(slept, d); return true }
		},
	})
	m := movieIn(1, 27205)
	m.RequestedBy = "alice"
	tv := tvIn(2, 1396, 1, 2)
	tv.RequestedBy = "bob"
	a, b := h.enqueue(m), h.enqueue(tv)
	h.drain()
	for _, id := range []string{a, b} {
		if tk := h.get(id); tk.Status != task.StatusSuccess || strings.Contains(itemStates(tk), "existing") {
			t.Fatalf("%s %s %s", tk.Status, itemStates(tk), tk.LastError)
		}
	}
	if got := subsSummary(h.mp.Subscriptions()); got != "电影/27205/-,电视剧/1396/1,电视剧/1396/2" {
		t.Fatalf("MoviePilot holds %s", got)
	}
	for _, s := range h.mp.Subscriptions() {
		want := map[int]string{27205: "alice", 1396: "bob"}[s.TMDBID]
		if s.Username != want {
			t.Fatalf("owner of %+v, want %s", s, want)
		}
	}
	if h.get(a).Items[0].MPSubscriptionID != h.mp.Subscriptions()[0].ID {
		t.Fatalf("movie linked to #%d", h.get(a).Items[0].MPSubscriptionID)
	}
	if len(slept) == 0 || slept[0] != time.Second {
		t.Fatalf("slept %v", slept)
	}
}

// A background add that never shows up is never recorded as success: a retryable error says
// what happened, after a bounded number of lookups.
func TestAcceptedButNeverAppearsRetries(t *testing.T) {
	var slept []time.Duration
	h := newHarness(t, setup{
		// TMDB does not know the id: MoviePilot's background add fails and only logs it.
		mpOpts: mptest.Options{Version: mptest.V3, APIToken: apiToken, AcceptAPIKey: true,
			KnownTMDB: map[int]mptest.Media{1: {Title: "x", Type: "movie"}}},
		opts: func(o *Options) {
			o.AcceptedPolls = 3
			o.Sleep = func(_ context.Context, d time.Duration) bool { slept = append(slept, d); return true }
		},
	})
	m := movieIn(1, 27205)
	m.RequestedBy = "alice"
	id := h.enqueue(m)
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusPending || tk.Attempts != 1 || tk.Items[0].State == task.ItemSubscribed {
		t.Fatalf("%s attempts %d %s", tk.Status, tk.Attempts, itemStates(tk))
	}
	for _, want := range []string{"/api/v1/subscribe/seerr", "TMDB movie 27205", "3 lookups over 7s", "MoviePilot's log"} {
		if !strings.Contains(tk.LastError, want) {
			t.Errorf("lastError lacks %q: %s", want, tk.LastError)
		}
	}
	if len(slept) != 3 || slept[2] != 4*time.Second {
		t.Fatalf("slept %v", slept)
	}
	if len(h.mp.Subscriptions()) != 0 {
		t.Fatalf("rows: %+v", h.mp.Subscriptions())
	}
}
