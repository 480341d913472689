package seerrtest_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// BenchmarkListPage measures one GET /request page of 50 (filter=approved, the reconcile
// pass's query) from a fake holding N approved requests, served straight by the handler
// (no network). The rows of a query shape are filtered and sorted once and reused until
// the fake changes, so a page costs about the same at 10k and 100k.
func BenchmarkListPage(b *testing.B) {
	defer seerrtest.CheckListCache(seerrtest.CheckListCache(false))
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			f := seerrtest.NewHandler(seerrtest.Options{Version: "3.1.0"})
			for i := 0; i < n; i++ {
				f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
					Media: seerr.Media{TMDBID: 100000 + i, Status: seerr.MediaProcessing}})
			}
			pages := n / 50
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				target := "/api/v1/request?filter=approved&take=50&sort=added&skip=" +
					strconv.Itoa((i%pages)*50)
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.Header.Set("X-Api-Key", f.APIKey())
				rec := httptest.NewRecorder()
				f.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
				}
				if i%1024 == 1023 {
					f.ResetCalls()
				}
			}
		})
	}
}
