package taskdb

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/task"

	bolt "go.etcd.io/bbolt"
)

// benchTasks is how many tasks the large-store benchmarks hold (SEERRPILOT_BENCH_TASKS, default 1,000,000).
func benchTasks(b *testing.B) int {
	if v := os.Getenv("SEERRPILOT_BENCH_TASKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("SEERRPILOT_BENCH_TASKS=%q", v)
		}
		return n
	}
	return 1_000_000
}

// fill writes n tasks with a realistic status mix (most delivered, some failed, pending and
// cancelled), in large transactions through the same put() the store uses.
func fill(b *testing.B, s *Store, n int) {
	rng := rand.New(rand.NewSource(42))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const perTx = 20_000
	for done := 0; done < n; {
		err := s.update(func(tx *bolt.Tx) error {
			for i := 0; i < perTx && done < n; i++ {
				done++
				seq, err := tx.Bucket(bucketTasks).NextSequence()
				if err != nil {
					return err
				}
				now := start.Add(time.Duration(done) * time.Minute)
				st := task.StatusSuccess
				switch r := rng.Intn(100); {
				case r < 4:
					st = task.StatusPending
				case r < 9:
					st = task.StatusFailed
				case r < 10:
					st = task.StatusCancelled
				}
				in := task.Input{RequestID: done, TMDBID: 1000 + done, MediaType: task.TypeTV, Title: "Show " + strconv.Itoa(done), Year: 2020,
					Seasons: []task.SeasonRequest{{Season: 1}, {Season: 2}}}
				one, two := 1, 2
				t := &task.Task{ID: task.FormatID(seq), Key: in.Key(), Type: in.MediaType, Status: st, CreatedAt: now, UpdatedAt: now,
					Source: task.SourceReconcile, Input: in, NextAttemptAt: now, Revision: 1,
					Items: []task.Item{{Season: &one, State: task.ItemSubscribed, MPSubscriptionID: done}, {Season: &two, State: task.ItemSubscribed, MPSubscriptionID: done + 1}}}
				t.AddHistory(now, "enqueued", "from reconcile")
				if err := put(tx, seq, nil, t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLargeStore measures the operator's and the worker's reads against a store holding
// SEERRPILOT_BENCH_TASKS tasks (1M by default). Building the store takes a while; run it with
// `make bench`, not in CI.
func BenchmarkLargeStore(b *testing.B) {
	n := benchTasks(b)
	dir := b.TempDir()
	path := filepath.Join(dir, FileName)
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Now()
	fill(b, s, n)
	info, _ := os.Stat(path)
	b.Logf("built %d tasks in %v; file %.0f MiB", n, time.Since(t0).Round(time.Millisecond), float64(info.Size())/(1<<20))
	ctx := context.Background()

	for _, st := range []task.Status{task.StatusPending, task.StatusFailed, task.StatusSuccess} {
		b.Run("ListByStatus20/"+string(st), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				got, total, err := s.List(ctx, ListOptions{Status: st, Limit: 20})
				if err != nil || len(got) != 20 || total == 0 {
					b.Fatalf("list: %d %d %v", len(got), total, err)
				}
			}
		})
	}
	b.Run("ListNewest100", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if got, _, err := s.List(ctx, ListOptions{Limit: 100}); err != nil || len(got) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetByID", func(b *testing.B) {
		rng := rand.New(rand.NewSource(1))
		for i := 0; i < b.N; i++ {
			if _, err := s.Get(ctx, task.FormatID(uint64(rng.Intn(n)+1))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("HasKey", func(b *testing.B) {
		rng := rand.New(rand.NewSource(1))
		for i := 0; i < b.N; i++ {
			if ok, _, err := s.Has(ctx, fmt.Sprintf("seerr:%d", rng.Intn(n)+1)); err != nil || !ok {
				b.Fatal(err)
			}
		}
	})
	b.Run("Stats", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if st, err := s.Stats(ctx); err != nil || st.Total != n {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReopenAndReclaim", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = s.Close()
			s, err = Open(path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.ReclaimRunning(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ClaimAndFinish", func(b *testing.B) {
		// Claim the next due task and finish it: the worker's write path (two fsync'd commits).
		for i := 0; i < b.N; i++ {
			tk, _, err := s.ClaimNext(ctx, time.Minute)
			if err != nil || tk == nil {
				b.Fatalf("claim: %v %v", tk, err)
			}
			if _, err := s.Update(ctx, tk.ID, func(x *task.Task) error { x.Status = task.StatusSuccess; return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEnqueueParallel measures durable, group-committed enqueues of distinct requests.
func BenchmarkEnqueueParallel(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), FileName), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var seq int64
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	next := func() int { <-mu; seq++; v := seq; mu <- struct{}{}; return int(v) }
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := next()
			if _, err := s.Enqueue(context.Background(), task.SourceWebhook, movie(id, id)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBatchCommit enqueues new tasks from 10 goroutines at once, so bbolt's DB.Batch
// commits them in groups (the intake under a webhook burst). Besides time it reports what
// bbolt wrote per commit — pages and write calls — which, unlike time on a shared VM, is
// exact: every page and every pwrite is disk work the intake pays before it may answer 202.
// The nosync variant skips the fsyncs, leaving the CPU cost of building the transactions.
func BenchmarkBatchCommit(b *testing.B) {
	for _, sync := range []bool{true, false} {
		name := map[bool]string{true: "fsync", false: "nosync"}[sync]
		b.Run(name, func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), FileName), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.db.NoSync = !sync
			benchBatchCommit(b, s)
		})
	}
}

func benchBatchCommit(b *testing.B, s *Store) {
	const senders = 10
	var next atomic.Int64
	before := s.db.Stats().TxStats
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				id := int(next.Add(1))
				if id > b.N {
					return
				}
				res, err := s.Enqueue(context.Background(), task.SourceWebhook, movie(id, id))
				if err != nil || !res.Created {
					b.Errorf("enqueue %d: created %v, err %v", id, res.Created, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	after := s.db.Stats().TxStats
	commits := float64(max(after.GetWrite()-before.GetWrite(), 1))
	b.ReportMetric(float64(after.GetPageCount()-before.GetPageCount())/float64(b.N), "pages/task")
	b.ReportMetric(float64(b.N)/commits, "tasks/write")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/task")
}
