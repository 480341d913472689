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

// Baseline returns reconcile's baseline: the Seerr request ids the first completed pass under
// RECONCILE_SINCE skipped as the backlog, and the floor it was taken for. taken is false (ids
// nil) until one was taken. It is kept when the floor moves (a duration counts back from
// each start; an edit): requests from between the two floors were delivered, or are now.
func (s *Store) Baseline(ctx context.Context) (ids map[int]struct{}, floor time.Time, taken bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, err
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
		floor, taken = m.Floor, true
		b := tx.Bucket(bucketBaseline)
		ids = make(map[int]struct{}, b.Stats().KeyN)
		return b.ForEach(func(k, _ []byte) error {
			ids[int(decodeUint(k))] = struct{}{}
			return nil
		})
	})
	if err != nil {
		return nil, time.Time{}, false, s.wrap(err)
	}
	return ids, floor, taken, nil
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
