package task

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The intake journal.
//
// A bbolt commit costs two fsyncs and a write per dirty page, so a webhook acknowledged only
// after its own bbolt commit pays all of that per commit group. With the journal, the commit
// writer applies a group of enqueues to a bbolt write transaction that it keeps open, writes
// the group's inputs to the journal file, fdatasyncs that once, and only then answers the
// callers: the 202 is backed by the journal on disk. The open transaction is committed a few
// milliseconds later together with the groups that followed (or at once, when anything else
// needs the store: a read, the worker, an operator call, Close), and the journal is emptied.
//
// After a crash Open replays the journal's groups that the database has not got yet: each
// group records its inputs and its clock reading, and the database records the generation of
// the last group it holds, in the same transaction as the group itself. Replaying a group
// onto the state it was first applied to gives the same tasks and ids that were answered.

// JournalSuffix is appended to the database path to name its journal file.
const JournalSuffix = "-journal"

// DefaultJournalWindow is Options.JournalWindow when unset.
const DefaultJournalWindow = 20 * time.Millisecond

// maxOpenEnqueues bounds the journaled enqueues held in the open transaction (and so the
// journal's size) before it is committed regardless of the window.
const maxOpenEnqueues = 4096

// maxJournalRecord bounds one record on replay: a longer length field is a torn write.
const maxJournalRecord = 64 << 20

var keyJournalGen = []byte("journal_gen")

// journalGroup is one record: the enqueues of one commit group that changed the store.
type journalGroup struct {
	Gen uint64      `json:"gen"`
	At  time.Time   `json:"at"`
	Ops []journalOp `json:"ops"`
}

type journalOp struct {
	Src Source `json:"src"`
	In  Input  `json:"in"`
}

// journal is the record file. Only the commit writer (or Open, before it starts) uses it.
//
// The file is preallocated with zeros and records overwrite it from the start: fdatasync of
// an overwrite flushes the data alone, while an append also commits the file system's
// journal for the new size (on ext4 here that halved the CPU of each sync; PostgreSQL
// recycles WAL segments for the same reason). Emptying it is rewinding to offset 0; the
// records left beyond the end are skipped on replay, which stops at the first record that is
// torn, zero or not newer than the one before.
type journal struct {
	f    *os.File
	off  int64 // where the next record goes
	size int64 // bytes of the file (zeros or old records beyond off)
	buf  []byte
}

// journalPrealloc is the journal's initial size. It doubles when a window holds more (once
// per file: the file keeps its size), so a first burst pays for the zeros, not every Open.
const journalPrealloc = 256 << 10

var journalCRC = crc32.MakeTable(crc32.Castagnoli)

func openJournal(path string) (*journal, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j := &journal{f: f}
	fi, err := f.Stat()
	if err == nil {
		j.size = fi.Size()
		if j.size < journalPrealloc {
			err = j.grow(journalPrealloc)
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil && os.IsNotExist(statErr) {
		// The new file's directory entry must be durable before a record in it is trusted.
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("prepare journal: %w", err)
	}
	return j, nil
}

// grow extends the file with zeros to at least n bytes.
func (j *journal) grow(n int64) error {
	if n <= j.size {
		return nil
	}
	zeros := make([]byte, min(n-j.size, 1<<20))
	for j.size < n {
		w, err := j.f.WriteAt(zeros[:min(int64(len(zeros)), n-j.size)], j.size)
		j.size += int64(w)
		if err != nil {
			return err
		}
	}
	return nil
}

// append writes g as one record (length, CRC-32C, JSON) and syncs it to disk.
func (j *journal) append(g journalGroup) error {
	body, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("encode journal record: %w", err)
	}
	j.buf = binary.BigEndian.AppendUint32(j.buf[:0], uint32(len(body)))
	j.buf = binary.BigEndian.AppendUint32(j.buf, crc32.Checksum(body, journalCRC))
	j.buf = append(j.buf, body...)
	// Zeros after the record end the replay there even if an old record follows.
	end := j.off + int64(len(j.buf))
	if end+8 > j.size {
		if err := j.grow(max(end+8, 2*j.size)); err != nil {
			return fmt.Errorf("grow journal: %w", err)
		}
	}
	j.buf = append(j.buf, 0, 0, 0, 0, 0, 0, 0, 0)
	if _, err := j.f.WriteAt(j.buf, j.off); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if err := datasync(j.f); err != nil {
		return fmt.Errorf("sync journal: %w", err)
	}
	j.off = end
	if cap(j.buf) > 1<<20 {
		j.buf = nil // a rare huge group does not pin its buffer
	}
	return nil
}

// reset empties the journal once the database holds every record: the next record goes to
// offset 0. Nothing is written: the old records are skipped by their generation.
func (j *journal) reset() { j.off = 0 }

// read returns the records from the start of the file, in order, up to the first that is
// torn (never answered: a crash cut its write), zero, or not newer than the one before (an
// old record beyond the last reset).
func (j *journal) read() ([]journalGroup, error) {
	data, err := io.ReadAll(io.NewSectionReader(j.f, 0, 1<<62))
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	var out []journalGroup
	for len(data) >= 8 {
		n := binary.BigEndian.Uint32(data)
		if n == 0 || n > maxJournalRecord || int64(n) > int64(len(data)-8) {
			break
		}
		body := data[8 : 8+n]
		if crc32.Checksum(body, journalCRC) != binary.BigEndian.Uint32(data[4:]) {
			break
		}
		var g journalGroup
		if err := json.Unmarshal(body, &g); err != nil {
			break
		}
		if len(out) > 0 && g.Gen <= out[len(out)-1].Gen {
			break
		}
		out = append(out, g)
		data = data[8+n:]
	}
	return out, nil
}

func (j *journal) close() error { return j.f.Close() }

// syncDir fsyncs a directory, making a file created in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// JournalReport says what Open found in the journal.
type JournalReport struct {
	Replayed int // enqueues acknowledged before a crash and applied now
	Skipped  int // records the database already held
}

// JournalReport is what Open replayed from the journal (zero without one).
func (s *Store) JournalReport() JournalReport { return s.replayed }

// replay applies the journal records the database does not hold yet, in one transaction, and
// empties the journal. It runs in Open before the commit writer starts.
func (s *Store) replay() error {
	groups, err := s.jnl.read()
	if err != nil {
		return err
	}
	err = s.direct(func(tx *writeTx) error {
		applied := decodeUint(tx.Bucket(bucketMeta).Get(keyJournalGen))
		s.gen = applied
		for _, g := range groups {
			if g.Gen <= applied {
				s.replayed.Skipped++
				continue
			}
			for _, op := range g.Ops {
				if _, err := enqueueTx(tx, op.Src, op.In, g.At); err != nil {
					return fmt.Errorf("replay journal record %d: %w", g.Gen, err)
				}
				s.replayed.Replayed++
			}
			s.gen = g.Gen
		}
		if s.gen == applied {
			return nil
		}
		return tx.Bucket(bucketMeta).Put(keyJournalGen, encodeUint(s.gen))
	})
	if err != nil {
		return err
	}
	s.jnl.reset()
	return nil
}

// beginOpen starts the writer's open transaction and applies to it the groups that were
// acknowledged from the journal but are not in the database yet (after a failed commit).
func (s *Store) beginOpen() error {
	btx, err := s.db.Begin(true)
	if err != nil {
		return s.wrap(err)
	}
	tx := newWriteTx(btx)
	for _, g := range s.openGroups {
		for _, op := range g.Ops {
			if _, err := enqueueTx(tx, op.Src, op.In, g.At); err != nil {
				_ = btx.Rollback()
				return err
			}
		}
	}
	s.open = tx
	s.openDeadline = time.After(s.jwindow)
	return nil
}

// flushOpen commits the open transaction, if any, so the database holds every acknowledged
// enqueue. On failure the acknowledged groups stay in memory (and in the journal) and the
// next flush applies them again.
func (s *Store) flushOpen() error {
	if s.open == nil {
		if len(s.openGroups) == 0 {
			return nil
		}
		if err := s.beginOpen(); err != nil {
			return err
		}
	}
	tx := s.open
	s.open, s.openDeadline = nil, nil
	err := tx.flushCounts()
	if err == nil {
		err = tx.Bucket(bucketMeta).Put(keyJournalGen, encodeUint(s.gen))
	}
	if fail := s.failCommit.Load(); err == nil && fail != nil {
		err = (*fail)()
	}
	if err == nil {
		err = tx.Commit()
	} else {
		_ = tx.Rollback()
	}
	if err != nil {
		return s.wrap(err)
	}
	s.openGroups = s.openGroups[:0]
	s.unsettled.Store(0)
	if s.jnl != nil {
		s.jnl.reset()
	}
	return nil
}

// dropOpen rolls the open transaction back; the acknowledged groups stay for the next flush.
func (s *Store) dropOpen() {
	if s.open != nil {
		_ = s.open.Rollback()
		s.open, s.openDeadline = nil, nil
	}
}

// dropJournal stops using a journal that failed: from now on every group is committed to
// bbolt before it is answered, as without a journal. Its records stay until the next Open,
// which skips those the database holds.
func (s *Store) dropJournal(err error) {
	if s.jnl != nil {
		_ = s.jnl.close()
		s.jnl = nil
		s.journaling.Store(false)
		s.journalFailed.Store(true)
		if s.onJournalFail != nil {
			s.onJournalFail(err)
		}
	}
}

// JournalFailed reports whether the journal failed and the store went back to committing
// every group to bbolt before answering (slower, just as durable).
func (s *Store) JournalFailed() bool { return s.journalFailed.Load() }

// journalCommit is the journaled path of one commit group: apply to the open transaction,
// append the changes to the journal, fsync it, answer.
func (s *Store) journalCommit(group []*enqueueReq) {
	if s.open == nil {
		if err := s.beginOpen(); err != nil {
			s.answer(group, err)
			return
		}
	}
	now := s.now().UTC()
	g := journalGroup{Gen: s.gen + 1, At: now}
	for _, r := range group {
		r.res, r.err = enqueueTx(s.open, r.src, r.in, now)
		if r.err != nil {
			// The transaction may hold part of this enqueue. Drop it, commit what was
			// acknowledged, and take this group the direct way, where a bad enqueue fails alone.
			s.dropOpen()
			if err := s.flushOpen(); err != nil {
				s.answer(group, err)
				return
			}
			s.commitGroup(group)
			return
		}
		if r.res.Created || r.res.Changed {
			g.Ops = append(g.Ops, journalOp{Src: r.src, In: r.in})
		}
	}
	if len(g.Ops) > 0 {
		if err := s.jnl.append(g); err != nil {
			// The journal's state is unknown now: stop using it and let bbolt make this group
			// durable with the acknowledged ones. The record may have reached the disk, so the
			// database is marked as holding it either way.
			s.dropJournal(err)
			s.gen = g.Gen
			s.answer(group, s.flushOpen())
			return
		}
		s.gen = g.Gen
		s.openGroups = append(s.openGroups, g)
		s.unsettled.Add(int64(len(g.Ops)))
	}
	s.answer(group, nil)
}

// openEnqueues is how many journaled enqueues wait in the open transaction.
func (s *Store) openEnqueues() int {
	return int(s.unsettled.Load())
}

// settle makes the database hold every acknowledged enqueue before a read.
func (s *Store) settle() error {
	if s.unsettled.Load() == 0 {
		return nil
	}
	return s.update(nil)
}

// newWriteTx prepares a bbolt write transaction for the store's writes.
func newWriteTx(btx *bolt.Tx) *writeTx {
	for _, name := range [][]byte{bucketTasks, bucketKeys, bucketIndex, bucketDue} {
		if b := btx.Bucket(name); b != nil {
			b.FillPercent = appendFill
		}
	}
	return &writeTx{Tx: btx}
}
