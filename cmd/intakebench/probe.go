package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// probeFsync appends n × 4 KiB to a file in dir, each followed by fsync, and returns the
// per-round latencies (write + fsync).
func probeFsync(dir string, n int) ([]time.Duration, error) {
	f, err := os.OpenFile(filepath.Join(dir, "fsync-probe"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint64(buf, uint64(i))
		start := time.Now()
		if _, err := f.Write(buf); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

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
