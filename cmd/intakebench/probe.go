package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// probeBoltCommit times n single-key bbolt Update transactions (one fsync'd commit each), the
// cost a store without group commit pays per webhook.
func probeBoltCommit(dir string, n int) ([]time.Duration, error) {
	path := filepath.Join(dir, "bolt-probe.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	defer db.Close()
	val := make([]byte, 600) // about one task record
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("p"))
			if err != nil {
				return err
			}
			k := make([]byte, 8)
			binary.BigEndian.PutUint64(k, uint64(i))
			return b.Put(k, val)
		})
		if err != nil {
			return nil, fmt.Errorf("bolt commit: %w", err)
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}
