package moviepilot

import (
	"context"
	"net/http"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

// TestCurrentAndHistoryPerVersion: a subscription MoviePilot finished leaves the table
// (Current answers nil, nil) and appears in the history of its type; one deleted leaves no
// history row; v2's plain-text 500 for a missing id never reaches the caller as "gone".
func TestCurrentAndHistoryPerVersion(t *testing.T) {
	for _, v := range []string{mptest.V2, mptest.V3} {
		t.Run(v, func(t *testing.T) {
			ctx := context.Background()
			s := fake(t, mptest.Options{Version: v, AcceptAPIKey: true})
			c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
			movie, err := c.Create(ctx, SubscribeRequest{Name: "Heat", Year: 1995, MediaType: MediaMovie, TMDBID: 949})
			if err != nil {
				t.Fatal(err)
			}
			show, err := c.Create(ctx, tvReq(2))
			if err != nil {
				t.Fatal(err)
			}
			s.SetProgress(show, 3, 5, "R")
			got, err := c.Current(ctx, show, 95396, intp(2))
			if err != nil || got == nil || got.ID != show || got.LackEpisode != 3 {
				t.Fatalf("current show: %+v, %v", got, err)
			}
			if v == mptest.V3 && (got.CompletedEpisode != 5 || got.ExecutionStatus != "R") {
				t.Fatalf("v3 progress not read: %+v", got)
			}
			if !s.Finish(movie) || !s.Delete(show) {
				t.Fatal("fake controls")
			}
			for _, it := range []struct {
				id, tmdb int
				season   *int
			}{{movie, 949, nil}, {show, 95396, intp(2)}} {
				got, err := c.Current(ctx, it.id, it.tmdb, it.season)
				if err != nil || got != nil {
					t.Fatalf("gone #%d: %+v, %v", it.id, got, err)
				}
			}
			rows, err := c.History(ctx, MediaMovie, 1, 10)
			if err != nil || len(rows) != 1 || rows[0].TMDBID != 949 || rows[0].Type != typeMovie || rows[0].Date == "" {
				t.Fatalf("movie history: %+v, %v", rows, err)
			}
			if rows, err := c.History(ctx, MediaTV, 1, 10); err != nil || len(rows) != 0 {
				t.Fatalf("tv history after a delete: %+v, %v", rows, err)
			}
			if _, err := c.History(ctx, "music", 1, 10); err == nil {
				t.Fatal("bad media type accepted")
			}
		})
	}
}

// TestHistoryPages: the history answers page by page, newest first, and a page never holds
// more than asked for.
func TestHistoryPages(t *testing.T) {
	ctx := context.Background()
	s := fake(t, mptest.Options{Version: mptest.V3, AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	for i := 1; i <= 5; i++ {
		id, err := c.Create(ctx, SubscribeRequest{Name: "M", MediaType: MediaMovie, TMDBID: 100 + i})
		if err != nil {
			t.Fatal(err)
		}
		s.Finish(id)
	}
	var seen []int
	for page := 1; page <= 3; page++ {
		rows, err := c.History(ctx, MediaMovie, page, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			seen = append(seen, r.TMDBID)
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paged history: %v", seen)
	}
}

// TestV2MissingIDIsAnError: v2.5.6 answers GET of a missing id with a plain-text 500, which
// Get reports as a retryable error, never as "no such subscription".
func TestV2MissingIDIsAnError(t *testing.T) {
	s := fake(t, mptest.Options{Version: mptest.V2, AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey, APIVersion: VersionV2})
	_, err := c.Get(context.Background(), 42)
	if e := asError(t, err); e.Status != http.StatusInternalServerError || e.Class != ClassRetry {
		t.Fatalf("v2 missing id: %+v", e)
	}
}

// TestCurrentV2MovieBehindShow: v2's lookup of a movie answers the first row of its TMDB
// number; a TV row there cannot say the movie is gone.
func TestCurrentV2MovieBehindShow(t *testing.T) {
	ctx := context.Background()
	s := fake(t, mptest.Options{Version: mptest.V2, AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	if _, err := c.Create(ctx, tvReq(1)); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Current(ctx, 77, 95396, nil); err == nil {
		t.Fatalf("undecidable movie answered %+v", got)
	}
}

// TestCurrentV3IDOfOtherMedia: an id that now names another subscription means ours is gone.
func TestCurrentV3IDOfOtherMedia(t *testing.T) {
	ctx := context.Background()
	s := fake(t, mptest.Options{Version: mptest.V3, AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	id, err := c.Create(ctx, SubscribeRequest{Name: "Heat", MediaType: MediaMovie, TMDBID: 949})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Current(ctx, id, 680, nil); err != nil || got != nil {
		t.Fatalf("id of other media: %+v, %v", got, err)
	}
	if got, err := c.Current(ctx, id, 949, intp(1)); err != nil || got != nil {
		t.Fatalf("a movie row for a season: %+v, %v", got, err)
	}
	if got, err := c.Current(ctx, id, 949, nil); err != nil || got == nil {
		t.Fatalf("own row: %+v, %v", got, err)
	}
}
