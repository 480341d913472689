package taskdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	bolt "go.etcd.io/bbolt"
)

// TestFileFormatUnchanged replays a fixed history (every kind of write the store makes) on a
// fake clock and compares every bucket, key, value and sequence in the file with
// testdata/format.golden, written by the store before #14's clean-up. A change of the on-disk
// format fails here; if it is meant, it needs a schema version and an upgrade.
// SEERRPILOT_UPDATE_GOLDEN=1 rewrites the golden file.
func TestFileFormatUnchanged(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s, err := Open(filepath.Join(t.TempDir(), FileName), Options{Now: clock.Now, BatchDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	step := func() { clock.Advance(time.Minute) }
	a := mustEnqueue(t, s, task.SourceWebhook, movie(1, 101)).Task.ID
	step()
	b := mustEnqueue(t, s, task.SourceReconcile, tv(2, 102, 1, 2)).Task.ID
	step()
	c := mustEnqueue(t, s, task.SourceManual, task.Input{TMDBID: 103, MediaType: task.TypeTV, Seasons: []task.SeasonRequest{{Season: 1, Episodes: []int{3, 1}}}}).Task.ID
	step()
	d := mustEnqueue(t, s, task.SourceWebhook, movie(4, 104)).Task.ID
	step()
	mustEnqueue(t, s, task.SourceWebhook, tv(2, 102, 3)) // merges a season
	step()
	claimed, _, err := s.ClaimNext(ctx, time.Hour)
	if err != nil || claimed == nil || claimed.ID != a {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	step()
	if _, err := s.Update(ctx, a, func(tk *task.Task) error {
		tk.Status = task.StatusSuccess
		tk.Items = []task.Item{{State: task.ItemSubscribed, MPSubscriptionID: 7}}
		tk.AddHistory(clock.Now(), "success", "subscribed")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	step()
	forceStatus(t, s, b, task.StatusFailed)
	step()
	if _, err := s.Cancel(ctx, c, "not wanted"); err != nil {
		t.Fatal(err)
	}
	step()
	if _, err := s.CancelUnsent(ctx, task.Input{RequestID: 4}.Key(), "declined in Seerr"); err != nil {
		t.Fatal(err)
	}
	step()
	mustEnqueue(t, s, task.SourceWebhook, movie(4, 104)) // approved again: re-opens d
	step()
	if _, err := s.Retry(ctx, b); err != nil {
		t.Fatal(err)
	}
	step()
	forceStatus(t, s, d, task.StatusRunning)
	step()
	if n, err := s.ReclaimRunning(ctx); err != nil || n != 1 {
		t.Fatalf("reclaim = %d, %v", n, err)
	}
	mustEnqueue(t, s, task.SourceWebhook, tv(5, 105, 0)) // due in the future: a later claim finds nothing due
	if _, err := s.Update(ctx, task.FormatID(5), func(tk *task.Task) error {
		tk.NextAttemptAt = clock.Now().Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	step()
	if err := s.TakeBaseline(ctx, time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), []int{9, 8}); err != nil {
		t.Fatal(err)
	}

	var got strings.Builder
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			fmt.Fprintf(&got, "bucket %s seq %d\n", name, b.Sequence())
			return b.ForEach(func(k, v []byte) error {
				fmt.Fprintf(&got, "  %q = %q\n", k, v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "format.golden")
	if os.Getenv("SEERRPILOT_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("the file's contents differ from %s:\n%s", golden, got.String())
	}
}
