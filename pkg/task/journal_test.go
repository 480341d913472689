package task

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openWindow opens a journaled store whose window is longer than any test, so journaled
// enqueues stay out of the database until something settles them.
func openWindow(t *testing.T, path string, clock *fakeClock) *Store {
	t.Helper()
	opts := Options{JournalWindow: time.Hour}
	if clock != nil {
		opts.Now = clock.Now
	}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// copyFile copies src to dst (a crash image: what is on disk right now).
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// crashImage copies the database and its journal as they are on disk into a new directory,
// as if the process had been killed now, and returns the copy's database path.
func crashImage(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), FileName)
	copyFile(t, path, dst)
	copyFile(t, path+JournalSuffix, dst+JournalSuffix)
	return dst
}

// openImage opens a crash image (or any store file) for checks; it is closed at cleanup.
func openImage(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// committedKeys reads the keys bucket of a database file with bbolt alone (no journal).
func committedKeys(t *testing.T, path string) map[string]bool {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys := map[string]bool{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeys).ForEach(func(k, _ []byte) error { keys[string(k)] = true; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestJournalAcksBeforeTheDatabaseCommit: an acknowledged enqueue is in the journal, not yet
// in the database file, and every read or write of the store sees it at once.
func TestJournalAcksBeforeTheDatabaseCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s := openWindow(t, path, nil)
	res := mustEnqueue(t, s, SourceWebhook, movie(1, 11))

	if keys := committedKeys(t, crashImage(t, path)); keys["seerr:1"] {
		t.Fatal("the database file already holds the task: the journal was not the point of acknowledgement")
	}
	groups, err := s.jnl.read()
	if err != nil || len(groups) != 1 || len(groups[0].Ops) != 1 || groups[0].Ops[0].In.RequestID != 1 {
		t.Fatalf("journal holds %+v, %v; want one record with request 1", groups, err)
	}

	// Each read runs right after a fresh journaled enqueue and must see it.
	reads := []struct {
		name string
		read func(key string, n int) error
	}{
		{"Get", func(string, int) error { _, err := s.Get(ctx, res.Task.ID); return err }},
		{"GetByKey", func(key string, _ int) error { _, err := s.GetByKey(ctx, key); return err }},
		{"Has", func(key string, _ int) error {
			if ok, _, err := s.Has(ctx, key); err != nil || !ok {
				return fmt.Errorf("Has = %v, %v", ok, err)
			}
			return nil
		}},
		{"List", func(key string, n int) error {
			if l, total, err := s.List(ctx, ListOptions{}); err != nil || total != n || len(l) == 0 || l[0].Key != key {
				return fmt.Errorf("List = %d tasks of %d, %v; want the newest to be %s of %d", len(l), total, err, key, n)
			}
			return nil
		}},
		{"Stats", func(_ string, n int) error {
			if st, err := s.Stats(ctx); err != nil || st.Total != n || st.ByStatus[StatusPending] != n {
				return fmt.Errorf("Stats = %+v, %v; want %d pending", st, err, n)
			}
			return nil
		}},
		{"Update", func(string, int) error {
			_, err := s.Update(ctx, res.Task.ID, func(t *Task) error { t.Reason = "noted"; return nil })
			return err
		}},
	}
	for i, r := range reads {
		in := movie(100+i, 5)
		mustEnqueue(t, s, SourceWebhook, in)
		if err := r.read(in.Key(), i+2); err != nil {
			t.Errorf("%s right after the ack: %v", r.name, err)
		}
	}
	if !committedKeys(t, crashImage(t, path))["seerr:1"] {
		t.Fatal("after the reads the database file still lacks the task")
	}
	checkCounters(t, s)
}

// TestJournalReplayGivesTheAnsweredTasks: after a crash, Open replays the journal and every
// acknowledged enqueue is back with the id, seasons and times it was answered with, merges
// included; a second open replays nothing.
func TestJournalReplayGivesTheAnsweredTasks(t *testing.T) {
	for _, noJournal := range []bool{false, true} {
		t.Run(fmt.Sprintf("reopen NoJournal=%v", noJournal), func(t *testing.T) {
			ctx := context.Background()
			clock := newClock()
			path := filepath.Join(t.TempDir(), FileName)
			s := openWindow(t, path, clock)
			mustEnqueue(t, s, SourceWebhook, movie(1, 11))
			if _, err := s.GetByKey(ctx, "seerr:1"); err != nil { // committed: the replay must start after it
				t.Fatal(err)
			}
			answered := map[string]Task{}
			for i, in := range []Input{tv(2, 22, 1), movie(3, 33), tv(2, 22, 2, 3), movie(3, 33), tv(4, 44, 0)} {
				clock.Add(time.Duration(i+1) * time.Second)
				res := mustEnqueue(t, s, SourceWebhook, in)
				answered[res.Task.Key] = res.Task
			}
			img := crashImage(t, path)

			r, err := Open(img, Options{NoJournal: noJournal})
			if err != nil {
				t.Fatal(err)
			}
			if rep := r.JournalReport(); rep.Replayed != 4 {
				t.Errorf("JournalReport = %+v; want 4 replayed (3 new tasks and 1 merge; the repeat changed nothing)", rep)
			}
			for key, want := range answered {
				got, err := r.GetByKey(ctx, key)
				if err != nil {
					t.Fatalf("%s after the crash: %v", key, err)
				}
				if got.ID != want.ID || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) ||
					got.Revision != want.Revision || !slices.Equal(seasonsOf(got.Input.Seasons), seasonsOf(want.Input.Seasons)) {
					t.Errorf("%s after the crash = id %s rev %d seasons %v created %s; answered id %s rev %d seasons %v created %s",
						key, got.ID, got.Revision, seasonsOf(got.Input.Seasons), got.CreatedAt, want.ID, want.Revision, seasonsOf(want.Input.Seasons), want.CreatedAt)
				}
			}
			checkCounters(t, r)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			r2 := openImage(t, img, Options{})
			if rep := r2.JournalReport(); rep.Replayed != 0 {
				t.Errorf("second open replayed %+v; want nothing", rep)
			}
			if _, n, _ := r2.List(ctx, ListOptions{}); n != 4 {
				t.Errorf("tasks after the second open = %d, want 4", n)
			}
		})
	}
}

// TestJournalSkipsWhatTheDatabaseHolds: a crash after the commit and before the journal is
// rewound leaves records the database already holds; Open skips them (a second apply would
// add a history entry or a revision).
func TestJournalSkipsWhatTheDatabaseHolds(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s := openWindow(t, path, nil)
	mustEnqueue(t, s, SourceWebhook, tv(1, 11, 1))
	mustEnqueue(t, s, SourceWebhook, tv(1, 11, 2))
	journal := filepath.Join(t.TempDir(), "journal")
	copyFile(t, path+JournalSuffix, journal)  // the records, before the commit
	before, err := s.GetByKey(ctx, "seerr:1") // commits
	if err != nil {
		t.Fatal(err)
	}
	img := crashImage(t, path)
	copyFile(t, journal, img+JournalSuffix)

	r := openImage(t, img, Options{})
	if rep := r.JournalReport(); rep.Replayed != 0 || rep.Skipped != 2 {
		t.Errorf("JournalReport = %+v; want 2 skipped, 0 replayed", rep)
	}
	after, err := r.GetByKey(ctx, "seerr:1")
	if err != nil {
		t.Fatal(err)
	}
	if after.Revision != before.Revision || len(after.History) != len(before.History) {
		t.Errorf("task changed by the replay: revision %d → %d, history %d → %d", before.Revision, after.Revision, len(before.History), len(after.History))
	}
	checkCounters(t, r)
}

// TestJournalRecordsAfterARewind: records written after a commit rewound the journal
// overwrite the old ones from offset 0; the replay takes the new ones and stops at the old.
func TestJournalRecordsAfterARewind(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s := openWindow(t, path, nil)
	for i := 1; i <= 5; i++ {
		mustEnqueue(t, s, SourceWebhook, movie(i, i)) // five records
	}
	if _, _, err := s.List(ctx, ListOptions{}); err != nil { // commit and rewind
		t.Fatal(err)
	}
	mustEnqueue(t, s, SourceWebhook, movie(6, 6)) // overwrites record 1; records 2..5 follow it
	img := crashImage(t, path)
	r := openImage(t, img, Options{})
	if rep := r.JournalReport(); rep.Replayed != 1 {
		t.Errorf("JournalReport = %+v; want exactly the one record written after the rewind", rep)
	}
	if _, n, _ := r.List(ctx, ListOptions{}); n != 6 {
		t.Errorf("tasks = %d, want 6", n)
	}
	checkCounters(t, r)
}

// TestJournalRead: the replay takes whole records in order and stops at the first torn, zero,
// corrupt or stale one.
func TestJournalRead(t *testing.T) {
	rec := func(gen uint64) []byte {
		body := []byte(fmt.Sprintf(`{"gen":%d,"at":"2026-11-01T12:00:00Z","ops":[{"src":"webhook","in":{"requestId":%d}}]}`, gen, gen))
		b := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(body, journalCRC))
		return append(b, body...)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 0x40; return c }
	tests := []struct {
		name string
		file []byte
		want []uint64
	}{
		{"empty", nil, nil},
		{"zeros", make([]byte, 4096), nil},
		{"two records then zeros", cat(rec(1), rec(2), make([]byte, 64)), []uint64{1, 2}},
		{"torn second record", cat(rec(1), rec(2)[:20]), []uint64{1}},
		{"torn header", cat(rec(1), rec(2)[:5]), []uint64{1}},
		{"bit flip in the body", cat(rec(1), flip(rec(2), 30), rec(3)), []uint64{1}},
		{"bit flip in the checksum", cat(flip(rec(1), 5), rec(2)), nil},
		{"length beyond the file", cat(rec(1), []byte{0x7f, 0, 0, 0, 1, 2, 3, 4}), []uint64{1}},
		{"old record after a rewind", cat(rec(7), rec(8), rec(3), rec(4)), []uint64{7, 8}},
		{"same generation twice", cat(rec(7), rec(7)), []uint64{7}},
		{"not JSON", cat(rec(1), func() []byte {
			body := []byte("{not json")
			b := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
			b = binary.BigEndian.AppendUint32(b, crc32.Checksum(body, journalCRC))
			return append(b, body...)
		}()), []uint64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j")
			if err := os.WriteFile(path, tt.file, 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := openJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			defer j.close()
			groups, err := j.read()
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, g := range groups {
				got = append(got, g.Gen)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("read generations %v, want %v", got, tt.want)
			}
		})
	}
}

// TestJournalFailureFallsBackToTheDatabase: when the journal cannot be written the group is
// committed to the database before it is answered, nothing acknowledged is lost, and later
// enqueues keep working without the journal.
func TestJournalFailureFallsBackToTheDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	var reported []error
	s, err := Open(path, Options{JournalWindow: time.Hour, JournalFailed: func(err error) { reported = append(reported, err) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	first := mustEnqueue(t, s, SourceWebhook, movie(1, 11)) // journaled, not committed
	_ = s.jnl.f.Close()                                     // the next journal write fails
	second := mustEnqueue(t, s, SourceWebhook, movie(2, 22))
	if !s.JournalFailed() || len(reported) != 1 {
		t.Fatalf("JournalFailed = %v, reported %v; want the failed journal write reported once", s.JournalFailed(), reported)
	}
	keys := committedKeys(t, crashImage(t, path))
	if !keys["seerr:1"] || !keys["seerr:2"] {
		t.Fatalf("database file keys %v; want both acknowledged tasks committed", keys)
	}
	third := mustEnqueue(t, s, SourceWebhook, movie(3, 33))
	if !committedKeys(t, crashImage(t, path))["seerr:3"] {
		t.Fatal("without the journal an acknowledged enqueue must be committed before its answer")
	}
	for _, want := range []EnqueueResult{first, second, third} {
		if got, err := s.Get(ctx, want.Task.ID); err != nil || got.Key != want.Task.Key {
			t.Errorf("Get(%s) = %s, %v; want %s", want.Task.ID, got.Key, err, want.Task.Key)
		}
	}
	checkCounters(t, s)
}

// TestCloseCommitsTheJournal: Close leaves every acknowledged enqueue in the database file.
func TestCloseCommitsTheJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path, Options{JournalWindow: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s, SourceWebhook, movie(1, 11))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !committedKeys(t, path)["seerr:1"] {
		t.Fatal("Close left an acknowledged enqueue only in the journal")
	}
}

// TestUnusableJournalStopsOpen: a journal that cannot be read is not skipped silently (it may
// hold acknowledged webhooks); Open fails and says how to start without it.
func TestUnusableJournalStopsOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.Mkdir(path+JournalSuffix, 0o700); err != nil { // not a file
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded with an unusable journal")
	}
	if !strings.Contains(err.Error(), JournalSuffix) || !strings.Contains(err.Error(), "moving it aside") {
		t.Errorf("Open error %q: want the journal named and the way out", err)
	}
	// The database is closed again: a later Open (after the fix) is not locked out.
	if err := os.Remove(path + JournalSuffix); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after removing the bad journal: %v", err)
	}
	_ = s.Close()
}

// TestFailedCommitKeepsWhatWasAcknowledged: when the database commit behind the journal fails,
// reads say so instead of answering without the acknowledged enqueues, nothing is committed
// ahead of them, and the next commit stores them with the ids they were answered with.
func TestFailedCommitKeepsWhatWasAcknowledged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s := openWindow(t, path, nil)
	a := mustEnqueue(t, s, SourceWebhook, movie(1, 11))
	b := mustEnqueue(t, s, SourceWebhook, tv(2, 22, 1))

	diskFull := errors.New("no space left on device")
	fail := func() error { return diskFull }
	s.failCommit.Store(&fail)
	if _, err := s.Get(ctx, a.Task.ID); !errors.Is(err, diskFull) {
		t.Fatalf("Get while the commit fails = %v; want the commit's error", err)
	}
	if _, err := s.Update(ctx, a.Task.ID, func(t *Task) error { t.Reason = "x"; return nil }); !errors.Is(err, diskFull) {
		t.Fatalf("Update while the commit fails = %v; want the commit's error, nothing written ahead", err)
	}
	// A crash now: the journal still has both.
	img := crashImage(t, path)
	if keys := committedKeys(t, img); len(keys) != 0 {
		t.Fatalf("database file keys %v after failed commits; want none", keys)
	}

	s.failCommit.Store(nil)
	c := mustEnqueue(t, s, SourceWebhook, tv(2, 22, 2)) // merges into b
	for _, want := range []EnqueueResult{a, b} {
		got, err := s.Get(ctx, want.Task.ID)
		if err != nil || got.Key != want.Task.Key {
			t.Fatalf("Get(%s) after recovery = %s, %v; want %s", want.Task.ID, got.Key, err, want.Task.Key)
		}
	}
	if c.Task.ID != b.Task.ID || !c.Changed {
		t.Errorf("merge after recovery = %+v; want it merged into %s", c, b.Task.ID)
	}
	checkCounters(t, s)

	r := openImage(t, img, Options{})
	if rep := r.JournalReport(); rep.Replayed != 2 {
		t.Errorf("crash image replayed %+v; want the 2 acknowledged enqueues", rep)
	}
	for _, want := range []EnqueueResult{a, b} {
		if got, err := r.GetByKey(ctx, want.Task.Key); err != nil || got.ID != want.Task.ID {
			t.Errorf("%s in the crash image = %s, %v; want %s", want.Task.Key, got.ID, err, want.Task.ID)
		}
	}
}

// TestJournalUnderMixedLoad: journaled enqueues race reads, claims and updates. Every caller
// reads its own acknowledged enqueue at once, the worker-like claimer never sees a task the
// store has not answered for, and the indexes and counters stay true. Run with -race.
func TestJournalUnderMixedLoad(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), FileName), Options{JournalWindow: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const writers, each = 8, 40
	acked := sync.Map{} // task id → true once its Enqueue returned
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+16)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				req := w*1000 + i + 1
				in := movie(req, req)
				if i%5 == 4 {
					in = tv(w*1000+999, 77, i) // one TV request per writer that merges a new season each time
				}
				res, err := s.Enqueue(ctx, SourceWebhook, in)
				if err != nil {
					errs <- err
					return
				}
				acked.Store(res.Task.ID, true)
				if got, err := s.Get(ctx, res.Task.ID); err != nil || got.Key != in.Key() {
					errs <- fmt.Errorf("Get(%s) right after its ack: %s, %v", res.Task.ID, got.Key, err)
					return
				}
			}
		}(w)
	}
	stop := make(chan struct{})
	var side sync.WaitGroup
	// repeat runs step in a goroutine until stop closes or step fails.
	repeat := func(step func() error) {
		side.Add(1)
		go func() {
			defer side.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := step(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	repeat(func() error { // a worker: claims whatever is due and finishes it
		tk, _, err := s.ClaimNext(ctx, time.Minute)
		if err != nil || tk == nil {
			time.Sleep(time.Millisecond)
			return err
		}
		if _, ok := acked.Load(tk.ID); !ok {
			// Claimed before its Enqueue returned is allowed only if the writer has
			// answered by now (the answer and the claim race; the journal came first).
			time.Sleep(10 * time.Millisecond)
			if _, ok := acked.Load(tk.ID); !ok {
				return fmt.Errorf("claimed %s, which no Enqueue was answered for", tk.ID)
			}
		}
		_, err = s.Update(ctx, tk.ID, func(x *Task) error { x.Status = StatusSuccess; return nil })
		return err
	})
	repeat(func() error { // an operator: lists and stats
		if _, _, err := s.List(ctx, ListOptions{Status: StatusPending, Limit: 5}); err != nil {
			return err
		}
		_, err := s.Stats(ctx)
		return err
	})
	wg.Wait()
	close(stop)
	side.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n := 0
	acked.Range(func(_, _ any) bool { n++; return true })
	if _, total, _ := s.List(ctx, ListOptions{}); total != n {
		t.Errorf("tasks = %d, acknowledged distinct ids = %d", total, n)
	}
	checkCounters(t, s)
}
