package taskdb

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The baseline is taken in one commit, survives a restart and a moved floor, and a new one
// replaces the old one.
func TestBaselineRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	floor := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ids, _, taken, err := s.Baseline(ctx); err != nil || taken || ids != nil {
		t.Fatalf("new file: %v %v %v", ids, taken, err)
	}
	if err := s.TakeBaseline(ctx, floor.In(time.FixedZone("x", 3600)), []int{3, 1, 200}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids, got, taken, err := s.Baseline(ctx)
	if err != nil || !taken || !got.Equal(floor) || !slices.Equal(slices.Sorted(maps.Keys(ids)), []int{1, 3, 200}) {
		t.Fatalf("after reopen: %v %v %v %v", ids, got, taken, err)
	}
	// An empty backlog is a baseline too, and replaces the old ids.
	later := floor.AddDate(0, 1, 0)
	if err := s.TakeBaseline(ctx, later, nil); err != nil {
		t.Fatal(err)
	}
	if ids, got, taken, err := s.Baseline(ctx); err != nil || !taken || len(ids) != 0 || !got.Equal(later) {
		t.Fatalf("replaced: %v %v %v %v", ids, got, taken, err)
	}
}

// A file written before the baseline bucket existed opens: Open adds the bucket, and no
// baseline is taken yet.
func TestBaselineBucketAddedToOlderFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketBaseline) }); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if s, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, taken, err := s.Baseline(ctx); err != nil || taken {
		t.Fatalf("taken=%v %v", taken, err)
	}
	if err := s.TakeBaseline(ctx, time.Time{}, []int{1}); err != nil {
		t.Fatal(err)
	}
}
