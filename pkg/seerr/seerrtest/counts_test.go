package seerrtest_test

import (
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// TestRelationCounts: a real Seerr 3.1.0 lists each request with seasonCount (TV: its season
// requests, movie 0) and its users with requestCount (their requests) and warnings [], in
// GET /request and GET /request/{id} alike.
func TestRelationCounts(t *testing.T) {
	f := seerrtest.NewHandler(seerrtest.Options{Version: "3.1.0"})
	tv := f.AddRequest(seerr.Request{Type: seerr.TypeTV, Status: seerr.RequestApproved, Media: seerr.Media{TMDBID: 2001},
		Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}, {SeasonNumber: 2}}})
	movie := f.AddRequest(seerr.Request{Type: seerr.TypeMovie, Status: seerr.RequestApproved, Media: seerr.Media{TMDBID: 101}})
	want := map[float64]float64{float64(tv): 2, float64(movie): 0}

	list := call(t, f, "/api/v1/request?filter=all", f.APIKey())
	rows, _ := list.body["results"].([]any)
	one := call(t, f, "/api/v1/request/"+itoa(tv), f.APIKey())
	rows = append(rows, one.body)
	if len(rows) != 3 {
		t.Fatalf("rows: %s", list.raw)
	}
	for _, x := range rows {
		r := x.(map[string]any)
		if r["seasonCount"] != want[r["id"].(float64)] {
			t.Errorf("request %v: seasonCount %v, want %v", r["id"], r["seasonCount"], want[r["id"].(float64)])
		}
		u := r["requestedBy"].(map[string]any)
		if u["requestCount"] != float64(2) {
			t.Errorf("request %v: requestedBy.requestCount %v, want 2", r["id"], u["requestCount"])
		}
		if w, ok := u["warnings"].([]any); !ok || len(w) != 0 {
			t.Errorf("request %v: requestedBy.warnings %v, want []", r["id"], u["warnings"])
		}
	}
}
