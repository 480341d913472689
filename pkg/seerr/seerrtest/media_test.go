package seerrtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

func TestMediaDetailsRoutes(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	srv.SetMedia(seerr.TypeMovie, 603, "The Matrix", 1999)
	srv.SetMedia(seerr.TypeTV, 1399, "Game of Thrones", 2011)
	cases := []struct {
		name       string
		path       string
		q          url.Values
		key        bool
		wantStatus int
		wantBody   string
	}{
		{"movie", "/movie/603", nil, true, 200, `"releaseDate":"1999-01-01"`},
		{"tv", "/tv/1399", nil, true, 200, `"firstAirDate":"2011-01-01"`},
		{"language is allowed", "/movie/603", url.Values{"language": {"de"}}, true, 200, `"title":"The Matrix"`},
		{"unknown movie is a 500 like Seerr", "/movie/604", nil, true, 500, "Unable to retrieve movie."},
		{"unknown series", "/tv/603", nil, true, 500, "Unable to retrieve series."},
		{"non-numeric id", "/movie/abc", nil, true, 400, "must be number"},
		{"unknown query", "/movie/603", url.Values{"foo": {"1"}}, true, 400, "Unknown query parameter"},
		{"no key", "/movie/603", nil, false, 403, "permission"},
		{"sub-route not served", "/movie/603/similar", nil, true, 404, "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := srv.URL() + "/api/v1" + tc.path
			if len(tc.q) > 0 {
				u += "?" + tc.q.Encode()
			}
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			if tc.key {
				req.Header.Set("X-Api-Key", srv.APIKey())
			}
			resp, err := srv.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var raw json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus || !strings.Contains(string(raw), tc.wantBody) {
				t.Fatalf("got %d %s, want %d ~%s", resp.StatusCode, raw, tc.wantStatus, tc.wantBody)
			}
		})
	}
}
