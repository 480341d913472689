package boltcheck

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

const fileName = "seerrpilot.db"

var bucket = []byte("tasks")

// dbWithRecords returns the path of a closed database holding n records, one per commit.
func dbWithRecords(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fileName)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			return b.Put(binary.BigEndian.AppendUint64(nil, uint64(i)), []byte(strings.Repeat("t", 300)))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFile(t *testing.T) {
	good := dbWithRecords(t, 300)
	if err := File(good); err != nil {
		t.Fatalf("a whole database: %v", err)
	}
	if err := File(filepath.Join(t.TempDir(), "missing.db")); err != nil {
		t.Fatalf("a missing file: %v", err)
	}
	empty := filepath.Join(t.TempDir(), fileName)
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := File(empty); err != nil {
		t.Fatalf("an empty file: %v", err)
	}

	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := readMeta(mustOpen(t, good), 0)
	if err != nil {
		t.Fatal(err)
	}
	ps := int(meta.pageSize)
	garbage := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"cut in half", data[:len(data)/2], "truncated"},
		{"cut one byte short", data[:int(meta.pgid)*ps-1], "truncated"},
		{"only the two meta pages", data[:2*ps], "truncated"},
		{"first page and a bit", data[:ps+100], "truncated"},
		{"shorter than a meta", data[:50], "too short"},
		{"garbage", garbage, "neither meta page is valid"},
		{"zeros", make([]byte, 64<<10), "neither meta page is valid"},
		{"text", []byte(strings.Repeat("not a database\n", 100)), "neither meta page is valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), fileName)
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			err := File(path)
			var de *DamagedError
			if !errors.Is(err, ErrDamaged) || !errors.As(err, &de) {
				t.Fatalf("File = %v, want ErrDamaged", err)
			}
			msg := err.Error()
			for _, want := range []string{tc.want, path, "restore " + fileName, "Upgrade and backup"} {
				if !strings.Contains(msg, want) {
					t.Fatalf("message lacks %q: %s", want, msg)
				}
			}
		})
	}

	// One damaged meta is survivable: bbolt falls back to the other, and so does the check.
	oneBad := append([]byte(nil), data...)
	oneBad[boltPageHeader+20] ^= 0xff
	path := filepath.Join(t.TempDir(), fileName)
	if err := os.WriteFile(path, oneBad, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := File(path); err != nil {
		t.Fatalf("one damaged meta: %v", err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatalf("bbolt with one damaged meta: %v", err)
	}
	defer db.Close()
	// The other meta page is the newest commit or the one before it, depending on which of
	// the two was damaged: 300 or 299 records (one per commit).
	_ = db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bucket).Stats().KeyN; n != 300 && n != 299 {
			t.Fatalf("%d records after one damaged meta, want 300 or 299", n)
		}
		return nil
	})
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}
