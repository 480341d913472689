package seerrtest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// TestContractMediaDetails checks the fake's GET /movie/{movieId} and GET /tv/{tvId} answers
// against MovieDetails and TvDetails of both specs, with and without a media row, and that
// a drifted answer (title as a number) fails, so the check can fail.
func TestContractMediaDetails(t *testing.T) {
	cases := []struct{ name, version, spec string }{
		{"seerr-3.1.0", "3.1.0", "seerr-api.yml"},
		{"jellyseerr-2.7.3", "2.7.3", "jellyseerr-api.yml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := loadSpec(t, tc.spec, true)
			srv := seerrtest.New(seerrtest.Options{Version: tc.version})
			defer srv.Close()
			srv.SetMedia(seerr.TypeMovie, 603, "The Matrix", 1999)
			srv.SetMedia(seerr.TypeMovie, 604, "Unreleased", 0)
			srv.SetMedia(seerr.TypeTV, 1399, "Game of Thrones", 2011)
			srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
				Media: seerr.Media{TMDBID: 603}})
			srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeTV,
				Media: seerr.Media{TMDBID: 1399}, Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}}})

			checks := []struct {
				path, tmpl, param, id, field, want string
			}{
				{"/movie/603", "/movie/{movieId}", "movieId", "603", "title", "The Matrix"},
				{"/movie/604", "/movie/{movieId}", "movieId", "604", "releaseDate", ""},
				{"/tv/1399", "/tv/{tvId}", "tvId", "1399", "name", "Game of Thrones"},
			}
			for _, c := range checks {
				t.Run(c.path, func(t *testing.T) {
					f := fetch(t, srv, c.path, nil)
					if f.status != http.StatusOK {
						t.Fatalf("status %d: %s", f.status, f.body)
					}
					rt := route(t, doc, c.tmpl)
					params := map[string]string{c.param: c.id}
					if err := validate(doc, rt, params, f); err != nil {
						t.Fatal(err)
					}
					var m map[string]any
					if err := json.Unmarshal(f.body, &m); err != nil {
						t.Fatal(err)
					}
					if got, _ := m[c.field].(string); got != c.want {
						t.Fatalf("%s = %q, want %q", c.field, got, c.want)
					}
					// Drift: the name field as a number must not validate.
					name := "title"
					if c.param == "tvId" {
						name = "name"
					}
					m[name] = 42
					b, _ := json.Marshal(m)
					drift := f
					drift.body = b
					if err := validate(doc, rt, params, drift); err == nil {
						t.Fatal("a drifted answer passed validation")
					}
				})
			}
		})
	}
}
