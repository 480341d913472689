package seerrtest_test

import (
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// TestUpdatedAtPerVersion: from 2.6.0 on, updatedAt of a request, its seasons and its media is
// a plain column whose onUpdate only MySQL applies, so approving leaves it at the creation
// time. Recorded on a real Seerr 3.1.0 (SQLite): requests created 07:58:08 and approved
// 07:58:14 list "createdAt":"2026-12-05T07:58:08.000Z","updatedAt":"2026-12-05T07:58:08.000Z",
// season_request and media rows alike, while media.status went from 2 to 3. Before 2.6.0 it
// was an @UpdateDateColumn and moved on every save.
func TestUpdatedAtPerVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		moves   bool
	}{{"2.5.2", true}, {"2.6.0", false}, {"3.1.0", false}} {
		t.Run(tc.version, func(t *testing.T) {
			f := seerrtest.NewHandler(seerrtest.Options{Version: tc.version})
			id := f.AddRequest(seerr.Request{Type: seerr.TypeTV, Status: seerr.RequestPending,
				Media: seerr.Media{TMDBID: 2001}, Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}}})
			if !f.SetStatus(id, seerr.RequestApproved) || !f.SetMediaStatus(id, seerr.MediaProcessing, 0) {
				t.Fatal("unknown id")
			}
			a := call(t, f, "/api/v1/request?filter=all", f.APIKey())
			res, _ := a.body["results"].([]any)
			if len(res) != 1 {
				t.Fatalf("results: %s", a.raw)
			}
			r := res[0].(map[string]any)
			s := r["seasons"].([]any)[0].(map[string]any)
			m := r["media"].(map[string]any)
			for what, row := range map[string]map[string]any{"request": r, "season": s, "media": m} {
				moved := row["updatedAt"] != row["createdAt"]
				if moved != tc.moves {
					t.Errorf("%s: createdAt %v, updatedAt %v; want updatedAt moved = %v", what, row["createdAt"], row["updatedAt"], tc.moves)
				}
			}
			if r["status"] != float64(seerr.RequestApproved) {
				t.Errorf("status %v", r["status"])
			}
		})
	}
}
