package reconcile

import (
	"context"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// BenchmarkPass10k measures a steady-state pass: N approved requests on a fake Seerr over
// loopback, all already in a real bbolt store, so a pass reads every page and writes
// nothing. The 10k case is the headline; 1k and 100k show how it scales. The store is
// filled by one real pass before the timer starts; its duration is reported as
// first-sync-ms. SEERRPILOT_BENCH_PAGE overrides the page size (default 50, like
// JELLY_PAGE_SIZE).
func BenchmarkPass10k(b *testing.B) {
	page := 50
	if v := os.Getenv("SEERRPILOT_BENCH_PAGE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("SEERRPILOT_BENCH_PAGE=%q", v)
		}
		page = n
	}
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
			defer srv.Close()
			for i := 0; i < n; i++ {
				srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
					Media: seerr.Media{TMDBID: 100000 + i, Status: seerr.MediaProcessing}})
			}
			cs := &countingStore{Store: openStore(b)}
			p := New(Options{Seerr: client(b, srv), Store: cs, Filter: seerr.FilterApproved,
				PageSize: page, Log: zerolog.New(io.Discard)})

			began := time.Now()
			first, err := p.Pass(context.Background(), PassOptions{})
			if err != nil || first.Enqueued != n {
				b.Fatalf("first pass %+v %v", first, err)
			}
			firstSync := time.Since(began)
			cs.enqueue.Store(0)

			b.ResetTimer()
			var sum Summary
			for i := 0; i < b.N; i++ {
				sum, err = p.Pass(context.Background(), PassOptions{})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if sum.Unchanged != n || sum.Enqueued != 0 || cs.enqueue.Load() != 0 {
				b.Fatalf("steady pass %+v, %d Enqueue calls", sum, cs.enqueue.Load())
			}
			b.ReportMetric(float64(sum.Pages), "pages/op")
			// Reported after the loop: ResetTimer drops metrics reported before it.
			b.ReportMetric(float64(firstSync.Milliseconds()), "first-sync-ms")
		})
	}
}
