package webhook

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// openStore opens a real task store in a temporary directory.
func openStore(t *testing.T) *taskdb.Store {
	t.Helper()
	s, err := taskdb.Open(filepath.Join(t.TempDir(), taskdb.FileName), taskdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// An approval listing more seasons than task.MaxSeasons is refused like bad input, and the real
// store holds nothing afterwards; exactly task.MaxSeasons is still taken.
func TestSeasonsPerWebhookAreBounded(t *testing.T) {
	store := openStore(t)
	h := New(Options{Store: store, Log: zerolog.Nop()})

	many := make([]int, 10000)
	for i := range many {
		many[i] = i
	}
	a := postBytes(t, h, render(seerrhook.TVApproved(7, 1399, "Long Show", 2011, many)), nil)
	if a.Status != 400 || a.Code != 1001 {
		t.Fatalf("10000 seasons: got %d/%d %q, want 400/1001", a.Status, a.Code, a.Msg)
	}
	if want := "at most 100 per request"; !contains(a.Msg, want) || !contains(a.Msg, "nothing stored") {
		t.Fatalf("msg %q does not say %q and that nothing was stored", a.Msg, want)
	}
	st, err := store.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 0 {
		t.Fatalf("the store holds %d tasks after a refused approval", st.Total)
	}

	a = postBytes(t, h, render(seerrhook.TVApproved(8, 1399, "Long Show", 2011, many[:task.MaxSeasons])), nil)
	if a.Status != 202 {
		t.Fatalf("%d seasons: got %d %q, want 202", task.MaxSeasons, a.Status, a.Msg)
	}
	a = postBytes(t, h, render(seerrhook.TVApproved(9, 1399, "Long Show", 2011, many[:task.MaxSeasons+1])), nil)
	if a.Status != 400 {
		t.Fatalf("%d seasons: got %d %q, want 400", task.MaxSeasons+1, a.Status, a.Msg)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// The subject's title becomes MoviePilot's subscription name: it is stored without control
// characters (ESC, CR/LF, C1, bidi overrides).
func TestApprovalTitleIsCleaned(t *testing.T) {
	f := newFixture("")
	a := postBytes(t, f.h, render(seerrhook.MovieApproved(11, 603, "Evil\x1b[2J\r\nTitle\u202e\u0085", 1999)), nil)
	if a.Status != 202 {
		t.Fatalf("got %d %q", a.Status, a.Msg)
	}
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	if len(f.store.enqueued) != 1 {
		t.Fatalf("%d enqueues", len(f.store.enqueued))
	}
	if got, want := f.store.enqueued[0].Title, "Evil[2J  Title"; got != want {
		t.Fatalf("stored title %q, want %q", got, want)
	}
	if f.store.enqueued[0].Year != 1999 {
		t.Fatalf("year %d", f.store.enqueued[0].Year)
	}
}

// Every store write a webhook asked for reports its outcome (for /readyz); bad input does not.
func TestStoreResultReported(t *testing.T) {
	f := newFixture("")
	var got []error
	f.h.stored = func(err error) { got = append(got, err) }
	movie := render(seerrhook.MovieApproved(31, 603, "The Matrix", 1999))
	postBytes(t, f.h, movie, nil)
	postBytes(t, f.h, render(withOverride(seerrhook.MovieApproved(32, 603, "X", 1999), "media_tmdbid", "abc")), nil)
	f.store.enqueueErr = syscall.ENOSPC
	if a := postBytes(t, f.h, movie, nil); a.Status != 503 {
		t.Fatalf("store failing: %d", a.Status)
	}
	f.store.enqueueErr = fmt.Errorf("%w: nope", task.ErrInvalid)
	postBytes(t, f.h, movie, nil)
	if len(got) != 2 || got[0] != nil || !errors.Is(got[1], syscall.ENOSPC) {
		t.Fatalf("reported %v, want [nil ENOSPC]", got)
	}
}
