package seerr_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

func TestMediaDetails(t *testing.T) {
	for _, version := range []string{"1.34.0", "2.7.3", "3.1.0"} {
		t.Run(version, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: version})
			defer srv.Close()
			srv.SetMedia(seerr.TypeMovie, 603, "The Matrix", 1999)
			srv.SetMedia(seerr.TypeTV, 603, "Not The Matrix (TV)", 2005)
			srv.SetMedia(seerr.TypeTV, 1399, "Game of Thrones", 2011)
			srv.SetMedia(seerr.TypeMovie, 700, "Someday", 0)
			c := clientFor(t, srv)

			cases := []struct {
				name      string
				mediaType string
				tmdb      int
				wantTitle string
				wantYear  int
				wantErr   string
				temporary bool
			}{
				{"movie", seerr.TypeMovie, 603, "The Matrix", 1999, "", false},
				{"tv", seerr.TypeTV, 1399, "Game of Thrones", 2011, "", false},
				{"tv id space is separate", seerr.TypeTV, 603, "Not The Matrix (TV)", 2005, "", false},
				{"no date", seerr.TypeMovie, 700, "Someday", 0, "", false},
				{"unknown movie is a 500 like Seerr", seerr.TypeMovie, 999, "", 0, "HTTP 500", true},
				{"unknown tv", seerr.TypeTV, 999, "", 0, "Unable to retrieve series", true},
				{"bad type", "music", 1, "", 0, "want movie or tv", false},
				{"bad id", seerr.TypeMovie, 0, "", 0, "invalid tmdb id", false},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					title, year, err := c.MediaDetails(context.Background(), tc.mediaType, tc.tmdb)
					if tc.wantErr != "" {
						if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
							t.Fatalf("err %v, want %q", err, tc.wantErr)
						}
						if seerr.IsTemporary(err) != tc.temporary {
							t.Fatalf("temporary = %v, want %v", seerr.IsTemporary(err), tc.temporary)
						}
						if strings.Contains(err.Error(), srv.APIKey()) {
							t.Fatal("error leaks the API key")
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					if title != tc.wantTitle || year != tc.wantYear {
						t.Fatalf("got %q %d, want %q %d", title, year, tc.wantTitle, tc.wantYear)
					}
				})
			}
			for _, call := range srv.Calls() {
				if (strings.HasPrefix(call.Path, "/api/v1/movie/") || strings.HasPrefix(call.Path, "/api/v1/tv/")) && !call.KeyOK {
					t.Errorf("%s sent without the API key", call.Path)
				}
				if len(call.Query) != 0 {
					t.Errorf("%s sent query %v", call.Path, call.Query)
				}
			}
		})
	}
}

func TestMediaDetailsErrors(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{})
	defer srv.Close()
	srv.SetMedia(seerr.TypeMovie, 603, "The Matrix", 1999)

	t.Run("wrong key is unauthorized", func(t *testing.T) {
		c := newClient(t, srv.URL(), "wrong")
		_, _, err := c.MediaDetails(context.Background(), seerr.TypeMovie, 603)
		if !errors.Is(err, seerr.ErrUnauthorized) {
			t.Fatalf("err %v, want ErrUnauthorized", err)
		}
	})
	t.Run("down is temporary", func(t *testing.T) {
		srv.SetDown(true)
		defer srv.SetDown(false)
		_, _, err := clientFor(t, srv).MediaDetails(context.Background(), seerr.TypeMovie, 603)
		if !seerr.IsTemporary(err) {
			t.Fatalf("err %v, want temporary", err)
		}
	})
	t.Run("observe op", func(t *testing.T) {
		var ops []string
		c := newClient(t, srv.URL(), srv.APIKey(), func(cfg *seerr.Config) {
			cfg.Observe = func(op, outcome string, _ time.Duration) { ops = append(ops, op+":"+outcome) }
		})
		if _, _, err := c.MediaDetails(context.Background(), seerr.TypeMovie, 603); err != nil {
			t.Fatal(err)
		}
		if len(ops) != 1 || ops[0] != "media:ok" {
			t.Fatalf("observed %v", ops)
		}
	})
}
