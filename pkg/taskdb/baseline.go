package taskdb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// baselineMarker is meta's "baseline" value: the floor the baseline was taken for and when.
type baselineMarker struct {
	Floor time.Time `json:"floor"`
	At    time.Time `json:"at"`
}

var metaBaseline = []byte("baseline")

// Baseline returns reconcile's baseline for floor (RECONCILE_SINCE): the Seerr request ids
// the first completed pass under that floor skipped as the backlog. taken is false when no
// baseline was taken yet, or it was taken for another floor (the setting changed); ids is
// then nil.
func (s *Store) Baseline(ctx context.Context, floor time.Time) (ids map[int]struct{}, taken bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(metaBaseline)
		if v == nil {
			return nil
		}
		var m baselineMarker
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("baseline marker: %w", err)
		}
		if !m.Floor.Equal(floor) {
			return nil
		}
		taken = true
		b := tx.Bucket(bucketBaseline)
		ids = make(map[int]struct{}, b.Stats().KeyN)
		return b.ForEach(func(k, _ []byte) error {
			ids[int(decodeUint(k))] = struct{}{}
			return nil
		})
	})
	if err != nil {
		return nil, false, s.wrap(err)
	}
	return ids, taken, nil
}

// TakeBaseline records ids as reconcile's baseline for floor and marks it taken, replacing
// any earlier baseline, in one commit: a pass that failed midway never calls it, so no part
// of a backlog is ever recorded as the whole of it.
func (s *Store) TakeBaseline(ctx context.Context, floor time.Time, ids []int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now().UTC()
	marker, err := json.Marshal(baselineMarker{Floor: floor.UTC(), At: now})
	if err != nil {
		return err
	}
	at := encodeUint(uint64(now.UnixNano()))
	return s.wrap(s.update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketBaseline); err != nil {
			return err
		}
		b, err := tx.CreateBucket(bucketBaseline)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := b.Put(encodeUint(uint64(id)), at); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaBaseline, marker)
	}))
}
