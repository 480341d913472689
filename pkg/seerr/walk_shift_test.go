package seerr_test

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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

// listServer serves GET /api/v1/request from ids in the given order (take/skip honoured,
// sort parameters ignored), with before called ahead of every page after the first.
func listServer(t *testing.T, ids func() []int, before func()) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		take, _ := strconv.Atoi(q.Get("take"))
		skip, _ := strconv.Atoi(q.Get("skip"))
		if skip > 0 && before != nil {
			before()
		}
		all := ids()
		var rows []string
		for i := skip; i < len(all) && i < skip+take; i++ {
			rows = append(rows, fmt.Sprintf(`{"id":%d,"status":2,"type":"movie","media":{"tmdbId":%d,"status":3}}`, all[i], 100+all[i]))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"pageInfo":{"pages":1,"pageSize":%d,"results":%d,"page":1},"results":[%s]}`, take, len(all), strings.Join(rows, ","))
	}))
}

func TestWalkOrderItCannotRelyOn(t *testing.T) {
	t.Run("asked ascending, served newest first", func(t *testing.T) {
		list := []int{30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
		var mu sync.Mutex
		removed := false
		srv := listServer(t, func() []int { mu.Lock(); defer mu.Unlock(); return list }, func() {
			mu.Lock()
			defer mu.Unlock()
			if !removed { // two rows of the first page leave
				removed = true
				list = append(list[:0:0], list[2:]...)
			}
		})
		defer srv.Close()
		c := newClient(t, srv.URL, "k")
		got := map[int]bool{}
		st, err := c.Walk(context.Background(), seerr.WalkOptions{Take: 10, Features: seerr.FeaturesFor("3.1.0")},
			func(r seerr.Request) error { got[r.ID] = true; return nil })
		if err != nil {
			t.Fatal(err)
		}
		for id := 1; id <= 28; id++ {
			if !got[id] {
				t.Fatalf("request %d missed: %+v", id, st)
			}
		}
		if st.Unordered || st.Rereads != 1 {
			t.Fatalf("stats %+v: the walk should follow the order it was served", st)
		}
	})
	t.Run("not ordered by id", func(t *testing.T) {
		list := []int{5, 1, 9, 3, 7, 2, 8, 4, 6, 10, 11, 12}
		srv := listServer(t, func() []int { return list }, nil)
		defer srv.Close()
		c := newClient(t, srv.URL, "k")
		n := 0
		st, err := c.Walk(context.Background(), seerr.WalkOptions{Take: 5, Features: seerr.FeaturesFor("3.1.0")},
			func(seerr.Request) error { n++; return nil })
		if err != nil || n != 12 || !st.Unordered || st.Pages != 3 {
			t.Fatalf("n %d stats %+v err %v", n, st, err)
		}
	})
}
