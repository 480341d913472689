package taskdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/boltcheck"
	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	bolt "go.etcd.io/bbolt"
)

func openTest(t *testing.T, clock *clocktest.Clock) *Store {
	t.Helper()
	opts := Options{}
	if clock != nil {
		opts.Now = clock.Now
	}
	s, err := Open(filepath.Join(t.TempDir(), FileName), opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func movie(req, tmdb int) task.Input {
	return task.Input{RequestID: req, TMDBID: tmdb, MediaType: task.TypeMovie, Title: "Movie", Year: 2020}
}

func tv(req, tmdb int, seasons ...int) task.Input {
	in := task.Input{RequestID: req, TMDBID: tmdb, MediaType: task.TypeTV, Title: "Show"}
	for _, s := range seasons {
		in.Seasons = append(in.Seasons, task.SeasonRequest{Season: s})
	}
	return in
}

func mustEnqueue(t *testing.T, s *Store, src task.Source, in task.Input) EnqueueResult {
	t.Helper()
	res, err := s.Enqueue(context.Background(), src, in)
	if err != nil {
		t.Fatalf("enqueue %+v: %v", in, err)
	}
	return res
}

func seasonsOf(ss []task.SeasonRequest) []int {
	out := []int{}
	for _, s := range ss {
		out = append(out, s.Season)
	}
	return out
}

// TestUpdateEnforcesTransitions drives every status pair through the store: legal changes are
// stored, illegal ones return a TransitionError (ErrConflict) and change nothing.
func TestUpdateEnforcesTransitions(t *testing.T) {
	ctx := context.Background()
	for _, from := range task.Statuses {
		for _, to := range task.Statuses {
			t.Run(fmt.Sprintf("%s->%s", from, to), func(t *testing.T) {
				s := openTest(t, nil)
				res := mustEnqueue(t, s, task.SourceWebhook, movie(1, 10))
				forceStatus(t, s, res.Task.ID, from)
				_, err := s.Update(ctx, res.Task.ID, func(tk *task.Task) error { tk.Status = to; return nil })
				got, gerr := s.Get(ctx, res.Task.ID)
				if gerr != nil {
					t.Fatal(gerr)
				}
				if task.CanTransition(from, to) {
					if err != nil || got.Status != to {
						t.Fatalf("legal %s->%s: err=%v status=%s", from, to, err, got.Status)
					}
					return
				}
				var te *task.TransitionError
				if !errors.Is(err, task.ErrConflict) || !errors.As(err, &te) {
					t.Fatalf("illegal %s->%s: want TransitionError, got %v", from, to, err)
				}
				if got.Status != from {
					t.Fatalf("illegal transition changed status to %s", got.Status)
				}
				checkCounters(t, s)
			})
		}
	}
}

// forceStatus walks a task along legal transitions to the wanted status.
func forceStatus(t *testing.T, s *Store, id string, want task.Status) {
	t.Helper()
	paths := map[task.Status][]task.Status{
		task.StatusPending:   nil,
		task.StatusRunning:   {task.StatusRunning},
		task.StatusSuccess:   {task.StatusRunning, task.StatusSuccess},
		task.StatusFailed:    {task.StatusRunning, task.StatusFailed},
		task.StatusCancelled: {task.StatusCancelled},
	}
	for _, st := range paths[want] {
		if _, err := s.Update(context.Background(), id, func(tk *task.Task) error { tk.Status = st; return nil }); err != nil {
			t.Fatalf("force %s: %v", st, err)
		}
	}
}

func TestEnqueueIdempotentAndMerges(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, nil)

	first := mustEnqueue(t, s, task.SourceWebhook, tv(7, 100, 1, 2))
	if !first.Created || first.Changed || first.Task.Status != task.StatusPending || first.Task.ID == "" {
		t.Fatalf("first enqueue: %+v", first)
	}
	again := mustEnqueue(t, s, task.SourceReconcile, tv(7, 100, 2, 1))
	if again.Created || again.Changed || again.Task.ID != first.Task.ID {
		t.Fatalf("repeat enqueue created or changed: %+v", again)
	}
	if again.Task.Source != task.SourceWebhook {
		t.Fatalf("repeat changed source to %s", again.Task.Source)
	}
	more := mustEnqueue(t, s, task.SourceReconcile, tv(7, 100, 3))
	if more.Created || !more.Changed || more.Task.ID != first.Task.ID {
		t.Fatalf("new season: %+v", more)
	}
	if got := seasonsOf(more.Task.Input.Seasons); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("merged seasons = %v", got)
	}
	if more.Task.Revision != 2 {
		t.Fatalf("revision = %d, want 2", more.Task.Revision)
	}
	_, total, err := s.List(ctx, ListOptions{})
	if err != nil || total != 1 {
		t.Fatalf("total = %d, err %v; want exactly one task", total, err)
	}
	checkCounters(t, s)
}

func TestEnqueueReopensFinishedOnlyForNewSeasons(t *testing.T) {
	ctx := context.Background()
	for _, finished := range []task.Status{task.StatusSuccess, task.StatusFailed} {
		t.Run(string(finished), func(t *testing.T) {
			s := openTest(t, nil)
			res := mustEnqueue(t, s, task.SourceWebhook, tv(1, 100, 1))
			forceStatus(t, s, res.Task.ID, finished)
			if _, err := s.Update(ctx, res.Task.ID, func(tk *task.Task) error {
				one := 1
				tk.Items = []task.Item{{Season: &one, State: task.ItemSubscribed, MPSubscriptionID: 55}}
				tk.Attempts = 4
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// Same seasons again: nothing happens.
			if r := mustEnqueue(t, s, task.SourceReconcile, tv(1, 100, 1)); r.Changed || r.Task.Status != finished {
				t.Fatalf("repeat re-opened: %+v", r)
			}
			r := mustEnqueue(t, s, task.SourceReconcile, tv(1, 100, 1, 2))
			if !r.Changed || r.Task.Status != task.StatusPending || r.Task.Attempts != 0 {
				t.Fatalf("new season did not re-open: %+v", r)
			}
			if len(r.Task.Items) != 1 || r.Task.Items[0].State != task.ItemSubscribed || r.Task.Items[0].MPSubscriptionID != 55 {
				t.Fatalf("done item lost its state: %+v", r.Task.Items)
			}
			checkCounters(t, s)
		})
	}
}

func TestEnqueueCancelledKeepsStatusButMerges(t *testing.T) {
	s := openTest(t, nil)
	res := mustEnqueue(t, s, task.SourceWebhook, tv(1, 100, 1))
	forceStatus(t, s, res.Task.ID, task.StatusCancelled)
	// Reconcile, with nothing newer from Seerr, does not re-open a cancel (a webhook, a new
	// approval, would: see reopen_test.go).
	r := mustEnqueue(t, s, task.SourceReconcile, tv(1, 100, 2))
	if r.Task.Status != task.StatusCancelled || fmt.Sprint(seasonsOf(r.Task.Input.Seasons)) != "[1 2]" {
		t.Fatalf("cancelled task: %+v", r.Task)
	}
}

func TestEnqueueRejectsInvalid(t *testing.T) {
	s := openTest(t, nil)
	cases := []struct {
		name string
		src  task.Source
		in   task.Input
	}{
		{"no tmdb", task.SourceWebhook, task.Input{RequestID: 1, MediaType: task.TypeMovie}},
		{"negative tmdb", task.SourceWebhook, task.Input{RequestID: 1, TMDBID: -3, MediaType: task.TypeMovie}},
		{"bad type", task.SourceWebhook, task.Input{RequestID: 1, TMDBID: 3, MediaType: "music"}},
		{"movie with seasons", task.SourceWebhook, task.Input{RequestID: 1, TMDBID: 3, MediaType: task.TypeMovie, Seasons: []task.SeasonRequest{{Season: 1}}}},
		{"negative season", task.SourceWebhook, tv(1, 3, -1)},
		{"bad episode", task.SourceWebhook, task.Input{RequestID: 1, TMDBID: 3, MediaType: task.TypeTV, Seasons: []task.SeasonRequest{{Season: 1, Episodes: []int{0}}}}},
		{"bad source", "carrier-pigeon", movie(1, 3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Enqueue(context.Background(), c.src, c.in)
			if !errors.Is(err, task.ErrInvalid) {
				t.Fatalf("want ErrInvalid, got %v", err)
			}
		})
	}
	if _, total, _ := s.List(context.Background(), ListOptions{}); total != 0 {
		t.Fatalf("invalid input stored %d tasks", total)
	}
}

func TestManualKeyByMedia(t *testing.T) {
	s := openTest(t, nil)
	a := mustEnqueue(t, s, task.SourceManual, task.Input{TMDBID: 5, MediaType: task.TypeTV, Seasons: []task.SeasonRequest{{Season: 1}}})
	b := mustEnqueue(t, s, task.SourceManual, task.Input{TMDBID: 5, MediaType: task.TypeTV, Seasons: []task.SeasonRequest{{Season: 2}}})
	c := mustEnqueue(t, s, task.SourceManual, task.Input{TMDBID: 5, MediaType: task.TypeMovie})
	if a.Task.ID != b.Task.ID || !b.Changed || c.Task.ID == a.Task.ID || a.Task.Key != "tmdb:tv:5" {
		t.Fatalf("manual keys: a=%s b=%s c=%s key=%s", a.Task.ID, b.Task.ID, c.Task.ID, a.Task.Key)
	}
}

// TestConcurrentEnqueue has 50 goroutines enqueue the same and different keys at once.
func TestConcurrentEnqueue(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, nil)
	const workers = 50
	var wg sync.WaitGroup
	created := make(chan string, workers*3)
	errs := make(chan error, workers*3)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for _, in := range []task.Input{
				tv(1, 100, i%4),     // same key, seasons 0..3 merged
				movie(1000+i, 2000), // distinct keys
				movie(5000, 3000),   // same key, nothing to merge
			} {
				res, err := s.Enqueue(ctx, task.SourceWebhook, in)
				if err != nil {
					errs <- err
					return
				}
				if res.Created {
					created <- res.Task.Key
				}
			}
		}(i)
	}
	wg.Wait()
	close(created)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	perKey := map[string]int{}
	for k := range created {
		perKey[k]++
	}
	for k, n := range perKey {
		if n != 1 {
			t.Errorf("key %s created %d times", k, n)
		}
	}
	if len(perKey) != workers+2 {
		t.Fatalf("created %d distinct keys, want %d", len(perKey), workers+2)
	}
	shared, err := s.GetByKey(ctx, "seerr:1")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(seasonsOf(shared.Input.Seasons)); got != "[0 1 2 3]" {
		t.Fatalf("merged seasons = %s", got)
	}
	_, total, _ := s.List(ctx, ListOptions{})
	if total != workers+2 {
		t.Fatalf("total = %d, want %d", total, workers+2)
	}
	checkCounters(t, s)
}

func TestClaimNextFIFOAndDue(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New(time.Time{})
	s := openTest(t, clock)
	a := mustEnqueue(t, s, task.SourceWebhook, movie(1, 1))
	clock.Advance(time.Second)
	b := mustEnqueue(t, s, task.SourceWebhook, movie(2, 2))
	clock.Advance(time.Second)
	c := mustEnqueue(t, s, task.SourceWebhook, movie(3, 3))

	// Push a into the future: b comes first, then c; a only once due.
	got, _, err := s.ClaimNext(ctx, time.Minute)
	if err != nil || got.ID != a.Task.ID {
		t.Fatalf("first claim = %v, %v", got, err)
	}
	if got.Status != task.StatusRunning || got.LeaseUntil == nil {
		t.Fatalf("claimed task not running with a lease: %+v", got)
	}
	retryAt := clock.Now().Add(time.Hour)
	if _, err := s.Update(ctx, a.Task.ID, func(tk *task.Task) error {
		tk.Status, tk.NextAttemptAt, tk.Attempts = task.StatusPending, retryAt, 1
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{b.Task.ID, c.Task.ID} {
		got, _, err := s.ClaimNext(ctx, time.Minute)
		if err != nil || got == nil || got.ID != want {
			t.Fatalf("claim: got %v err %v, want %s", got, err, want)
		}
	}
	none, next, err := s.ClaimNext(ctx, time.Minute)
	if err != nil || none != nil || !next.Equal(retryAt) {
		t.Fatalf("nothing due: got %v next %v err %v; want next %v", none, next, err, retryAt)
	}
	clock.Advance(time.Hour)
	got, _, err = s.ClaimNext(ctx, time.Minute)
	if err != nil || got == nil || got.ID != a.Task.ID {
		t.Fatalf("due retry not claimed: %v %v", got, err)
	}
	checkCounters(t, s)
}

func TestListNewestFirstWithFilters(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, nil)
	var ids []string
	for i := 1; i <= 30; i++ {
		src := task.SourceWebhook
		if i%3 == 0 {
			src = task.SourceReconcile
		}
		ids = append(ids, mustEnqueue(t, s, src, movie(i, i)).Task.ID)
	}
	for _, id := range ids[:5] {
		forceStatus(t, s, id, task.StatusFailed)
	}
	cases := []struct {
		opts      ListOptions
		wantTotal int
		wantFirst string
		wantLen   int
	}{
		{ListOptions{}, 30, ids[29], 10},
		{ListOptions{Limit: 100}, 30, ids[29], 30},
		{ListOptions{Status: task.StatusFailed}, 5, ids[4], 5},
		{ListOptions{Status: task.StatusPending, Limit: 3}, 25, ids[29], 3},
		{ListOptions{Source: task.SourceReconcile, Limit: 100}, 10, ids[29], 10},
		{ListOptions{Status: task.StatusFailed, Source: task.SourceReconcile}, 1, ids[2], 1},
		{ListOptions{Status: task.StatusSuccess}, 0, "", 0},
	}
	for _, c := range cases {
		got, total, err := s.List(ctx, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if total != c.wantTotal || len(got) != c.wantLen {
			t.Errorf("%+v: total %d len %d, want %d %d", c.opts, total, len(got), c.wantTotal, c.wantLen)
			continue
		}
		for i := 1; i < len(got); i++ {
			if !got[i-1].CreatedAt.After(got[i].CreatedAt) && got[i-1].ID <= got[i].ID {
				// ids are tsk_<n>; compare numerically via ParseID
				a, _ := task.ParseID(got[i-1].ID)
				b, _ := task.ParseID(got[i].ID)
				if a < b {
					t.Errorf("%+v not newest first: %s before %s", c.opts, got[i-1].ID, got[i].ID)
				}
			}
			if c.opts.Status != "" && got[i].Status != c.opts.Status || c.opts.Source != "" && got[i].Source != c.opts.Source {
				t.Errorf("%+v returned %s/%s", c.opts, got[i].Status, got[i].Source)
			}
		}
		if len(got) > 0 && got[0].ID != c.wantFirst {
			t.Errorf("%+v first = %s, want %s", c.opts, got[0].ID, c.wantFirst)
		}
	}
	if _, _, err := s.List(ctx, ListOptions{Status: "stuck"}); !errors.Is(err, task.ErrInvalid) {
		t.Fatalf("unknown status: %v", err)
	}
}

func TestRetryCancelAndCancelUnsent(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, nil)
	res := mustEnqueue(t, s, task.SourceWebhook, tv(1, 100, 1, 2))
	id := res.Task.ID

	if _, err := s.Retry(ctx, id); !errors.Is(err, task.ErrConflict) {
		t.Fatalf("retry of pending: %v", err)
	}
	forceStatus(t, s, id, task.StatusFailed)
	if _, err := s.Update(ctx, id, func(tk *task.Task) error {
		one, two := 1, 2
		tk.Attempts = 10
		tk.Items = []task.Item{{Season: &one, State: task.ItemSubscribed}, {Season: &two, State: task.ItemFailed, LastError: "boom"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Retry(ctx, id)
	if err != nil || got.ID != id || got.Status != task.StatusPending || got.Attempts != 0 {
		t.Fatalf("retry: %+v %v", got, err)
	}
	if got.Items[0].State != task.ItemSubscribed || got.Items[1].State != task.ItemPending {
		t.Fatalf("retry items: %+v", got.Items)
	}
	// Something was sent: CancelUnsent refuses, Cancel works.
	if _, err := s.CancelUnsent(ctx, "seerr:1", "declined"); !errors.Is(err, ErrAlreadySent) || !errors.Is(err, task.ErrConflict) {
		t.Fatalf("cancel unsent after a subscription: %v", err)
	}
	if got, err := s.Cancel(ctx, id, "operator"); err != nil || got.Status != task.StatusCancelled || got.Reason != "operator" {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if _, err := s.Cancel(ctx, id, "again"); !errors.Is(err, task.ErrConflict) {
		t.Fatalf("cancel of cancelled: %v", err)
	}
	// Nothing sent: CancelUnsent cancels.
	other := mustEnqueue(t, s, task.SourceWebhook, movie(2, 200))
	if got, err := s.CancelUnsent(ctx, "seerr:2", "declined in Seerr"); err != nil || got.Status != task.StatusCancelled || got.ID != other.Task.ID {
		t.Fatalf("cancel unsent: %+v %v", got, err)
	}
	if _, err := s.CancelUnsent(ctx, "seerr:404", "x"); !errors.Is(err, task.ErrNotFound) {
		t.Fatalf("cancel unknown: %v", err)
	}
	if _, err := s.Get(ctx, "tsk_999"); !errors.Is(err, task.ErrNotFound) {
		t.Fatalf("get unknown: %v", err)
	}
	if _, err := s.Get(ctx, "../etc"); !errors.Is(err, task.ErrNotFound) {
		t.Fatalf("get malformed: %v", err)
	}
	checkCounters(t, s)
}

// TestRestartReclaimsLease closes the store with a running task and reopens it, as a crash would.
func TestRestartReclaimsLease(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Enqueue(ctx, task.SourceWebhook, movie(1, 1))
	b, _ := s.Enqueue(ctx, task.SourceWebhook, movie(2, 2))
	if got, _, err := s.ClaimNext(ctx, time.Hour); err != nil || got.ID != a.Task.ID {
		t.Fatalf("claim: %v %v", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.ReclaimRunning(ctx)
	if err != nil || n != 1 {
		t.Fatalf("reclaimed %d, %v; want 1", n, err)
	}
	got, err := s.Get(ctx, a.Task.ID)
	if err != nil || got.Status != task.StatusPending || got.LeaseUntil != nil {
		t.Fatalf("after reclaim: %+v %v", got, err)
	}
	if last := got.History[len(got.History)-1]; last.Outcome != "reclaimed" {
		t.Fatalf("history does not say reclaimed: %+v", got.History)
	}
	// Both are claimable again, the reclaimed one first (it is due now, b since before).
	seen := map[string]bool{}
	for i := 0; i < 2; i++ {
		c, _, err := s.ClaimNext(ctx, time.Minute)
		if err != nil || c == nil {
			t.Fatalf("claim after restart: %v %v", c, err)
		}
		seen[c.ID] = true
	}
	if !seen[a.Task.ID] || !seen[b.Task.ID] {
		t.Fatalf("claimed %v", seen)
	}
	checkCounters(t, s)
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = Open(path, Options{LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("second open hung for %v", time.Since(start))
	}
}

// TestOpenRefusesDamagedFile: Open checks the file before bbolt maps it (bbolt would fault).
func TestOpenRefusesDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 100; i++ {
		mustEnqueue(t, s, task.SourceWebhook, movie(i, i))
	}
	_ = s.Close()
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, whole[:len(whole)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, boltcheck.ErrDamaged) {
		t.Fatalf("Open of a truncated file = %v, want boltcheck.ErrDamaged", err)
	}
}

func TestClosedStore(t *testing.T) {
	s := openTest(t, nil)
	_ = s.Close()
	if err := s.Ping(); !errors.Is(err, ErrClosed) {
		t.Fatalf("ping on closed: %v", err)
	}
	if _, err := s.Enqueue(context.Background(), task.SourceWebhook, movie(1, 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("enqueue on closed: %v", err)
	}
}

func TestHistoryBounded(t *testing.T) {
	var tk task.Task
	for i := 0; i < task.MaxHistory+15; i++ {
		tk.AddHistory(time.Unix(int64(i), 0), "attempt", fmt.Sprint(i))
	}
	if len(tk.History) != task.MaxHistory || tk.History[0].Summary != "15" {
		t.Fatalf("history len %d first %q", len(tk.History), tk.History[0].Summary)
	}
}

// TestRandomOpsKeepIndexesTrue runs a random mix of operations and then compares every index
// and counter with a full scan of the tasks.
func TestRandomOpsKeepIndexesTrue(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New(time.Time{})
	s := openTest(t, clock)
	rng := rand.New(rand.NewSource(1))
	var ids []string
	for i := 0; i < 600; i++ {
		clock.Advance(time.Duration(rng.Intn(1000)) * time.Millisecond)
		switch op := rng.Intn(6); {
		case op <= 1 || len(ids) == 0:
			src := task.Sources[rng.Intn(len(task.Sources))]
			res, err := s.Enqueue(ctx, src, tv(rng.Intn(80)+1, 7, rng.Intn(4)))
			if err != nil {
				t.Fatal(err)
			}
			if res.Created {
				ids = append(ids, res.Task.ID)
			}
		case op == 2:
			if tk, _, err := s.ClaimNext(ctx, time.Minute); err != nil {
				t.Fatal(err)
			} else if tk != nil {
				to := []task.Status{task.StatusSuccess, task.StatusFailed, task.StatusPending, task.StatusCancelled}[rng.Intn(4)]
				if _, err := s.Update(ctx, tk.ID, func(x *task.Task) error {
					x.Status = to
					x.NextAttemptAt = clock.Now().Add(time.Duration(rng.Intn(5)) * time.Second)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
		case op == 3:
			_, _ = s.Retry(ctx, ids[rng.Intn(len(ids))])
		case op == 4:
			_, _ = s.Cancel(ctx, ids[rng.Intn(len(ids))], "random")
		default:
			if rng.Intn(10) == 0 {
				if _, err := s.ReclaimRunning(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	checkCounters(t, s)
}

// checkCounters compares every index and counter with a full scan.
func checkCounters(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		want := map[string]int{}
		wantIdx := map[string]map[uint64]bool{}
		wantDue := map[string]bool{}
		note := func(counter, idx string, seq uint64) {
			want[counter]++
			if wantIdx[idx] == nil {
				wantIdx[idx] = map[uint64]bool{}
			}
			wantIdx[idx][seq] = true
		}
		err := tx.Bucket(bucketTasks).ForEach(func(k, _ []byte) error {
			seq := decodeUint(k)
			tk, err := getSeq(tx, seq)
			if err != nil {
				return err
			}
			want["all"]++
			for _, name := range indexNames(tk) {
				note(name, name, seq)
			}
			if tk.Status == task.StatusPending {
				wantDue[string(dueKey(tk, seq))] = true
			}
			if got := decodeUint(tx.Bucket(bucketKeys).Get([]byte(tk.Key))); got != seq {
				return fmt.Errorf("key %s → %d, want %d", tk.Key, got, seq)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			if got := int(decodeUint(v)); got != want[string(k)] {
				return fmt.Errorf("counter %s = %d, scan says %d", k, got, want[string(k)])
			}
			delete(want, string(k))
			return nil
		}); err != nil {
			return err
		}
		for k, v := range want {
			return fmt.Errorf("counter %s missing (scan says %d)", k, v)
		}
		got := map[string]map[uint64]bool{}
		if err := tx.Bucket(bucketIndex).ForEach(func(k, _ []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 || len(k) != i+9 {
				return fmt.Errorf("malformed index key %q", k)
			}
			name := string(k[:i])
			if got[name] == nil {
				got[name] = map[uint64]bool{}
			}
			got[name][decodeUint(k[i+1:])] = true
			return nil
		}); err != nil {
			return err
		}
		for name := range wantIdx {
			if fmt.Sprint(got[name]) != fmt.Sprint(wantIdx[name]) {
				return fmt.Errorf("index %s = %v, scan says %v", name, got[name], wantIdx[name])
			}
		}
		for name := range got {
			if wantIdx[name] == nil {
				return fmt.Errorf("index %s = %v, scan says it should not exist", name, got[name])
			}
		}
		n := 0
		if err := tx.Bucket(bucketDue).ForEach(func(k, _ []byte) error {
			if !wantDue[string(k)] {
				return fmt.Errorf("stale due entry %x", k)
			}
			n++
			return nil
		}); err != nil {
			return err
		}
		if n != len(wantDue) {
			return fmt.Errorf("due index has %d entries, want %d", n, len(wantDue))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestChangedSignalsNewWork(t *testing.T) {
	s := openTest(t, nil)
	select {
	case <-s.Changed():
		t.Fatal("signalled before any work")
	default:
	}
	res := mustEnqueue(t, s, task.SourceWebhook, movie(1, 1))
	select {
	case <-s.Changed():
	default:
		t.Fatal("no signal after a new task")
	}
	mustEnqueue(t, s, task.SourceWebhook, movie(1, 1)) // repeat: nothing new
	select {
	case <-s.Changed():
		t.Fatal("signalled for a repeat that changed nothing")
	default:
	}
	forceStatus(t, s, res.Task.ID, task.StatusFailed) // running, failed: no new work, no signal
	select {
	case <-s.Changed():
		t.Fatal("signalled for a task that failed")
	default:
	}
	if _, err := s.Retry(context.Background(), res.Task.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Changed():
	default:
		t.Fatal("no signal after retry")
	}
}

// TestOpenRefusesOtherSchemas: a file of another schema is refused, not misread, and left as
// it was.
func TestOpenRefusesOtherSchemas(t *testing.T) {
	for _, tc := range []struct {
		schema uint64
		want   string
	}{{1, "pre-release build"}, {3, "newer seerrpilot"}} {
		path := filepath.Join(t.TempDir(), FileName)
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		mustEnqueue(t, s, task.SourceWebhook, movie(1, 1))
		if err := s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put([]byte("schema"), encodeUint(tc.schema))
		}); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		before, _ := os.ReadFile(path)
		if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("Open of schema %d = %v, want an error saying %q", tc.schema, err, tc.want)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Fatalf("Open of schema %d changed the file", tc.schema)
		}
	}
}

// Tasks, due times and index entries are appended in key order. With bbolt's default 50%
// fill every appended-to page was split in half: the file held twice the pages it needed and
// every commit wrote them. The write path raises the fill percent; this fails if it is lost.
func TestAppendedBucketsArePacked(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	for i := 1; i <= 2000; i++ {
		if _, err := s.Enqueue(ctx, task.SourceWebhook, movie(i, i)); err != nil {
			t.Fatal(err)
		}
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketTasks, bucketIndex, bucketDue} {
			st := tx.Bucket(name).Stats()
			fill := float64(st.LeafInuse) / float64(st.LeafAlloc)
			if fill < 0.7 {
				t.Errorf("bucket %s: leaf pages %.0f%% full (%d pages), want ≥ 70%% (bbolt's default split leaves 50%%)", name, 100*fill, st.LeafPageN)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
