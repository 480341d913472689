package task

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the store's file inside DATA_DIR.
const FileName = "seerrpilot.db"

// schemaVersion is written to the meta bucket; a newer file is refused rather than misread.
// 2: the status/source indexes live in one flat bucket (schema 1 had a nested bucket per
// status and per source, which cost twice the pages per commit); Open upgrades a schema-1 file.
const schemaVersion = 2

// Bucket layout. Every index holds 8-byte big-endian task sequence numbers, so a cursor walks
// tasks oldest→newest and Last/Prev gives "newest first" without a scan.
var (
	bucketTasks  = []byte("tasks")  // seq → task JSON
	bucketKeys   = []byte("keys")   // source key ("seerr:42") → seq
	bucketIndex  = []byte("index")  // <index name> 0x00 seq(8) → nil; names as the counters: status:<s>, source:<s>, both:<s>|<s>
	bucketDue    = []byte("due")    // nextAttemptAt(8) + seq(8) → nil, pending tasks only
	bucketCounts = []byte("counts") // counter name → uint64
	bucketMeta   = []byte("meta")
)

// ErrLocked means another process holds the database file.
var ErrLocked = errors.New("database is locked (another seerrpilot running?)")

// Options tune Open. The zero value is fine.
type Options struct {
	// LockTimeout bounds the wait for the file lock (default 2s): a second instance fails fast.
	LockTimeout time.Duration
	// Now is the clock (default time.Now). Tests pass a fake.
	Now func() time.Time
	// BatchDelay is how long Enqueue waits for other callers to share its commit (bbolt's
	// DB.MaxBatchDelay; default DefaultBatchDelay, negative: no wait). A lone webhook is
	// committed after at most this; a burst shares one fsync'd commit per batch.
	BatchDelay time.Duration
}

// DefaultBatchDelay is Options.BatchDelay when unset.
const DefaultBatchDelay = 2 * time.Millisecond

// JournalSuffix named the intake journal file of earlier builds (the database path plus it).
// It is no longer written; Open reports a leftover one through StaleJournal.
const JournalSuffix = "-journal"

// Store is the durable task queue. All methods are safe for concurrent use.
// Every write is committed to the database with fsync before the method returns nil;
// concurrent enqueues share one commit (bbolt's DB.Batch).
type Store struct {
	db           *bolt.DB
	now          func() time.Time
	path         string
	changed      chan struct{} // signalled when a task becomes pending: wakes the worker
	staleJournal string
}

// maxBatch bounds how many enqueues share one commit.
const maxBatch = 1000

// Open opens (creating if needed) the store at path.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// bbolt maps the file and trusts its meta pages: a truncated file crashes the process
	// ("fatal error: fault") instead of failing, so check it first.
	if err := CheckFile(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	switch {
	case opts.BatchDelay < 0:
		db.MaxBatchDelay = 0
	case opts.BatchDelay == 0:
		db.MaxBatchDelay = DefaultBatchDelay
	default:
		db.MaxBatchDelay = opts.BatchDelay
	}
	db.MaxBatchSize = maxBatch
	s := &Store{db: db, now: opts.Now, path: path, changed: make(chan struct{}, 1)}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if _, err := os.Stat(path + JournalSuffix); err == nil {
		s.staleJournal = path + JournalSuffix
	}
	return s, nil
}

// StaleJournal names the intake journal file an earlier build left next to the database, or
// "": it is no longer used (the caller logs that once; the file can be deleted).
func (s *Store) StaleJournal() string { return s.staleJournal }

func (s *Store) init() error {
	return s.update(func(tx *writeTx) error {
		for _, name := range [][]byte{bucketTasks, bucketKeys, bucketIndex, bucketDue, bucketCounts, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get([]byte("schema")); v != nil {
			got := decodeUint(v)
			if got > schemaVersion {
				return fmt.Errorf("%s was written by a newer seerrpilot (schema %d > %d); upgrade seerrpilot", s.path, got, schemaVersion)
			}
			if got == schemaVersion {
				return nil
			}
			if err := upgradeIndexes(tx.Tx); err != nil {
				return fmt.Errorf("upgrade %s from schema %d: %w", s.path, got, err)
			}
		}
		return meta.Put([]byte("schema"), encodeUint(schemaVersion))
	})
}

// upgradeIndexes turns a schema-1 file (one nested bucket per status, per source and per
// pair) into the flat index, rebuilt from the tasks themselves. The counters and the other
// buckets are unchanged. It runs once, inside Open's write transaction: all or nothing.
func upgradeIndexes(tx *bolt.Tx) error {
	for _, old := range []string{"by_status", "by_source", "by_both"} {
		if tx.Bucket([]byte(old)) != nil {
			if err := tx.DeleteBucket([]byte(old)); err != nil {
				return err
			}
		}
	}
	var keys [][]byte
	err := tx.Bucket(bucketTasks).ForEach(func(k, _ []byte) error {
		t, err := getSeq(tx, decodeUint(k))
		if err != nil {
			return err
		}
		for _, name := range indexNames(t) {
			keys = append(keys, indexKey(name, k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Insert in key order: every Put then appends to the node instead of shifting it, which
	// keeps a large rebuild linear (interleaved names made it quadratic: 40 s for 100k tasks).
	slices.SortFunc(keys, bytes.Compare)
	idx := tx.Bucket(bucketIndex)
	for _, k := range keys {
		if err := idx.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// appendFill is the fill percent for buckets whose keys mostly arrive in order (task
// sequence numbers, due times, per-index sequence numbers): bbolt's default of 50% splits
// every appended-to page in half, so a commit wrote twice the pages it needed and the file
// held half-empty pages forever.
const appendFill = 0.95

// update runs fn in a write transaction of its own, committed with fsync.
func (s *Store) update(fn func(tx *writeTx) error) error {
	return s.db.Update(func(btx *bolt.Tx) error {
		tx := newWriteTx(btx)
		if err := fn(tx); err != nil {
			return err
		}
		return tx.flushCounts()
	})
}

// newWriteTx wraps a bbolt write transaction; the appended-to buckets get appendFill.
func newWriteTx(btx *bolt.Tx) *writeTx {
	for _, name := range [][]byte{bucketTasks, bucketKeys, bucketIndex, bucketDue} {
		if b := btx.Bucket(name); b != nil {
			b.FillPercent = appendFill
		}
	}
	return &writeTx{Tx: btx}
}

// writeTx is a write transaction plus the counter changes made in it: a transaction that
// moves the same counter many times writes it once, at the end.
type writeTx struct {
	*bolt.Tx
	counts map[string]int64
}

func (tx *writeTx) bump(name string, delta int64) {
	if tx.counts == nil {
		tx.counts = make(map[string]int64, 8)
	}
	tx.counts[name] += delta
}

func (tx *writeTx) flushCounts() error {
	b := tx.Bucket(bucketCounts)
	for name, delta := range tx.counts {
		if delta == 0 {
			continue
		}
		v := int64(decodeUint(b.Get([]byte(name)))) + delta
		if v < 0 {
			v = 0
		}
		if err := b.Put([]byte(name), encodeUint(uint64(v))); err != nil {
			return err
		}
	}
	tx.counts = nil
	return nil
}

// Changed is signalled (without blocking, coalesced) whenever a task becomes pending, so the
// worker wakes at once for new work instead of polling.
func (s *Store) Changed() <-chan struct{} { return s.changed }

func (s *Store) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Backup writes a consistent copy of the whole database to w (a read transaction: the
// service keeps running). It returns the bytes written.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, s.wrap(err)
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database. Callers stop producers and the worker first.
func (s *Store) Close() error { return s.db.Close() }

// Ping reports whether the database is usable (open and readable).
func (s *Store) Ping() error {
	err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketTasks) == nil {
			return errors.New("tasks bucket missing")
		}
		return nil
	})
	return s.wrap(err)
}

func (s *Store) wrap(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// EnqueueResult says what Enqueue did.
type EnqueueResult struct {
	Task    Task
	Created bool // a new task was stored
	Changed bool // an existing task took new seasons (re-opened if it had finished), or was re-opened
	// Reopened: a cancelled or failed task went back to pending because Seerr approved the
	// request again (see Reopens).
	Reopened bool
}

// Enqueue stores a new pending task for in.Key() or merges newly requested seasons into the
// task that already has that key. A second enqueue of the same request never creates a second
// task; one that adds nothing writes nothing.
//
// New seasons re-open a finished task (success or failed → pending) so that only the new
// seasons are sent: the items already done keep their state. A new approval in Seerr
// re-opens a cancelled or failed task under the same id (see Reopens); otherwise a cancelled
// task keeps its status (an operator decided so) but remembers the seasons for a later retry.
//
// Concurrent callers share one fsync'd commit (bbolt's DB.Batch). A nil error means the task
// is on disk.
func (s *Store) Enqueue(ctx context.Context, src Source, in Input) (EnqueueResult, error) {
	if err := ctx.Err(); err != nil {
		return EnqueueResult{}, err
	}
	if !src.Valid() {
		return EnqueueResult{}, fmt.Errorf("%w: unknown source %q", ErrInvalid, src)
	}
	if err := in.Validate(); err != nil {
		return EnqueueResult{}, err
	}
	in.Seasons, _ = MergeSeasons(nil, in.Seasons)
	in.Title = CleanTitle(in.Title) // whatever the producer did, no control character is stored

	// A repeat that changes nothing costs a read, not a commit.
	var res EnqueueResult
	var known bool
	err := s.db.View(func(tx *bolt.Tx) error {
		t, err := getByKey(tx, in.Key())
		if err != nil || t == nil {
			return err
		}
		if !wants(t, src, in) {
			res, known = EnqueueResult{Task: *t}, true
		}
		return nil
	})
	if err != nil {
		return EnqueueResult{}, s.wrap(err)
	}
	if known {
		return res, nil
	}
	// Batch may run fn more than once (alone, after its batch failed): fn only writes, and
	// the run that commits sets the result.
	err = s.db.Batch(func(btx *bolt.Tx) error {
		tx := newWriteTx(btx)
		r, err := enqueueTx(tx, src, in, s.now().UTC())
		if err != nil {
			return err
		}
		res = r
		return tx.flushCounts()
	})
	if err != nil {
		return EnqueueResult{}, s.wrap(err)
	}
	if res.Task.Status == StatusPending && (res.Created || res.Changed) {
		s.signal()
	}
	return res, nil
}

// enqueueTx stores or merges one input inside a write transaction.
func enqueueTx(tx *writeTx, src Source, in Input, now time.Time) (EnqueueResult, error) {
	key := in.Key()
	old, err := getByKey(tx.Tx, key)
	if err != nil {
		return EnqueueResult{}, err
	}
	if old == nil {
		seq, err := tx.Bucket(bucketTasks).NextSequence()
		if err != nil {
			return EnqueueResult{}, err
		}
		t := &Task{
			ID: FormatID(seq), Key: key, Type: in.MediaType, Status: StatusPending,
			CreatedAt: now, UpdatedAt: now, Source: src, Input: in, Items: []Item{},
			NextAttemptAt: now, History: []HistoryEntry{}, Revision: 1, seq: seq,
		}
		t.AddHistory(now, "enqueued", "from "+string(src))
		if err := put(tx, nil, t); err != nil {
			return EnqueueResult{}, err
		}
		return EnqueueResult{Task: *t, Created: true}, nil
	}
	merged, changed := MergeSeasons(old.Input.Seasons, in.Seasons)
	reopen, why := Reopens(old, src, in)
	if !changed && !reopen {
		return EnqueueResult{Task: *old}, nil
	}
	t := old.clone()
	t.Input.Seasons = merged
	fillBlanks(&t.Input, in)
	t.Revision++
	t.UpdatedAt = now
	switch {
	case reopen:
		t.reopen(now, why)
		if err := put(tx, old, t); err != nil {
			return EnqueueResult{}, err
		}
		return EnqueueResult{Task: *t, Changed: true, Reopened: true}, nil
	case t.Status == StatusSuccess || t.Status == StatusFailed:
		// Re-open for the new seasons only; items already done stay done.
		t.Status = StatusPending
		t.Attempts = 0
		t.NextAttemptAt = now
		t.LeaseUntil = nil
		t.AddHistory(now, "reopened", "new seasons from "+string(src))
	default:
		t.AddHistory(now, "merged", "new seasons from "+string(src))
	}
	if err := put(tx, old, t); err != nil {
		return EnqueueResult{}, err
	}
	return EnqueueResult{Task: *t, Changed: true}, nil
}

// fillBlanks copies descriptive fields the stored input lacks from a newer sighting.
func fillBlanks(dst *Input, src Input) {
	if dst.Title == "" {
		dst.Title = src.Title
	}
	if dst.Year == 0 {
		dst.Year = src.Year
	}
	if dst.TVDBID == 0 {
		dst.TVDBID = src.TVDBID
	}
	if dst.RequestedBy == "" {
		dst.RequestedBy = src.RequestedBy
	}
	if src.RequestUpdatedAt != nil && (dst.RequestUpdatedAt == nil || src.RequestUpdatedAt.After(*dst.RequestUpdatedAt)) {
		dst.RequestUpdatedAt = src.RequestUpdatedAt
		dst.RequestStatus = src.RequestStatus
	}
}

// Get returns the task with that public id.
func (s *Store) Get(ctx context.Context, id string) (Task, error) {
	seq, err := ParseID(id)
	if err != nil {
		return Task{}, err
	}
	var t *Task
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = getSeq(tx, seq)
		return err
	})
	if err != nil {
		return Task{}, s.wrap(err)
	}
	return *t, nil
}

// GetByKey returns the task with that source key ("seerr:42").
func (s *Store) GetByKey(ctx context.Context, key string) (Task, error) {
	var t *Task
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = getByKey(tx, key)
		return err
	})
	if err != nil {
		return Task{}, s.wrap(err)
	}
	if t == nil {
		return Task{}, fmt.Errorf("%w: no task for %s", ErrNotFound, key)
	}
	return *t, nil
}

// Has reports whether a task with that key exists, and its seasons, in one cheap read.
func (s *Store) Has(ctx context.Context, key string) (bool, []SeasonRequest, error) {
	var found bool
	var seasons []SeasonRequest
	err := s.db.View(func(tx *bolt.Tx) error {
		t, err := getByKey(tx, key)
		if err != nil || t == nil {
			return err
		}
		found, seasons = true, t.Input.Seasons
		return nil
	})
	return found, seasons, s.wrap(err)
}

// Wants reports, in one cheap read, whether Enqueue(src, in) would change anything: no task
// for the key yet, new seasons, or a re-open (see Reopens). Reconcile asks it before it
// enqueues, so a pass over thousands of known requests writes nothing.
func (s *Store) Wants(ctx context.Context, src Source, in Input) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	in.Seasons, _ = MergeSeasons(nil, in.Seasons)
	want := true
	err := s.db.View(func(tx *bolt.Tx) error {
		t, err := getByKey(tx, in.Key())
		if err != nil || t == nil {
			return err
		}
		want = wants(t, src, in)
		return nil
	})
	return want, s.wrap(err)
}

// wants reports whether enqueueing in changes the stored task t.
func wants(t *Task, src Source, in Input) bool {
	if _, changed := MergeSeasons(t.Input.Seasons, in.Seasons); changed {
		return true
	}
	reopen, _ := Reopens(t, src, in)
	return reopen
}

// ListOptions filters List. Zero values mean "any"; Limit defaults to 10.
type ListOptions struct {
	Status Status
	Source Source
	Limit  int
}

// List returns the newest tasks matching the filter (newest first) and how many match in all.
// It reads only an index and the tasks it returns, never the whole store.
func (s *Store) List(ctx context.Context, opts ListOptions) ([]Task, int, error) {
	if opts.Status != "" && !opts.Status.Valid() {
		return nil, 0, fmt.Errorf("%w: unknown status %q", ErrInvalid, opts.Status)
	}
	if opts.Source != "" && !opts.Source.Valid() {
		return nil, 0, fmt.Errorf("%w: unknown source %q", ErrInvalid, opts.Source)
	}
	if opts.Limit <= 0 {
		opts.Limit = 10
	}
	var out []Task
	var total int
	err := s.db.View(func(tx *bolt.Tx) error {
		name := indexFor(opts.Status, opts.Source)
		total = int(decodeUint(tx.Bucket(bucketCounts).Get([]byte(name))))
		var err error
		newest(tx, name, func(seq uint64) bool {
			var t *Task
			if t, err = getSeq(tx, seq); err != nil {
				return false
			}
			out = append(out, *t)
			return len(out) < opts.Limit
		})
		return err
	})
	if err != nil {
		return nil, 0, s.wrap(err)
	}
	if out == nil {
		out = []Task{}
	}
	return out, total, nil
}

// indexFor names the narrowest index for a filter; its counter has the same name. "all" is
// the tasks bucket itself.
func indexFor(st Status, src Source) string {
	switch {
	case st != "" && src != "":
		return "both:" + string(st) + "|" + string(src)
	case st != "":
		return "status:" + string(st)
	case src != "":
		return "source:" + string(src)
	}
	return "all"
}

// indexKey is the flat index entry of one task (seq is its 8-byte key) under one index name.
func indexKey(name string, seq []byte) []byte {
	k := make([]byte, 0, len(name)+1+len(seq))
	k = append(k, name...)
	k = append(k, 0)
	return append(k, seq...)
}

// newest calls fn with the tasks of one index, newest first, until fn returns false.
func newest(tx *bolt.Tx, name string, fn func(seq uint64) bool) {
	if name == "all" {
		c := tx.Bucket(bucketTasks).Cursor()
		for k, _ := c.Last(); k != nil && fn(decodeUint(k)); k, _ = c.Prev() {
		}
		return
	}
	prefix := append([]byte(name), 0)
	c := tx.Bucket(bucketIndex).Cursor()
	// Every entry of the index sorts below name+0x01: seek there and step back.
	k, _ := c.Seek(append([]byte(name), 1))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix) && fn(decodeUint(k[len(prefix):])); k, _ = c.Prev() {
	}
}

// oldest calls fn with the tasks of one named index (not "all"), oldest first, until fn
// returns false.
func oldest(tx *bolt.Tx, name string, fn func(seq uint64) bool) {
	prefix := append([]byte(name), 0)
	c := tx.Bucket(bucketIndex).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && fn(decodeUint(k[len(prefix):])); k, _ = c.Next() {
	}
}

// Stats is the queue at a glance.
type Stats struct {
	Total         int            `json:"total"`
	ByStatus      map[Status]int `json:"byStatus"`
	OldestPending *time.Time     `json:"oldestPending,omitempty"`
	NextDue       *time.Time     `json:"nextDue,omitempty"`
}

// Stats counts tasks by status (O(1): counters kept with every write) and finds the oldest pending task.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{ByStatus: make(map[Status]int, len(Statuses))}
	err := s.db.View(func(tx *bolt.Tx) error {
		counts := tx.Bucket(bucketCounts)
		st.Total = int(decodeUint(counts.Get([]byte("all"))))
		for _, status := range Statuses {
			st.ByStatus[status] = int(decodeUint(counts.Get([]byte("status:" + string(status)))))
		}
		var err error
		oldest(tx, "status:"+string(StatusPending), func(seq uint64) bool {
			var t *Task
			if t, err = getSeq(tx, seq); err == nil {
				created := t.CreatedAt
				st.OldestPending = &created
			}
			return false
		})
		if err != nil {
			return err
		}
		if k, _ := tx.Bucket(bucketDue).Cursor().First(); k != nil {
			due := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC()
			st.NextDue = &due
		}
		return nil
	})
	return st, s.wrap(err)
}

// ClaimNext takes the next due pending task (nextAttemptAt ≤ now, earliest first, FIFO among
// equals), marks it running with a lease, and returns it. When nothing is due it returns
// (nil, next, nil) where next is when the earliest pending task falls due (zero if none).
func (s *Store) ClaimNext(ctx context.Context, lease time.Duration) (*Task, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, err
	}
	var claimed *Task
	var next time.Time
	err := s.update(func(tx *writeTx) error {
		now := s.now().UTC()
		k, _ := tx.Bucket(bucketDue).Cursor().First()
		if k == nil {
			return nil
		}
		due := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
		if due.After(now) {
			next = due.UTC()
			return nil
		}
		old, err := getSeq(tx.Tx, binary.BigEndian.Uint64(k[8:]))
		if err != nil {
			return err
		}
		t := old.clone()
		t.Status = StatusRunning
		until := now.Add(lease)
		t.LeaseUntil = &until
		t.UpdatedAt = now
		if err := put(tx, old, t); err != nil {
			return err
		}
		claimed = t
		return nil
	})
	if err != nil {
		return nil, time.Time{}, s.wrap(err)
	}
	return claimed, next, nil
}

// Update applies fn to the current task and stores the result in one transaction, enforcing the
// state machine: a status change fn makes must be a legal transition, or Update returns a
// *TransitionError (ErrConflict) and stores nothing. fn must not change id, key or createdAt.
func (s *Store) Update(ctx context.Context, id string, fn func(t *Task) error) (Task, error) {
	seq, err := ParseID(id)
	if err != nil {
		return Task{}, err
	}
	if err := ctx.Err(); err != nil {
		return Task{}, err
	}
	var out Task
	err = s.update(func(tx *writeTx) error {
		old, err := getSeq(tx.Tx, seq)
		if err != nil {
			return err
		}
		t := old.clone()
		if err := fn(t); err != nil {
			return err
		}
		if !CanTransition(old.Status, t.Status) {
			return &TransitionError{ID: old.ID, From: old.Status, To: t.Status}
		}
		if t.ID != old.ID || t.Key != old.Key || !t.CreatedAt.Equal(old.CreatedAt) {
			return fmt.Errorf("%w: task identity cannot change", ErrInvalid)
		}
		if t.Status != StatusRunning {
			t.LeaseUntil = nil
		}
		t.UpdatedAt = s.now().UTC()
		if err := put(tx, old, t); err != nil {
			return err
		}
		out = *t
		return nil
	})
	if err != nil {
		return Task{}, s.wrap(err)
	}
	if out.Status == StatusPending {
		s.signal()
	}
	return out, nil
}

// Retry puts a failed or cancelled task back to pending under the same id, attempts reset.
func (s *Store) Retry(ctx context.Context, id string) (Task, error) {
	return s.Update(ctx, id, func(t *Task) error {
		if t.Status != StatusFailed && t.Status != StatusCancelled {
			return &TransitionError{ID: t.ID, From: t.Status, To: StatusPending}
		}
		now := s.now().UTC()
		t.restart(now)
		t.AddHistory(now, "retry", "retry requested by operator")
		return nil
	})
}

// Cancel is an operator's cancel (REST, MCP) of a pending or running task. A running task
// stops before its next MoviePilot call. The cancel holds through reconcile until Seerr's
// request is updated after it (see Reopens); a new approval webhook or Retry re-opens it.
func (s *Store) Cancel(ctx context.Context, id, reason string) (Task, error) {
	return s.Update(ctx, id, func(t *Task) error {
		now := s.now().UTC()
		if err := cancel(t, now, reason, CancelledByOperator); err != nil {
			return err
		}
		mark := now
		if u := t.Input.RequestUpdatedAt; u != nil {
			mark = *u
		}
		t.HoldMark = &mark
		return nil
	})
}

func cancel(t *Task, now time.Time, reason, by string) error {
	if t.Status != StatusPending && t.Status != StatusRunning {
		return &TransitionError{ID: t.ID, From: t.Status, To: StatusCancelled}
	}
	t.Status = StatusCancelled
	t.Reason = reason
	t.LastError = ""
	t.CancelledBy = by
	t.AddHistory(now, "cancelled", reason)
	return nil
}

// ErrAlreadySent is returned (wrapped, matching ErrConflict) by CancelUnsent when MoviePilot
// already has at least one of the task's subscriptions.
var ErrAlreadySent = fmt.Errorf("%w: already sent to MoviePilot", ErrConflict)

// CancelUnsent cancels the task with that key if nothing was sent to MoviePilot yet: Seerr
// declined the request (a webhook). A new approval re-opens it.
func (s *Store) CancelUnsent(ctx context.Context, key, reason string) (Task, error) {
	t, err := s.GetByKey(ctx, key)
	if err != nil {
		return Task{}, err
	}
	return s.Update(ctx, t.ID, func(t *Task) error {
		for _, it := range t.Items {
			if it.State == ItemSubscribed || it.State == ItemExisting {
				return fmt.Errorf("task %s: %w", t.ID, ErrAlreadySent)
			}
		}
		return cancel(t, s.now().UTC(), reason, CancelledBySeerr)
	})
}

// ReclaimRunning returns every running task to pending. Call it once at start, before the
// worker runs: the file lock guarantees no other process holds a lease, so any running task
// was left by a crash.
func (s *Store) ReclaimRunning(ctx context.Context) (int, error) {
	n := 0
	err := s.update(func(tx *writeTx) error {
		n = 0
		var seqs []uint64
		oldest(tx.Tx, "status:"+string(StatusRunning), func(seq uint64) bool { seqs = append(seqs, seq); return true })
		now := s.now().UTC()
		for _, seq := range seqs {
			old, err := getSeq(tx.Tx, seq)
			if err != nil {
				return err
			}
			t := old.clone()
			t.Status = StatusPending
			t.LeaseUntil = nil
			t.NextAttemptAt = now
			t.UpdatedAt = now
			t.AddHistory(now, "reclaimed", "was running when the previous process stopped")
			if err := put(tx, old, t); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if n > 0 {
		s.signal()
	}
	return n, s.wrap(err)
}

// --- transaction helpers ---

func getSeq(tx *bolt.Tx, seq uint64) (*Task, error) {
	v := tx.Bucket(bucketTasks).Get(encodeUint(seq))
	if v == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, FormatID(seq))
	}
	t := &Task{}
	if err := json.Unmarshal(v, t); err != nil {
		return nil, fmt.Errorf("decode task %s: %w", FormatID(seq), err)
	}
	t.seq = seq
	return t, nil
}

func getByKey(tx *bolt.Tx, key string) (*Task, error) {
	v := tx.Bucket(bucketKeys).Get([]byte(key))
	if v == nil {
		return nil, nil
	}
	return getSeq(tx, decodeUint(v))
}

// put writes t and keeps every index and counter in step with the change from old (nil when new).
// It is the only function that writes tasks.
func put(tx *writeTx, old, t *Task) error {
	seqKey := encodeUint(t.seq)
	body, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode task %s: %w", t.ID, err)
	}
	if err := tx.Bucket(bucketTasks).Put(seqKey, body); err != nil {
		return err
	}
	if old == nil {
		if err := tx.Bucket(bucketKeys).Put([]byte(t.Key), seqKey); err != nil {
			return err
		}
		tx.bump("all", 1)
		if err := addIndexes(tx, t, seqKey); err != nil {
			return err
		}
	} else if old.Status != t.Status || old.Source != t.Source {
		if err := removeIndexes(tx, old, seqKey); err != nil {
			return err
		}
		if err := addIndexes(tx, t, seqKey); err != nil {
			return err
		}
	}
	// The due index holds pending tasks only, keyed by when they fall due.
	if old != nil && old.Status == StatusPending {
		if err := tx.Bucket(bucketDue).Delete(dueKey(old)); err != nil {
			return err
		}
	}
	if t.Status == StatusPending {
		if err := tx.Bucket(bucketDue).Put(dueKey(t), nil); err != nil {
			return err
		}
	}
	return nil
}

// indexNames are the indexes (and counters) a task belongs to besides "all".
func indexNames(t *Task) [3]string {
	return [3]string{
		"status:" + string(t.Status),
		"source:" + string(t.Source),
		"both:" + string(t.Status) + "|" + string(t.Source),
	}
}

func addIndexes(tx *writeTx, t *Task, seqKey []byte) error {
	idx := tx.Bucket(bucketIndex)
	for _, name := range indexNames(t) {
		if err := idx.Put(indexKey(name, seqKey), nil); err != nil {
			return err
		}
		tx.bump(name, 1)
	}
	return nil
}

func removeIndexes(tx *writeTx, t *Task, seqKey []byte) error {
	idx := tx.Bucket(bucketIndex)
	for _, name := range indexNames(t) {
		if err := idx.Delete(indexKey(name, seqKey)); err != nil {
			return err
		}
		tx.bump(name, -1)
	}
	return nil
}

func dueKey(t *Task) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k[:8], uint64(t.NextAttemptAt.UnixNano()))
	binary.BigEndian.PutUint64(k[8:], t.seq)
	return k
}

func encodeUint(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func decodeUint(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// clone deep-copies the task so a failed transaction leaves the caller's copy untouched.
func (t *Task) clone() *Task {
	c := *t
	c.Input.Seasons = cloneSeasons(t.Input.Seasons)
	if t.Input.RequestUpdatedAt != nil {
		v := *t.Input.RequestUpdatedAt
		c.Input.RequestUpdatedAt = &v
	}
	c.Items = make([]Item, len(t.Items))
	for i, it := range t.Items {
		if it.Season != nil {
			v := *it.Season
			it.Season = &v
		}
		it.Tracking = it.Tracking.Clone()
		c.Items[i] = it
	}
	c.History = append(make([]HistoryEntry, 0, len(t.History)+1), t.History...)
	if t.LeaseUntil != nil {
		v := *t.LeaseUntil
		c.LeaseUntil = &v
	}
	if t.HoldMark != nil {
		v := *t.HoldMark
		c.HoldMark = &v
	}
	if t.Tracking != nil {
		v := *t.Tracking
		c.Tracking = &v
	}
	return &c
}

func cloneSeasons(in []SeasonRequest) []SeasonRequest {
	if in == nil {
		return nil
	}
	out := make([]SeasonRequest, len(in))
	for i, s := range in {
		out[i] = SeasonRequest{Season: s.Season, Episodes: append([]int(nil), s.Episodes...)}
	}
	return out
}
