package reconcile

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

func TestPassVersionsAndPaging(t *testing.T) {
	cases := []struct {
		name         string
		version      string
		ignoreFilter bool
		wantSort     bool
	}{
		{"seerr 3.1.0", "3.1.0", false, true},
		{"jellyseerr 2.7.3", "2.7.3", false, true},
		{"overseerr 1.34.0", "1.34.0", false, false},
		{"seerr 3.1.0 ignoring filter", "3.1.0", true, true},
		{"overseerr 1.34.0 ignoring filter", "1.34.0", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: tc.version, IgnoreFilter: tc.ignoreFilter})
			defer srv.Close()
			want := populate(srv.Fake, 123)
			store := openStore(t)
			counting := &countingStore{Store: store}
			p, _ := newPoller(t, client(t, srv), counting)

			sum, err := p.Pass(context.Background(), PassOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Outcome != OutcomeOK || sum.Error != "" || sum.ServerVersion != tc.version || sum.Filter != "approved" {
				t.Fatalf("summary %+v", sum)
			}
			if sum.Approved != len(want) || sum.Enqueued != len(want) || sum.Merged != 0 || sum.Unchanged != 0 {
				t.Fatalf("summary %+v, want %d approved and enqueued", sum, len(want))
			}
			if sum.Seen != sum.Approved+sum.Skipped {
				t.Fatalf("seen %d != approved %d + skipped %d", sum.Seen, sum.Approved, sum.Skipped)
			}
			if tc.ignoreFilter && sum.Seen != 123 {
				t.Fatalf("a filter-ignoring server lists all 123; seen %d", sum.Seen)
			}
			if !tc.ignoreFilter && sum.Seen >= 123 {
				t.Fatalf("filter had no effect: seen %d", sum.Seen)
			}
			perFilter := map[string]int{}
			for _, c := range srv.Calls() {
				if c.Path == "/api/v1/request" {
					perFilter[c.Query.Get("filter")]++
				}
			}
			// Two walks: approved, then failed (FAILED requests are not in filter=approved).
			if sum.AlsoFilter != "failed" || sum.Pages != perFilter["approved"]+perFilter["failed"] ||
				perFilter["failed"] == 0 || sum.Rereads != 0 {
				t.Fatalf("summary %+v, list calls per filter %v", sum, perFilter)
			}
			if wantPages := (sum.Seen + 49) / 50; tc.ignoreFilter && perFilter["approved"] != wantPages {
				t.Fatalf("approved pages %d, want %d for %d requests", perFilter["approved"], wantPages, sum.Seen)
			}
			if n := taskCount(t, store); n != len(want) {
				t.Fatalf("%d tasks, want %d", n, len(want))
			}
			if n := counting.enqueue.Load(); n != int64(len(want)) {
				t.Fatalf("%d Enqueue calls, want %d (each deliverable once)", n, len(want))
			}
			for id := range want {
				tk, err := store.GetByKey(context.Background(), task.Input{RequestID: id}.Key())
				if err != nil {
					t.Fatalf("request %d: %v", id, err)
				}
				if tk.Source != task.SourceReconcile {
					t.Fatalf("request %d source %s", id, tk.Source)
				}
				if tk.Type == task.TypeTV && len(tk.Input.Seasons) != 2 {
					t.Fatalf("request %d seasons %v", id, tk.Input.Seasons)
				}
			}
			for _, c := range srv.Calls() {
				if c.Path != "/api/v1/request" {
					continue
				}
				sorted := c.Query.Get("sort") == "added" && c.Query.Get("sortDirection") == "asc"
				// Pages after the first start at the last row read: one more row.
				wantTake := map[bool]string{false: "50", true: "51"}[c.Query.Has("skip")]
				if f := c.Query.Get("filter"); sorted != tc.wantSort || c.Query.Get("take") != wantTake || (f != "approved" && f != "failed") {
					t.Fatalf("list query %v", c.Query)
				}
			}

			// Second pass: nothing new, nothing written.
			counting.enqueue.Store(0)
			sum2, err := p.Pass(context.Background(), PassOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum2.Enqueued != 0 || sum2.Merged != 0 || sum2.Unchanged != len(want) || sum2.RunID == sum.RunID {
				t.Fatalf("second pass %+v", sum2)
			}
			if n := counting.enqueue.Load(); n != 0 {
				t.Fatalf("second pass called Enqueue %d times", n)
			}
			if n := taskCount(t, store); n != len(want) {
				t.Fatalf("%d tasks after the second pass, want %d", n, len(want))
			}
			if last := p.Last(); last == nil || last.RunID != sum2.RunID {
				t.Fatalf("Last() = %+v", last)
			}
		})
	}
}

func TestPassPagesShiftingMidPass(t *testing.T) {
	cases := []struct {
		version       string
		seesNewOnes   bool // sorted ascending: requests added mid-walk land on later pages
		wantDupsCheck bool
	}{
		{"3.1.0", true, false},
		{"2.7.3", true, false},
		{"1.34.0", false, true}, // newest first: pages shift, duplicates are dropped
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			var adding atomic.Bool
			adding.Store(true)
			var added atomic.Int64
			srv := seerrtest.New(seerrtest.Options{Version: tc.version, Hook: func(f *seerrtest.Fake, c seerrtest.Call) {
				if adding.Load() && c.Path == "/api/v1/request" && c.Query.Get("skip") != "" {
					for i := 0; i < 7; i++ {
						f.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{Status: seerr.MediaProcessing}})
						added.Add(1)
					}
				}
			}})
			defer srv.Close()
			for i := 0; i < 95; i++ {
				srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{Status: seerr.MediaProcessing}})
			}
			store := openStore(t)
			counting := &countingStore{Store: store}
			p, _ := newPoller(t, client(t, srv), counting, func(o *Options) { o.PageSize = 20 })

			sum, err := p.Pass(context.Background(), PassOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if added.Load() == 0 {
				t.Fatal("the hook added nothing; the test tests nothing")
			}
			for id := 1; id <= 95; id++ {
				if ok, _, _ := store.Has(context.Background(), task.Input{RequestID: id}.Key()); !ok {
					t.Fatalf("approved request %d present before the pass was missed (%+v)", id, sum)
				}
			}
			n := taskCount(t, store)
			if int64(n) != counting.enqueue.Load() || n != sum.Enqueued || sum.Enqueued != sum.Seen {
				t.Fatalf("tasks %d, Enqueue calls %d, summary %+v: a request was enqueued twice", n, counting.enqueue.Load(), sum)
			}
			if tc.seesNewOnes && n != srv.Len() {
				t.Fatalf("ascending walk: %d tasks, %d requests", n, srv.Len())
			}

			// The next pass catches whatever the shifting hid.
			adding.Store(false)
			if _, err := p.Pass(context.Background(), PassOptions{}); err != nil {
				t.Fatal(err)
			}
			if n := taskCount(t, store); n != srv.Len() {
				t.Fatalf("after a calm pass: %d tasks, %d approved requests", n, srv.Len())
			}
		})
	}
}

func TestPassSortFallback(t *testing.T) {
	// A source build reports "develop": the walk asks for sort=added&sortDirection=asc,
	// Overseerr answers 400, the walk drops them and carries on.
	srv := seerrtest.New(seerrtest.Options{Version: "1.34.0"})
	defer srv.Close()
	want := populate(srv.Fake, 60)
	store := openStore(t)
	p, _ := newPoller(t, versionOverride{client(t, srv), "develop"}, store)
	sum, err := p.Pass(context.Background(), PassOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.SortDropped || sum.Enqueued != len(want) || taskCount(t, store) != len(want) {
		t.Fatalf("summary %+v, want sortDropped and %d enqueued", sum, len(want))
	}
}

func TestPassMergesNewSeasons(t *testing.T) {
	for _, dry := range []bool{false, true} {
		name := map[bool]string{false: "real", true: "dry run"}[dry]
		t.Run(name, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
			defer srv.Close()
			id := srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeTV,
				Media:   seerr.Media{TMDBID: 1399, Status: seerr.MediaPartiallyAvailable},
				Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}, {SeasonNumber: 2}, {SeasonNumber: 3}}})
			store := openStore(t)
			// The webhook saw the request when it asked for season 1 only.
			if _, err := store.Enqueue(context.Background(), task.SourceWebhook, task.Input{
				RequestID: id, TMDBID: 1399, MediaType: task.TypeTV, Seasons: []task.SeasonRequest{{Season: 1}}}); err != nil {
				t.Fatal(err)
			}
			counting := &countingStore{Store: store}
			p, _ := newPoller(t, client(t, srv), counting)
			sum, err := p.Pass(context.Background(), PassOptions{DryRun: dry})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Merged != 1 || sum.Enqueued != 0 || sum.DryRun != dry {
				t.Fatalf("summary %+v", sum)
			}
			tk, err := store.GetByKey(context.Background(), task.Input{RequestID: id}.Key())
			if err != nil {
				t.Fatal(err)
			}
			wantSeasons := 3
			if dry {
				wantSeasons = 1
				if counting.enqueue.Load() != 0 {
					t.Fatal("dry run called Enqueue")
				}
			}
			if len(tk.Input.Seasons) != wantSeasons || tk.Source != task.SourceWebhook {
				t.Fatalf("task seasons %v source %s", tk.Input.Seasons, tk.Source)
			}
			if !dry {
				sum, err = p.Pass(context.Background(), PassOptions{})
				if err != nil || sum.Merged != 0 || sum.Unchanged != 1 {
					t.Fatalf("second pass %+v %v", sum, err)
				}
			}
		})
	}
}

func TestPassSince(t *testing.T) {
	since := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	old := since.Add(-48 * time.Hour)
	recent := since.Add(48 * time.Hour)
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	approved := func(created, updated time.Time) int {
		return srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, CreatedAt: created, UpdatedAt: updated,
			Media: seerr.Media{Status: seerr.MediaProcessing}})
	}
	oldID := approved(old, old)
	touched := approved(old, recent)
	fresh := approved(recent, recent)
	exact := approved(since, since)
	store := openStore(t)
	p, _ := newPoller(t, client(t, srv), store)

	sum, err := p.Pass(context.Background(), PassOptions{Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Enqueued != 3 || sum.Skipped != 1 || sum.Seen != 4 {
		t.Fatalf("summary %+v", sum)
	}
	for id, want := range map[int]bool{oldID: false, touched: true, fresh: true, exact: true} {
		if ok, _, _ := store.Has(context.Background(), task.Input{RequestID: id}.Key()); ok != want {
			t.Fatalf("request %d enqueued=%v, want %v", id, ok, want)
		}
	}
}

func TestPassDryRun(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "2.7.3"})
	defer srv.Close()
	want := populate(srv.Fake, 123)
	store := openStore(t)
	counting := &countingStore{Store: store}
	p, _ := newPoller(t, client(t, srv), counting)

	dry, err := p.Pass(context.Background(), PassOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || dry.Enqueued != len(want) || dry.Merged != 0 || dry.Approved != len(want) {
		t.Fatalf("dry run %+v, want %d to enqueue", dry, len(want))
	}
	if n := counting.enqueue.Load(); n != 0 {
		t.Fatalf("dry run called Enqueue %d times", n)
	}
	if n := taskCount(t, store); n != 0 {
		t.Fatalf("dry run wrote %d tasks", n)
	}
	if p.Last() != nil {
		t.Fatal("a dry run must not become Last()")
	}
	real, err := p.Pass(context.Background(), PassOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if real.Enqueued != dry.Enqueued || real.Merged != dry.Merged || real.Seen != dry.Seen {
		t.Fatalf("dry run %+v predicted differently from the real pass %+v", dry, real)
	}
}

func TestPassFailures(t *testing.T) {
	boom := errors.New("disk on fire")
	cases := []struct {
		name    string
		setup   func(srv *seerrtest.Server, cs *countingStore) Seerr
		wantErr string
		errIs   error
	}{
		{"seerr down", func(srv *seerrtest.Server, _ *countingStore) Seerr {
			srv.SetDown(true)
			return client(t, srv)
		}, "HTTP 503", nil},
		{"wrong api key", func(srv *seerrtest.Server, _ *countingStore) Seerr {
			c, _ := seerr.New(seerr.Config{BaseURL: srv.URL(), APIKey: "wrong-key"})
			return c
		}, "HTTP 403", seerr.ErrUnauthorized},
		{"store Has fails", func(srv *seerrtest.Server, cs *countingStore) Seerr {
			cs.failHas = boom
			return client(t, srv)
		}, "task store has", boom},
		{"store Enqueue fails", func(srv *seerrtest.Server, cs *countingStore) Seerr {
			cs.failEnqueue = boom
			return client(t, srv)
		}, "task store enqueue", boom},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
			defer srv.Close()
			populate(srv.Fake, 123)
			cs := &countingStore{Store: openStore(t)}
			s := tc.setup(srv, cs)
			var runs []Summary
			p, _ := newPoller(t, s, cs, func(o *Options) { o.OnRun = func(s Summary) { runs = append(runs, s) } })
			sum, err := p.Pass(context.Background(), PassOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if tc.errIs != nil && !errors.Is(err, tc.errIs) {
				t.Fatalf("err %v is not %v", err, tc.errIs)
			}
			if sum.Outcome != OutcomeError || sum.Error == "" || strings.Contains(sum.Error, srv.APIKey()) {
				t.Fatalf("summary %+v", sum)
			}
			if sum.Pages > 1 {
				t.Fatalf("the pass went on after the error: %+v", sum)
			}
			if len(runs) != 1 || runs[0].Outcome != OutcomeError {
				t.Fatalf("OnRun saw %+v", runs)
			}
			if last := p.Last(); last == nil || last.Outcome != OutcomeError {
				t.Fatalf("Last() %+v", last)
			}
		})
	}
}

// stubSeerr serves a fixed list without HTTP, for inputs the fake cannot produce.
type stubSeerr struct {
	version string
	reqs    []seerr.Request
}

func (s stubSeerr) Status(context.Context) (seerr.Status, error) {
	return seerr.Status{Version: s.version}, nil
}

func (s stubSeerr) Walk(_ context.Context, _ seerr.WalkOptions, fn func(seerr.Request) error) (seerr.WalkStats, error) {
	for _, r := range s.reqs {
		if err := fn(r); err != nil {
			return seerr.WalkStats{Pages: 1}, err
		}
	}
	return seerr.WalkStats{Pages: 1, Seen: len(s.reqs)}, nil
}

func TestPassSkipsInvalidInput(t *testing.T) {
	ok := seerr.Request{ID: 1, Status: seerr.RequestApproved, Type: seerr.TypeMovie,
		Media: seerr.Media{TMDBID: 603, Status: seerr.MediaProcessing}}
	noTMDB := ok
	noTMDB.ID, noTMDB.Media.TMDBID = 2, 0
	badType := ok
	badType.ID, badType.Type, badType.Media.MediaType = 3, "music", "music"
	store := openStore(t)
	p, sink := newPoller(t, stubSeerr{"3.1.0", []seerr.Request{ok, noTMDB, badType}}, store)
	sum, err := p.Pass(context.Background(), PassOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Enqueued != 1 || sum.Invalid != 2 || sum.Skipped != 2 || sum.Approved != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if sink.Count(t, "debug", "reconcile: request skipped, unusable input") != 2 {
		t.Fatalf("logs:\n%s", sink)
	}
}

func TestFilterFallback(t *testing.T) {
	cases := []struct {
		version, filter, wantSent string
		wantWarn                  int
	}{
		{"1.34.0", "completed", "approved", 1},
		{"2.5.0", "deleted", "approved", 1},
		{"3.1.0", "completed", "completed", 0},
		{"1.34.0", "processing", "processing", 0},
		{"1.34.0", "", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.version+"/"+tc.filter, func(t *testing.T) {
			srv := seerrtest.New(seerrtest.Options{Version: tc.version})
			defer srv.Close()
			want := populate(srv.Fake, 40)
			store := openStore(t)
			p, sink := newPoller(t, client(t, srv), store, func(o *Options) { o.Filter = tc.filter })
			for i := 0; i < 2; i++ {
				sum, err := p.Pass(context.Background(), PassOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if sum.Filter != tc.wantSent {
					t.Fatalf("filter sent %q, want %q", sum.Filter, tc.wantSent)
				}
			}
			for _, c := range srv.Calls() {
				if f := c.Query.Get("filter"); c.Path == "/api/v1/request" && f != tc.wantSent && (tc.wantSent == "" || f != "failed") {
					t.Fatalf("query %v", c.Query)
				}
			}
			msg := `JELLY_FILTER is not known to this Seerr version; sending "approved" instead (the local filter still decides)`
			if n := sink.Count(t, "warn", msg); n != tc.wantWarn {
				t.Fatalf("%d fallback warnings over two passes, want %d", n, tc.wantWarn)
			}
			wantTasks := len(want)
			if tc.filter == "completed" && tc.wantSent == "completed" {
				// Completed requests are never deliverable; the failed walk still runs.
				wantTasks = 0
				for id := range want {
					if r, err := client(t, srv).GetRequest(context.Background(), id); err == nil && r.Status == seerr.RequestFailed {
						wantTasks++
					}
				}
			}
			if n := taskCount(t, store); n != wantTasks {
				t.Fatalf("%d tasks, want %d", n, wantTasks)
			}
		})
	}
}

func TestUselessFilterWarnsAtStart(t *testing.T) {
	for filter, warn := range map[string]bool{"pending": true, "available": true, "approved": false, "all": false} {
		_, sink := newPoller(t, stubSeerr{}, openStore(t), func(o *Options) { o.Filter = filter })
		got := strings.Contains(sink.String(), "reconcile will find nothing")
		if got != warn {
			t.Errorf("filter %q: warned %v, want %v", filter, got, warn)
		}
	}
}

// Declined in Seerr (the worker cancelled the task), then approved again: the next pass
// re-opens the task under the same id, and the pass after that leaves it alone. An
// operator's cancel holds through every pass while Seerr's request stays as it was.
func TestPassReopensApprovedAgainButHoldsOperatorCancel(t *testing.T) {
	ctx := context.Background()
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	declined := srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
		Media: seerr.Media{TMDBID: 603, Status: seerr.MediaProcessing}})
	held := srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
		Media: seerr.Media{TMDBID: 604, Status: seerr.MediaProcessing}})
	store := openStore(t)
	p, _ := newPoller(t, client(t, srv), store)
	sum, err := p.Pass(ctx, PassOptions{})
	if err != nil || sum.Enqueued != 2 {
		t.Fatalf("first pass %+v %v", sum, err)
	}
	dt, _ := store.GetByKey(ctx, task.Input{RequestID: declined}.Key())
	ht, _ := store.GetByKey(ctx, task.Input{RequestID: held}.Key())
	// The worker found the first declined in Seerr; an operator cancelled the second.
	if _, err := store.Update(ctx, dt.ID, func(tk *task.Task) error {
		tk.Status, tk.CancelledBy, tk.Reason = task.StatusCancelled, task.CancelledBySeerr, "declined in Seerr"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Cancel(ctx, ht.ID, "operator said no"); err != nil {
		t.Fatal(err)
	}
	// Approved again in Seerr (the fake still lists both as approved).
	sum, err = p.Pass(ctx, PassOptions{})
	if err != nil || sum.Reopened != 1 || sum.Unchanged != 1 || sum.Enqueued != 0 {
		t.Fatalf("pass after the decline: %+v %v", sum, err)
	}
	if got, _ := store.GetByKey(ctx, task.Input{RequestID: declined}.Key()); got.ID != dt.ID || got.Status != task.StatusPending {
		t.Fatalf("declined-then-approved task = %s %s", got.ID, got.Status)
	}
	if got, _ := store.GetByKey(ctx, task.Input{RequestID: held}.Key()); got.Status != task.StatusCancelled {
		t.Fatalf("operator's cancel undone by reconcile: %s", got.Status)
	}
	sum, err = p.Pass(ctx, PassOptions{})
	if err != nil || sum.Reopened != 0 || sum.Unchanged != 2 {
		t.Fatalf("third pass %+v %v", sum, err)
	}
}

// TestPassRowsLeavingMidPass: requests already read leave the approved list mid-pass (a
// scan completes them, an admin declines them), so every later row moves up. One pass must
// still enqueue every request that stayed approved.
func TestPassRowsLeavingMidPass(t *testing.T) {
	for _, version := range []string{"3.1.0", "1.34.0"} {
		t.Run(version, func(t *testing.T) {
			var pages atomic.Int64
			srv := seerrtest.New(seerrtest.Options{Version: version, Hook: func(f *seerrtest.Fake, c seerrtest.Call) {
				if c.Path != "/api/v1/request" || c.Query.Get("filter") != "approved" || c.Query.Get("skip") == "" {
					return
				}
				// Before each later page, five requests of the first page leave the list.
				n := int(pages.Add(1))
				for i := 0; i < 5; i++ {
					id := 5*(n-1) + i + 1 // ascending: the first page holds the lowest ids
					if version == "1.34.0" {
						id = 95 - id + 1 // newest first: the highest
					}
					if version == "3.1.0" {
						f.SetMediaStatus(id, seerr.MediaAvailable, 0) // COMPLETED
					} else {
						f.SetStatus(id, seerr.RequestDeclined)
					}
				}
			}})
			defer srv.Close()
			for i := 0; i < 95; i++ {
				srv.AddRequest(seerr.Request{Status: seerr.RequestApproved, Media: seerr.Media{TMDBID: 5000 + i, Status: seerr.MediaProcessing}})
			}
			store := openStore(t)
			p, _ := newPoller(t, client(t, srv), store, func(o *Options) { o.PageSize = 20 })
			sum, err := p.Pass(context.Background(), PassOptions{})
			if err != nil {
				t.Fatal(err)
			}
			left := int(pages.Load()) * 5
			if left < 10 {
				t.Fatalf("only %d requests left the list; the test tests nothing", left)
			}
			for id := 1; id <= 95; id++ {
				gone := id <= left
				if version == "1.34.0" {
					gone = id > 95-left
				}
				if ok, _, _ := store.Has(context.Background(), task.Input{RequestID: id}.Key()); !ok && !gone {
					t.Fatalf("request %d stayed approved and was missed (%+v)", id, sum)
				}
			}
			if sum.Rereads == 0 {
				t.Fatalf("no re-read although rows left: %+v", sum)
			}
		})
	}
}
