package reconcile

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/seerrpilot/seerrpilot/pkg/logging/logtest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

// Tests live in package reconcile so that the join tests can see how many callers a run
// serves; everything else uses only the exported API.

func openStore(tb testing.TB) *taskdb.Store {
	tb.Helper()
	s, err := taskdb.Open(filepath.Join(tb.TempDir(), "tasks.db"), taskdb.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func taskCount(tb testing.TB, s *taskdb.Store) int {
	tb.Helper()
	st, err := s.Stats(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return st.Total
}

// countingStore counts calls and can fail them.
type countingStore struct {
	Store
	has, enqueue atomic.Int64
	failHas      error
	failEnqueue  error
}

func (c *countingStore) Has(ctx context.Context, key string) (bool, []task.SeasonRequest, error) {
	c.has.Add(1)
	if c.failHas != nil {
		return false, nil, c.failHas
	}
	return c.Store.Has(ctx, key)
}

func (c *countingStore) Wants(ctx context.Context, src task.Source, in task.Input) (bool, error) {
	c.has.Add(1)
	if c.failHas != nil {
		return false, c.failHas
	}
	return c.Store.Wants(ctx, src, in)
}

func (c *countingStore) Enqueue(ctx context.Context, src task.Source, in task.Input) (taskdb.EnqueueResult, error) {
	c.enqueue.Add(1)
	if src != task.SourceReconcile {
		return taskdb.EnqueueResult{}, errors.New("source is not reconcile")
	}
	if c.failEnqueue != nil {
		return taskdb.EnqueueResult{}, c.failEnqueue
	}
	return c.Store.Enqueue(ctx, src, in)
}

func client(tb testing.TB, srv *seerrtest.Server) *seerr.Client {
	tb.Helper()
	// The per-call timeout only has to outlast a loaded machine: from the test's deadline.
	timeout := testbudget.Fallback
	if t, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		timeout = testbudget.Budget(t)
	}
	c, err := seerr.New(seerr.Config{BaseURL: srv.URL(), APIKey: srv.APIKey(), Timeout: timeout})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func fixedNow() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

func identity(d time.Duration) time.Duration { return d }

// kinds of requests populate adds, in rotation.
const (
	kApprovedMovie = iota // deliverable
	kApprovedTV           // deliverable, seasons 1 and 2
	kPending              // not approved
	kDeclined             // not approved
	kFailed               // deliverable: FAILED means Seerr's own Radarr/Sonarr refused it; the approval stands
	kFulfilled            // approved, then media AVAILABLE: COMPLETED on >= 2.6, APPROVED+AVAILABLE on 1.34
	kApproved4K           // deliverable: the 4K copy is processing, the HD copy available
	kApprovedAvail        // approved with media already AVAILABLE (stored that way)
	kinds
)

// populate adds n requests of all kinds and returns the ids that must become tasks.
func populate(f *seerrtest.Fake, n int) map[int]bool {
	want := map[int]bool{}
	for i := 0; i < n; i++ {
		r := seerr.Request{Status: seerr.RequestApproved, Type: seerr.TypeMovie,
			Media: seerr.Media{TMDBID: 20000 + i, Status: seerr.MediaProcessing}}
		k := i % kinds
		switch k {
		case kApprovedTV:
			r.Type = seerr.TypeTV
			r.Seasons = []seerr.SeasonRequest{{SeasonNumber: 1}, {SeasonNumber: 2}}
		case kPending:
			r.Status, r.Media.Status = seerr.RequestPending, seerr.MediaPending
		case kDeclined:
			r.Status = seerr.RequestDeclined
		case kFailed:
			r.Status = seerr.RequestFailed
		case kApproved4K:
			r.Is4K = true
			r.Media.Status, r.Media.Status4K = seerr.MediaAvailable, seerr.MediaProcessing
		case kApprovedAvail:
			r.Media.Status = seerr.MediaAvailable
		}
		id := f.AddRequest(r)
		if k == kFulfilled {
			f.SetMediaStatus(id, seerr.MediaAvailable, 0)
		}
		if k == kApprovedMovie || k == kApprovedTV || k == kApproved4K || k == kFailed {
			want[id] = true
		}
	}
	return want
}

// statusCalls and walks count /status calls and walks (first-page list calls).
func statusCalls(f *seerrtest.Fake) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Path == "/api/v1/status" {
			n++
		}
	}
	return n
}

// walks counts walks of the approved list (a pass also walks filter=failed).
func walks(f *seerrtest.Fake) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Path == "/api/v1/request" && c.Query.Get("skip") == "" && c.Status == 200 &&
			c.Query.Get("filter") != seerr.FilterFailed {
			n++
		}
	}
	return n
}

// versionOverride reports another version than the server's, like a source build.
type versionOverride struct {
	Seerr
	version string
}

func (v versionOverride) Status(ctx context.Context) (seerr.Status, error) {
	st, err := v.Seerr.Status(ctx)
	st.Version = v.version
	return st, err
}

func newPoller(tb testing.TB, s Seerr, st Store, mod ...func(*Options)) (*Poller, *logtest.Sink) {
	tb.Helper()
	sink := &logtest.Sink{}
	o := Options{Seerr: s, Store: st, Filter: seerr.FilterApproved, PageSize: 50,
		Log: sink.Logger(zerolog.DebugLevel), Now: fixedNow, Jitter: identity}
	for _, m := range mod {
		m(&o)
	}
	return New(o), sink
}
