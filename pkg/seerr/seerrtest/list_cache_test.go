package seerrtest_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// TestListFollowsMutations changes the fake between list calls of the same query shapes
// (so the cached rows of each shape exist) and checks that every answer shows the change.
func TestListFollowsMutations(t *testing.T) {
	f := seerrtest.NewHandler(seerrtest.Options{Version: "3.1.0"})
	for i := 1; i <= 5; i++ {
		f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
			Media: seerr.Media{TMDBID: 500 + i, Status: seerr.MediaProcessing}})
	}
	// list fetches every page of a query 2 at a time and checks the ids and the total.
	list := func(step, query string, want ...int) {
		t.Helper()
		var got []int
		for skip := 0; ; skip += 2 {
			a := call(t, f, fmt.Sprintf("/api/v1/request?take=2&skip=%d&%s", skip, query), f.APIKey())
			if a.status != 200 {
				t.Fatalf("%s: %s: %d %s", step, query, a.status, a.raw)
			}
			if total := a.body["pageInfo"].(map[string]any)["results"]; total != float64(len(want)) {
				t.Fatalf("%s: %s: pageInfo.results %v, want %d", step, query, total, len(want))
			}
			page := ids(t, a)
			got = append(got, page...)
			if len(page) < 2 {
				break
			}
		}
		if want == nil {
			want = []int{}
		}
		if got == nil {
			got = []int{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %s: ids %v, want %v", step, query, got, want)
		}
	}
	const (
		approved   = "filter=approved"
		modified   = "filter=approved&sort=modified&sortDirection=desc"
		processing = "filter=processing&sortDirection=asc"
		completed  = "filter=completed"
		user7      = "filter=all&requestedBy=7"
		tv         = "filter=all&mediaType=tv"
	)
	all := func(step string, a, m, p, c, u, v []int) {
		t.Helper()
		list(step, approved, a...)
		list(step, modified, m...)
		list(step, processing, p...)
		list(step, completed, c...)
		list(step, user7, u...)
		list(step, tv, v...)
	}
	ints := func(v ...int) []int { return v }

	all("start", ints(5, 4, 3, 2, 1), ints(5, 4, 3, 2, 1), ints(1, 2, 3, 4, 5), nil, nil, nil)

	// Status change: 4 declined leaves approved and processing. 2 re-approved keeps its place
	// in sort=modified: Seerr 3.1 never changes updatedAt (see TestUpdatedAtPerVersion).
	if !f.SetStatus(4, seerr.RequestDeclined) || !f.SetStatus(2, seerr.RequestApproved) {
		t.Fatal("SetStatus: unknown id")
	}
	all("status", ints(5, 3, 2, 1), ints(5, 3, 2, 1), ints(1, 2, 3, 5), nil, nil, nil)

	// Delete.
	if !f.Delete(5) {
		t.Fatal("Delete: unknown id")
	}
	all("delete", ints(3, 2, 1), ints(3, 2, 1), ints(1, 2, 3), nil, nil, nil)

	// New requests: another user's movie and a TV request.
	u := f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
		RequestedBy: &seerr.User{ID: 7}, Media: seerr.Media{TMDBID: 600}})
	v := f.AddRequest(seerr.Request{Status: seerr.RequestPending, Type: seerr.TypeTV,
		Media: seerr.Media{TMDBID: 601}})
	all("add", ints(u, 3, 2, 1), ints(u, 3, 2, 1), ints(1, 2, 3, u), nil, ints(u), ints(v))

	// Media status: 3's title becomes available, so the APPROVED request completes.
	if !f.SetMediaStatus(3, seerr.MediaAvailable, 0) {
		t.Fatal("SetMediaStatus: unknown id")
	}
	all("media", ints(u, 2, 1), ints(u, 2, 1), ints(1, 2, u), ints(3), ints(u), ints(v))

	// Media status alone: 1's title becomes BLOCKLISTED, which no modern filter lists, so
	// request 1 drops out while its own status stays APPROVED.
	if !f.SetMediaStatus(1, seerr.MediaBlocklisted, 0) {
		t.Fatal("SetMediaStatus: unknown id")
	}
	all("media2", ints(u, 2), ints(u, 2), ints(2, u), ints(3), ints(u), ints(v))

	// A change made by the Hook between two pages of one walk shows on the next page.
	var hooked *seerrtest.Fake
	hooked = seerrtest.NewHandler(seerrtest.Options{Version: "3.1.0", Hook: func(h *seerrtest.Fake, c seerrtest.Call) {
		if c.Query.Get("skip") == "2" {
			h.Delete(4)
		}
	}})
	for i := 1; i <= 5; i++ {
		hooked.AddRequest(seerr.Request{Status: seerr.RequestApproved})
	}
	first := ids(t, call(t, hooked, "/api/v1/request?take=2&skip=0", hooked.APIKey()))
	second := ids(t, call(t, hooked, "/api/v1/request?take=2&skip=2", hooked.APIKey()))
	if !reflect.DeepEqual(first, []int{5, 4}) || !reflect.DeepEqual(second, []int{2, 1}) {
		t.Fatalf("pages around a hooked delete: %v %v, want [5 4] [2 1]", first, second)
	}
}

// TestListReusesRows checks that paging through one query shape filters and sorts the
// requests once, that reads leave the cached rows alone, and that a change drops them.
func TestListReusesRows(t *testing.T) {
	f := seerrtest.NewHandler(seerrtest.Options{Version: "3.1.0"})
	for i := 0; i < 1000; i++ {
		f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{TMDBID: 10000 + i}})
	}
	page := func(query string, skip int) {
		t.Helper()
		a := call(t, f, fmt.Sprintf("/api/v1/request?take=50&skip=%d&%s", skip, query), f.APIKey())
		if a.status != 200 || len(ids(t, a)) != 50 {
			t.Fatalf("%s skip=%d: %d %s", query, skip, a.status, a.raw)
		}
	}
	builds := func(want int) {
		t.Helper()
		if got := seerrtest.ListBuilds(f); got != want {
			t.Fatalf("rows built %d times, want %d", got, want)
		}
	}
	for skip := 0; skip < 1000; skip += 50 {
		page("filter=approved", skip)
	}
	builds(1)
	page("filter=all", 0)
	page("filter=approved", 100)
	page("filter=all", 100)
	builds(2)
	// Reads, the call log and the switches keep the rows.
	_ = call(t, f, "/api/v1/request/7", f.APIKey())
	_ = f.Len()
	_ = f.Calls()
	f.ResetCalls()
	f.SetDown(false)
	f.SetDropConnections(false)
	page("filter=approved", 200)
	builds(2)
	// Any change drops every shape.
	f.SetStatus(7, seerr.RequestApproved)
	page("filter=approved", 0)
	page("filter=approved", 50)
	page("filter=all", 0)
	builds(4)
}
