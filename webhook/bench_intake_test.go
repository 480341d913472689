package webhook_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/webhook"
)

// intakeBody splices request ids into one rendering of Seerr's default template, so the
// benchmark measures the intake, not the renderer. The splice is checked against a fresh render.
type intakeBody struct{ head, mid, tail []byte }

const (
	intakeMarkReq  = 987654321
	intakeMarkTMDB = 876543219
)

func newIntakeBody(tb testing.TB) intakeBody {
	tb.Helper()
	raw, err := seerrhook.Render(seerrhook.MovieApproved(intakeMarkReq, intakeMarkTMDB, "Intake Bench Movie", 2024))
	if err != nil {
		tb.Fatal(err)
	}
	// The default template puts tmdbId (media) before request_id (request).
	t := bytes.Index(raw, []byte(strconv.Itoa(intakeMarkTMDB)))
	r := bytes.Index(raw, []byte(strconv.Itoa(intakeMarkReq)))
	if t < 0 || r < t {
		tb.Fatalf("unexpected rendered body layout: %s", raw)
	}
	b := intakeBody{head: raw[:t], mid: raw[t+len(strconv.Itoa(intakeMarkTMDB)) : r], tail: raw[r+len(strconv.Itoa(intakeMarkReq)):]}
	for _, id := range []int{1, 42, 123456} {
		want, _ := seerrhook.Render(seerrhook.MovieApproved(id, 100000+id, "Intake Bench Movie", 2024))
		if got := b.make(id); !bytes.Equal(got, want) {
			tb.Fatalf("spliced body differs from the render:\n got %s\nwant %s", got, want)
		}
	}
	return b
}

func (b intakeBody) make(id int) []byte {
	out := make([]byte, 0, len(b.head)+len(b.mid)+len(b.tail)+20)
	out = append(out, b.head...)
	out = strconv.AppendInt(out, int64(100000+id), 10)
	out = append(out, b.mid...)
	out = strconv.AppendInt(out, int64(id), 10)
	return append(out, b.tail...)
}

// BenchmarkIntakeDurable posts distinct approvals in parallel through the chi routes of the
// real handler onto a real task store (fsync'd, batched by bbolt's DB.Batch), without the network.
// acks/s counts 202s, each a new durable task. For the loopback figure and the comparison
// against the real binary over HTTP, run `go run ./cmd/opsbench -only intake`.
func BenchmarkIntakeDurable(b *testing.B) {
	body := newIntakeBody(b)
	const secret = "bench-secret"
	store, err := taskdb.Open(filepath.Join(b.TempDir(), taskdb.FileName), taskdb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	r := chi.NewRouter()
	webhook.New(webhook.Options{Store: store, Secret: secret, Log: zerolog.New(io.Discard).Level(zerolog.InfoLevel)}).Routes(r)

	var ids, failed atomic.Int64
	b.SetParallelism(32) // 64 goroutines on 2 CPUs, like the loopback run's 64 senders
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := int(ids.Add(1))
			req := httptest.NewRequest(http.MethodPost, "/webhook/seerr", bytes.NewReader(body.make(id)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", secret)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != http.StatusAccepted {
				if failed.Add(1) == 1 {
					b.Errorf("request %d: status %d: %s", id, rec.Code, rec.Body.String())
				}
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "acks/s")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests were not answered 202", n, b.N)
	}
	st, err := store.Stats(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if st.Total != b.N {
		b.Fatalf("store holds %d tasks after %d acks", st.Total, b.N)
	}
}
