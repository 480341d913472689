// Package boltcheck tells whether a file is a whole bbolt database before bbolt maps it: bbolt
// trusts its meta pages, so a truncated file crashes the process ("fatal error: fault")
// instead of failing. It reads bbolt's two meta pages and nothing else.
package boltcheck

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
)

// ErrDamaged means the database file is not a whole bbolt file: bbolt would map pages past its
// end and the process would die with "fatal error: fault" instead of an error. Check it with
// errors.Is.
var ErrDamaged = errors.New("database file is damaged")

// DamagedError says what is wrong with the file, where it is and what to do.
type DamagedError struct {
	Path    string
	Problem string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("database file %s is damaged: %s. seerrpilot did not open it (bbolt would crash on it). "+
		"Stop here and keep the file: restore %s from your backup (README.md, \"Upgrade and backup\"), or move it aside "+
		"to start with an empty database, in which case reconcile finds the approved requests in Seerr again",
		e.Path, e.Problem, filepath.Base(e.Path))
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// bbolt's on-disk layout (go.etcd.io/bbolt, internal/common): every page starts with a 16-byte
// header; pages 0 and 1 hold a meta each, right after that header.
const (
	boltPageHeader   = 16
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltMetaSize     = 64 // magic, version, pageSize, flags u32; root, sequence, freelist, pgid, txid, checksum u64
	boltChecksumAt   = 56 // the checksum covers the meta bytes before it (FNV-64a)
	boltNoFreelist   = ^uint64(0)
	boltMinPageSize  = 512
	boltMaxPageSize  = 1 << 20
	boltMinPageCount = 4 // two metas, a freelist, the root leaf
)

// boltMeta is one decoded meta page.
type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64 // high-water mark: pages [0, pgid) are in use, so the file has them all
	txid     uint64
}

// readMeta decodes the meta at off; the error says why it is not a valid meta.
func readMeta(f *os.File, off int64) (boltMeta, error) {
	var b [boltPageHeader + boltMetaSize]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		if errors.Is(err, io.EOF) {
			return boltMeta{}, errors.New("it ends before the meta page")
		}
		return boltMeta{}, err
	}
	m := b[boltPageHeader:]
	le := binary.NativeEndian // bbolt writes its structs in the machine's byte order
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("no bbolt magic number")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt format version %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:boltChecksumAt])
	if h.Sum64() != le.Uint64(m[boltChecksumAt:]) {
		return boltMeta{}, errors.New("checksum mismatch")
	}
	meta := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if ps := meta.pageSize; ps < boltMinPageSize || ps > boltMaxPageSize || ps&(ps-1) != 0 {
		return boltMeta{}, fmt.Errorf("page size %d is not a power of two from %d to %d", ps, boltMinPageSize, boltMaxPageSize)
	}
	return meta, nil
}

// File reports (as a *DamagedError) a database file that bbolt could not open safely:
// shorter than its meta pages say, both meta pages unreadable, or a meta pointing past the end.
// A missing or empty file is fine (bbolt creates the database). It only reads, takes no lock,
// and is safe while another process has the database open: bbolt grows the file before a meta
// points into the new part, and writes one meta at a time.
func File(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	size := info.Size()
	if size == 0 {
		return nil
	}
	damaged := func(format string, args ...any) error {
		return &DamagedError{Path: path, Problem: fmt.Sprintf(format, args...)}
	}
	if size < boltPageHeader+boltMetaSize {
		return damaged("it is %d bytes long, too short to hold even the first meta page", size)
	}
	m0, err0 := readMeta(f, 0)
	pageSize := int64(os.Getpagesize())
	if err0 == nil {
		pageSize = int64(m0.pageSize)
	}
	m1, err1 := readMeta(f, pageSize)
	if err0 != nil && err1 != nil {
		return damaged("neither meta page is valid (page 0: %v; page 1: %v); it is not a seerrpilot database, or its start is overwritten", err0, err1)
	}
	var problems []string
	for i, m := range []boltMeta{m0, m1} {
		if (i == 0 && err0 != nil) || (i == 1 && err1 != nil) {
			continue
		}
		need := int64(m.pgid) * int64(m.pageSize)
		switch {
		case m.pgid < boltMinPageCount || m.pgid > uint64(1)<<48:
			problems = append(problems, fmt.Sprintf("meta page %d counts %d pages", i, m.pgid))
		case need > size:
			problems = append(problems, fmt.Sprintf("it is %d bytes long but meta page %d (transaction %d) says it holds %d pages of %d bytes = %d bytes: the file is truncated",
				size, i, m.txid, m.pgid, m.pageSize, need))
		case m.root < 2 || m.root >= m.pgid:
			problems = append(problems, fmt.Sprintf("meta page %d puts the root at page %d of %d", i, m.root, m.pgid))
		case m.freelist != boltNoFreelist && (m.freelist < 2 || m.freelist >= m.pgid):
			problems = append(problems, fmt.Sprintf("meta page %d puts the freelist at page %d of %d", i, m.freelist, m.pgid))
		}
	}
	if len(problems) > 0 {
		msg := problems[0]
		for _, p := range problems[1:] {
			msg += "; " + p
		}
		return damaged("%s", msg)
	}
	return nil
}
