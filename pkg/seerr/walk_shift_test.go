package seerr_test

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// TestWalkReadsEveryRowThatStays changes the approved list between page reads, the way a
// running Seerr does: requests are completed by a scan, declined or deleted (earlier rows
// leave, later rows move up), new ones are approved (higher ids) and old pending ones are
// approved (rows enter in the middle). Every request that stays approved for the whole
// walk must be handed to fn, exactly once, on every version's ordering.
func TestWalkReadsEveryRowThatStays(t *testing.T) {
	for _, version := range []string{"3.1.0", "2.7.3", "1.34.0"} {
		for seed := int64(1); seed <= 40; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", version, seed), func(t *testing.T) {
				walkUnderChurn(t, version, seed)
			})
		}
	}
}

func walkUnderChurn(t *testing.T, version string, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	const take = 10
	var (
		mu      sync.Mutex
		touched = map[int]bool{} // changed by the hook: may or may not be read
		pending []int
		changes int
		hooks   int
	)
	srv := seerrtest.New(seerrtest.Options{Version: version, Hook: func(f *seerrtest.Fake, c seerrtest.Call) {
		if c.Path != "/api/v1/request" || c.Query.Get("skip") == "" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		hooks++
		for n := rng.Intn(6); n > 0; n-- {
			id := 1 + rng.Intn(80)
			switch rng.Intn(5) {
			case 0: // a library scan completes it (COMPLETED on >= 2.6; AVAILABLE before)
				f.SetMediaStatus(id, seerr.MediaAvailable, 0)
				if version == "1.34.0" {
					f.SetStatus(id, seerr.RequestDeclined) // so that it leaves the list there too
				}
			case 1:
				f.SetStatus(id, seerr.RequestDeclined)
			case 2:
				f.Delete(id)
			case 3: // a new approval
				id = f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{Status: seerr.MediaProcessing}})
			case 4: // an old pending request is approved: enters mid-list
				if len(pending) == 0 {
					continue
				}
				id = pending[0]
				pending = pending[1:]
				f.SetStatus(id, seerr.RequestApproved)
			}
			touched[id] = true
			changes++
		}
	}})
	defer srv.Close()
	for i := 0; i < 80; i++ {
		st := seerr.RequestApproved
		if rng.Intn(5) == 0 {
			st = seerr.RequestPending
		}
		id := srv.AddRequest(seerr.Request{Status: st, Media: seerr.Media{Status: seerr.MediaProcessing}})
		if st == seerr.RequestPending {
			pending = append(pending, id)
		}
	}
	var before []int
	for id := 1; id <= 80; id++ {
		if !contains(pending, id) {
			before = append(before, id)
		}
	}

	c := clientFor(t, srv)
	calls := map[int]int{}
	st, err := c.Walk(context.Background(), seerr.WalkOptions{Filter: seerr.FilterApproved, Take: take,
		Features: seerr.FeaturesFor(version)}, func(r seerr.Request) error { calls[r.ID]++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for id, n := range calls {
		if n != 1 {
			t.Fatalf("fn called %d times for id %d", n, id)
		}
	}
	for _, id := range before {
		if !touched[id] && calls[id] != 1 {
			t.Fatalf("request %d stayed approved throughout and was missed (%d changes; stats %+v)", id, changes, st)
		}
	}
	if st.Unordered || st.Seen != len(calls) {
		t.Fatalf("stats %+v, %d distinct ids", st, len(calls))
	}
	// Bounded: the forward pages plus at most a few re-reads per change.
	if limit := (80+changes)/take + 2 + 3*changes; st.Pages > limit {
		t.Fatalf("%d pages for %d changes (limit %d): %+v", st.Pages, changes, limit, st)
	}
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestWalkRereadsWhenRowsLeave pins the simplest case: after the first page, three rows
// the walk already read leave the list, so the rows after them move up three places.
func TestWalkRereadsWhenRowsLeave(t *testing.T) {
	for _, version := range []string{"3.1.0", "1.34.0"} {
		t.Run(version, func(t *testing.T) {
			var once sync.Once
			srv := seerrtest.New(seerrtest.Options{Version: version, Hook: func(f *seerrtest.Fake, c seerrtest.Call) {
				if c.Path == "/api/v1/request" && c.Query.Get("skip") != "" {
					once.Do(func() {
						// Rows of the first page, whatever the order.
						first := []int{1, 2, 3}
						if version == "1.34.0" {
							first = []int{30, 29, 28}
						}
						for _, id := range first {
							f.SetStatus(id, seerr.RequestDeclined)
						}
					})
				}
			}})
			defer srv.Close()
			for i := 0; i < 30; i++ {
				srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{Status: seerr.MediaProcessing}})
			}
			c := clientFor(t, srv)
			got := map[int]bool{}
			st, err := c.Walk(context.Background(), seerr.WalkOptions{Filter: seerr.FilterApproved, Take: 10,
				Features: seerr.FeaturesFor(version)}, func(r seerr.Request) error { got[r.ID] = true; return nil })
			if err != nil {
				t.Fatal(err)
			}
			for id := 1; id <= 30; id++ {
				if !got[id] {
					t.Fatalf("request %d missed: %+v", id, st)
				}
			}
			if st.Rereads != 1 || st.Pages != 5 || st.Seen != 30 {
				t.Fatalf("stats %+v, want one re-read: 3 pages, the refused one, and the one read again", st)
			}
		})
	}
}
