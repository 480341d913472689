package task

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dbWithTasks returns the path of a closed database holding n tasks.
func dbWithTasks(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := s.Enqueue(t.Context(), SourceWebhook, Input{RequestID: i, TMDBID: i, MediaType: TypeMovie, Title: strings.Repeat("t", 200)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckFile(t *testing.T) {
	good := dbWithTasks(t, 300)
	if err := CheckFile(good); err != nil {
		t.Fatalf("a whole database: %v", err)
	}
	if err := CheckFile(filepath.Join(t.TempDir(), "missing.db")); err != nil {
		t.Fatalf("a missing file: %v", err)
	}
	empty := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(empty); err != nil {
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
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			err := CheckFile(path)
			var de *DamagedError
			if !errors.Is(err, ErrDamaged) || !errors.As(err, &de) {
				t.Fatalf("CheckFile = %v, want ErrDamaged", err)
			}
			msg := err.Error()
			for _, want := range []string{tc.want, path, "Upgrade and backup"} {
				if !strings.Contains(msg, want) {
					t.Fatalf("message lacks %q: %s", want, msg)
				}
			}
			// Open refuses it the same way (and does not reach bbolt, which would fault).
			if _, err := Open(path, Options{}); !errors.Is(err, ErrDamaged) {
				t.Fatalf("Open = %v, want ErrDamaged", err)
			}
		})
	}

	// One damaged meta is survivable: bbolt falls back to the other, and so does the check.
	oneBad := append([]byte(nil), data...)
	oneBad[boltPageHeader+20] ^= 0xff
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, oneBad, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(path); err != nil {
		t.Fatalf("one damaged meta: %v", err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open with one damaged meta: %v", err)
	}
	// The other meta page is the newest commit or the one before it, depending on which of
	// the two was damaged: 300 or 299 tasks (one per commit).
	if st, err := s.Stats(t.Context()); err != nil || (st.Total != 300 && st.Total != 299) {
		t.Fatalf("stats %+v %v", st, err)
	}
	_ = s.Close()
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
