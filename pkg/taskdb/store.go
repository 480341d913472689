// Package taskdb is the durable task queue: the task model (pkg/task) stored in bbolt, with its
// indexes, counters and the due queue the worker claims from.
package taskdb

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/boltcheck"
	"github.com/seerrpilot/seerrpilot/pkg/clean"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the store's file inside DATA_DIR.
const FileName = "seerrpilot.db"

// schemaVersion is written to the meta bucket; a file of another version is refused rather
// than misread. 2 is the first released layout (the flat index); schema 1 (a nested bucket
// per status and per source) was never released, so there is no upgrade from it.
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
	// bucketBaseline holds reconcile's baseline (see Baseline): Seerr request id (8 bytes)
	// → when recorded (8-byte Unix nanoseconds); meta's "baseline" key says it was taken.
	bucketBaseline = []byte("baseline")
)

// Errors of the store besides the model's (task.ErrNotFound, task.ErrConflict, task.ErrInvalid).
// Check them with errors.Is.
var (
	// ErrLocked means another process holds the database file.
	ErrLocked = errors.New("database is locked (another seerrpilot running?)")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("task store is closed")
)

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

// Store is the durable task queue. All methods are safe for concurrent use.
// Every write is committed to the database with fsync before the method returns nil;
// concurrent enqueues share one commit (bbolt's DB.Batch).
type Store struct {
	db      *bolt.DB
	now     func() time.Time
	path    string
	changed chan struct{} // signalled when a task becomes pending: wakes the worker
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
	if err := boltcheck.File(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Unset: DefaultBatchDelay; negative: no wait.
	db.MaxBatchDelay = max(cmp.Or(opts.BatchDelay, DefaultBatchDelay), 0)
	db.MaxBatchSize = maxBatch
	s := &Store{db: db, now: opts.Now, path: path, changed: make(chan struct{}, 1)}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init() error {
	return s.update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketTasks, bucketKeys, bucketIndex, bucketDue, bucketCounts, bucketMeta, bucketBaseline} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch got := decodeUint(meta.Get([]byte("schema"))); {
		case got == 0: // a new file
			return meta.Put([]byte("schema"), encodeUint(schemaVersion))
		case got > schemaVersion:
			return fmt.Errorf("%s was written by a newer seerrpilot (schema %d > %d); upgrade seerrpilot", s.path, got, schemaVersion)
		case got < schemaVersion:
			return fmt.Errorf("%s was written by a pre-release build of seerrpilot (schema %d); move it aside to start with an empty database: reconcile finds the approved requests in Seerr again", s.path, got)
		}
		return nil
	})
}

// appendFill is the fill percent for buckets whose keys mostly arrive in order (task
// sequence numbers, due times, per-index sequence numbers): bbolt's default of 50% splits
// every appended-to page in half, so a commit wrote twice the pages it needed and the file
// held half-empty pages forever.
const appendFill = 0.95

// update runs fn in a write transaction of its own, committed with fsync.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(packed(tx)) })
}

// packed gives the appended-to buckets appendFill for the rest of the write transaction tx
// (bbolt keeps one handle per bucket in a transaction) and returns tx.
func packed(tx *bolt.Tx) *bolt.Tx {
	for _, name := range [][]byte{bucketTasks, bucketKeys, bucketIndex, bucketDue} {
		if b := tx.Bucket(name); b != nil {
			b.FillPercent = appendFill
		}
	}
	return tx
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
	Task    task.Task
	Created bool // a new task was stored
	Changed bool // an existing task took new seasons (re-opened if it had finished), or was re-opened
	// Reopened: a cancelled or failed task went back to pending because Seerr approved the
	// request again (see task.Reopens).
	Reopened bool
}

// Enqueue stores a new pending task for in.Key() or merges newly requested seasons into the
// task that already has that key. A second enqueue of the same request never creates a second
// task; one that adds nothing writes nothing.
//
// New seasons re-open a finished task (success or failed → pending) so that only the new
// seasons are sent: the items already done keep their state. A new approval in Seerr
// re-opens a cancelled or failed task under the same id (see task.Reopens); otherwise a cancelled
// task keeps its status (an operator decided so) but remembers the seasons for a later retry.
//
// Concurrent callers share one fsync'd commit (bbolt's DB.Batch). A nil error means the task
// is on disk.
func (s *Store) Enqueue(ctx context.Context, src task.Source, in task.Input) (EnqueueResult, error) {
	if err := ctx.Err(); err != nil {
		return EnqueueResult{}, err
	}
	if !src.Valid() {
		return EnqueueResult{}, fmt.Errorf("%w: unknown source %q", task.ErrInvalid, src)
	}
	if err := in.Validate(); err != nil {
		return EnqueueResult{}, err
	}
	in.Seasons, _ = task.MergeSeasons(nil, in.Seasons)
	in.Title = clean.Title(in.Title) // whatever the producer did, no control character is stored

	// A repeat that changes nothing costs a read, not a commit.
	t, err := s.read(func(tx *bolt.Tx) (*task.Task, error) { return getByKey(tx, in.Key()) })
	if err != nil {
		return EnqueueResult{}, err
	}
	if t != nil && !wants(t, src, in) {
		return EnqueueResult{Task: *t}, nil
	}
	// Batch may run fn more than once (alone, after its batch failed): fn only writes, and
	// the run that commits sets the result.
	var res EnqueueResult
	err = s.db.Batch(func(tx *bolt.Tx) error {
		r, err := enqueueTx(packed(tx), src, in, s.now().UTC())
		res = r
		return err
	})
	if err != nil {
		return EnqueueResult{}, s.wrap(err)
	}
	if res.Task.Status == task.StatusPending && (res.Created || res.Changed) {
		s.signal()
	}
	return res, nil
}

// enqueueTx stores or merges one input inside a write transaction.
func enqueueTx(tx *bolt.Tx, src task.Source, in task.Input, now time.Time) (EnqueueResult, error) {
	key := in.Key()
	v := tx.Bucket(bucketKeys).Get([]byte(key))
	if v == nil {
		seq, err := tx.Bucket(bucketTasks).NextSequence()
		if err != nil {
			return EnqueueResult{}, err
		}
		t := &task.Task{
			ID: task.FormatID(seq), Key: key, Type: in.MediaType, Status: task.StatusPending,
			CreatedAt: now, UpdatedAt: now, Source: src, Input: in, Items: []task.Item{},
			NextAttemptAt: now, History: []task.HistoryEntry{}, Revision: 1,
		}
		t.AddHistory(now, "enqueued", "from "+string(src))
		if err := put(tx, seq, nil, t); err != nil {
			return EnqueueResult{}, err
		}
		return EnqueueResult{Task: *t, Created: true}, nil
	}
	seq := decodeUint(v)
	old, err := getSeq(tx, seq)
	if err != nil {
		return EnqueueResult{}, err
	}
	merged, changed := task.MergeSeasons(old.Input.Seasons, in.Seasons)
	reopen, why := task.Reopens(old, src, in)
	if !changed && !reopen {
		return EnqueueResult{Task: *old}, nil
	}
	t := *old // old was decoded for this transaction alone: sharing its slices is safe
	t.Input.Seasons = merged
	fillBlanks(&t.Input, in)
	t.Revision++
	t.UpdatedAt = now
	switch {
	case reopen:
		t.Restart(now)
		t.AddHistory(now, "reopened", why)
	case t.Status == task.StatusSuccess || t.Status == task.StatusFailed:
		// Re-open for the new seasons only; items already done stay done.
		t.Status = task.StatusPending
		t.Attempts = 0
		t.NextAttemptAt = now
		t.LeaseUntil = nil
		t.AddHistory(now, "reopened", "new seasons from "+string(src))
	default:
		t.AddHistory(now, "merged", "new seasons from "+string(src))
	}
	if err := put(tx, seq, old, &t); err != nil {
		return EnqueueResult{}, err
	}
	return EnqueueResult{Task: t, Changed: true, Reopened: reopen}, nil
}

// fillBlanks copies descriptive fields the stored input lacks from a newer sighting.
func fillBlanks(dst *task.Input, src task.Input) {
	dst.Title = cmp.Or(dst.Title, src.Title)
	dst.Year = cmp.Or(dst.Year, src.Year)
	dst.TVDBID = cmp.Or(dst.TVDBID, src.TVDBID)
	dst.RequestedBy = cmp.Or(dst.RequestedBy, src.RequestedBy)
	if src.RequestUpdatedAt != nil && (dst.RequestUpdatedAt == nil || src.RequestUpdatedAt.After(*dst.RequestUpdatedAt)) {
		dst.RequestUpdatedAt = src.RequestUpdatedAt
		dst.RequestStatus = src.RequestStatus
	}
}

// Get returns the task with that public id.
func (s *Store) Get(ctx context.Context, id string) (task.Task, error) {
	seq, err := task.ParseID(id)
	if err != nil {
		return task.Task{}, err
	}
	t, err := s.read(func(tx *bolt.Tx) (*task.Task, error) { return getSeq(tx, seq) })
	if err != nil {
		return task.Task{}, err
	}
	return *t, nil
}

// GetByKey returns the task with that source key ("seerr:42").
func (s *Store) GetByKey(ctx context.Context, key string) (task.Task, error) {
	t, err := s.read(func(tx *bolt.Tx) (*task.Task, error) { return getByKey(tx, key) })
	if err != nil {
		return task.Task{}, err
	}
	if t == nil {
		return task.Task{}, fmt.Errorf("%w: no task for %s", task.ErrNotFound, key)
	}
	return *t, nil
}

// Has reports whether a task with that key exists, and its seasons, in one cheap read.
func (s *Store) Has(ctx context.Context, key string) (bool, []task.SeasonRequest, error) {
	t, err := s.read(func(tx *bolt.Tx) (*task.Task, error) { return getByKey(tx, key) })
	if err != nil || t == nil {
		return false, nil, err
	}
	return true, t.Input.Seasons, nil
}

// Wants reports, in one cheap read, whether Enqueue(src, in) would change anything: no task
// for the key yet, new seasons, or a re-open (see task.Reopens). Reconcile asks it before it
// enqueues, so a pass over thousands of known requests writes nothing.
func (s *Store) Wants(ctx context.Context, src task.Source, in task.Input) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	in.Seasons, _ = task.MergeSeasons(nil, in.Seasons)
	t, err := s.read(func(tx *bolt.Tx) (*task.Task, error) { return getByKey(tx, in.Key()) })
	if err != nil {
		return false, err
	}
	return t == nil || wants(t, src, in), nil
}

// read runs get in a read transaction of its own.
func (s *Store) read(get func(tx *bolt.Tx) (*task.Task, error)) (*task.Task, error) {
	var t *task.Task
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = get(tx)
		return err
	})
	return t, s.wrap(err)
}

// wants reports whether enqueueing in changes the stored task t.
func wants(t *task.Task, src task.Source, in task.Input) bool {
	if _, changed := task.MergeSeasons(t.Input.Seasons, in.Seasons); changed {
		return true
	}
	reopen, _ := task.Reopens(t, src, in)
	return reopen
}

// ListOptions filters List. Zero values mean "any"; Limit defaults to 10.
type ListOptions struct {
	Status task.Status
	Source task.Source
	Limit  int
}

// List returns the newest tasks matching the filter (newest first) and how many match in all.
// It reads only an index and the tasks it returns, never the whole store.
func (s *Store) List(ctx context.Context, opts ListOptions) ([]task.Task, int, error) {
	if opts.Status != "" && !opts.Status.Valid() {
		return nil, 0, fmt.Errorf("%w: unknown status %q", task.ErrInvalid, opts.Status)
	}
	if opts.Source != "" && !opts.Source.Valid() {
		return nil, 0, fmt.Errorf("%w: unknown source %q", task.ErrInvalid, opts.Source)
	}
	if opts.Limit <= 0 {
		opts.Limit = 10
	}
	var out []task.Task
	var total int
	err := s.db.View(func(tx *bolt.Tx) error {
		name := indexFor(opts.Status, opts.Source)
		total = int(decodeUint(tx.Bucket(bucketCounts).Get([]byte(name))))
		for seq := range seqsIn(tx, name, true) {
			t, err := getSeq(tx, seq)
			if err != nil {
				return err
			}
			if out = append(out, *t); len(out) == opts.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, s.wrap(err)
	}
	if out == nil {
		out = []task.Task{}
	}
	return out, total, nil
}

// indexFor names the narrowest index for a filter; its counter has the same name. "all" is
// the tasks bucket itself.
func indexFor(st task.Status, src task.Source) string {
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
	return append(append([]byte(name), 0), seq...)
}

// seqsIn yields the sequence numbers of one index's tasks ("all": every task), oldest first,
// or newest first when newestFirst is set. The caller must not change the index while it walks.
func seqsIn(tx *bolt.Tx, name string, newestFirst bool) iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		c, prefix := tx.Bucket(bucketIndex).Cursor(), []byte(name+"\x00")
		if name == "all" {
			c, prefix = tx.Bucket(bucketTasks).Cursor(), nil
		}
		var k []byte
		step := c.Next
		switch {
		case !newestFirst:
			k, _ = c.Seek(prefix)
		case name == "all":
			k, _ = c.Last()
			step = c.Prev
		default:
			// Every entry of the index sorts below name+0x01: seek there and step back.
			if k, _ = c.Seek([]byte(name + "\x01")); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
			step = c.Prev
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && yield(decodeUint(k[len(prefix):])); k, _ = step() {
		}
	}
}

// Stats is the queue at a glance.
type Stats struct {
	Total         int                 `json:"total"`
	ByStatus      map[task.Status]int `json:"byStatus"`
	OldestPending *time.Time          `json:"oldestPending,omitempty"`
	NextDue       *time.Time          `json:"nextDue,omitempty"`
}

// Stats counts tasks by status (O(1): counters kept with every write) and finds the oldest pending task.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{ByStatus: make(map[task.Status]int, len(task.Statuses))}
	err := s.db.View(func(tx *bolt.Tx) error {
		counts := tx.Bucket(bucketCounts)
		st.Total = int(decodeUint(counts.Get([]byte("all"))))
		for _, status := range task.Statuses {
			st.ByStatus[status] = int(decodeUint(counts.Get([]byte("status:" + string(status)))))
		}
		for seq := range seqsIn(tx, "status:"+string(task.StatusPending), false) {
			t, err := getSeq(tx, seq)
			if err != nil {
				return err
			}
			st.OldestPending = &t.CreatedAt
			break
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
func (s *Store) ClaimNext(ctx context.Context, lease time.Duration) (*task.Task, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, err
	}
	var claimed *task.Task
	var next time.Time
	err := s.update(func(tx *bolt.Tx) error {
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
		seq := binary.BigEndian.Uint64(k[8:])
		old, err := getSeq(tx, seq)
		if err != nil {
			return err
		}
		t := *old
		t.Status = task.StatusRunning
		until := now.Add(lease)
		t.LeaseUntil = &until
		t.UpdatedAt = now
		if err := put(tx, seq, old, &t); err != nil {
			return err
		}
		claimed = &t
		return nil
	})
	if err != nil {
		return nil, time.Time{}, s.wrap(err)
	}
	return claimed, next, nil
}

// Update applies fn to the current task and stores the result in one transaction, enforcing the
// state machine: a status change fn makes must be a legal transition, or Update returns a
// *task.TransitionError (task.ErrConflict) and stores nothing. fn must not change id, key or createdAt.
func (s *Store) Update(ctx context.Context, id string, fn func(t *task.Task) error) (task.Task, error) {
	seq, err := task.ParseID(id)
	if err != nil {
		return task.Task{}, err
	}
	if err := ctx.Err(); err != nil {
		return task.Task{}, err
	}
	var out task.Task
	err = s.update(func(tx *bolt.Tx) error {
		old, err := getSeq(tx, seq)
		if err != nil {
			return err
		}
		t := *old
		if err := fn(&t); err != nil {
			return err
		}
		if !task.CanTransition(old.Status, t.Status) {
			return &task.TransitionError{ID: old.ID, From: old.Status, To: t.Status}
		}
		if t.ID != old.ID || t.Key != old.Key || !t.CreatedAt.Equal(old.CreatedAt) {
			return fmt.Errorf("%w: task identity cannot change", task.ErrInvalid)
		}
		if t.Status != task.StatusRunning {
			t.LeaseUntil = nil
		}
		t.UpdatedAt = s.now().UTC()
		if err := put(tx, seq, old, &t); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return task.Task{}, s.wrap(err)
	}
	if out.Status == task.StatusPending {
		s.signal()
	}
	return out, nil
}

// Retry puts a failed or cancelled task back to pending under the same id, attempts reset.
func (s *Store) Retry(ctx context.Context, id string) (task.Task, error) {
	return s.Update(ctx, id, func(t *task.Task) error {
		if t.Status != task.StatusFailed && t.Status != task.StatusCancelled {
			return &task.TransitionError{ID: t.ID, From: t.Status, To: task.StatusPending}
		}
		now := s.now().UTC()
		t.Restart(now)
		t.AddHistory(now, "retry", "retry requested by operator")
		return nil
	})
}

// Cancel is an operator's cancel (REST, MCP) of a pending or running task. A running task
// stops before its next MoviePilot call. The cancel holds through reconcile until Seerr's
// request is updated after it (see task.Reopens); a new approval webhook or Retry re-opens it.
func (s *Store) Cancel(ctx context.Context, id, reason string) (task.Task, error) {
	return s.Update(ctx, id, func(t *task.Task) error {
		now := s.now().UTC()
		if err := cancel(t, now, reason, task.CancelledByOperator); err != nil {
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

func cancel(t *task.Task, now time.Time, reason, by string) error {
	if t.Status != task.StatusPending && t.Status != task.StatusRunning {
		return &task.TransitionError{ID: t.ID, From: t.Status, To: task.StatusCancelled}
	}
	t.Status = task.StatusCancelled
	t.Reason = reason
	t.LastError = ""
	t.CancelledBy = by
	t.AddHistory(now, "cancelled", reason)
	return nil
}

// ErrAlreadySent is returned (wrapped, matching task.ErrConflict) by CancelUnsent when MoviePilot
// already has at least one of the task's subscriptions.
var ErrAlreadySent = fmt.Errorf("%w: already sent to MoviePilot", task.ErrConflict)

// CancelUnsent cancels the task with that key if nothing was sent to MoviePilot yet: Seerr
// declined the request (a webhook). A new approval re-opens it.
func (s *Store) CancelUnsent(ctx context.Context, key, reason string) (task.Task, error) {
	t, err := s.GetByKey(ctx, key)
	if err != nil {
		return task.Task{}, err
	}
	return s.Update(ctx, t.ID, func(t *task.Task) error {
		for _, it := range t.Items {
			if it.State == task.ItemSubscribed || it.State == task.ItemExisting {
				return fmt.Errorf("task %s: %w", t.ID, ErrAlreadySent)
			}
		}
		return cancel(t, s.now().UTC(), reason, task.CancelledBySeerr)
	})
}

// ReclaimRunning returns every running task to pending. Call it once at start, before the
// worker runs: the file lock guarantees no other process holds a lease, so any running task
// was left by a crash.
func (s *Store) ReclaimRunning(ctx context.Context) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		seqs := slices.Collect(seqsIn(tx, "status:"+string(task.StatusRunning), false))
		now := s.now().UTC()
		for _, seq := range seqs {
			old, err := getSeq(tx, seq)
			if err != nil {
				return err
			}
			t := *old
			t.Status = task.StatusPending
			t.LeaseUntil = nil
			t.NextAttemptAt = now
			t.UpdatedAt = now
			t.AddHistory(now, "reclaimed", "was running when the previous process stopped")
			if err := put(tx, seq, old, &t); err != nil {
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

func getSeq(tx *bolt.Tx, seq uint64) (*task.Task, error) {
	v := tx.Bucket(bucketTasks).Get(encodeUint(seq))
	if v == nil {
		return nil, fmt.Errorf("%w: %s", task.ErrNotFound, task.FormatID(seq))
	}
	t := &task.Task{}
	if err := json.Unmarshal(v, t); err != nil {
		return nil, fmt.Errorf("decode task %s: %w", task.FormatID(seq), err)
	}
	return t, nil
}

func getByKey(tx *bolt.Tx, key string) (*task.Task, error) {
	v := tx.Bucket(bucketKeys).Get([]byte(key))
	if v == nil {
		return nil, nil
	}
	return getSeq(tx, decodeUint(v))
}

// put writes t, stored under seq, and keeps every index and counter in step with the change
// from old (nil when new). It is the only function that writes tasks.
func put(tx *bolt.Tx, seq uint64, old, t *task.Task) error {
	seqKey := encodeUint(seq)
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
		if err := count(tx, "all", 1); err != nil {
			return err
		}
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
	if old != nil && old.Status == task.StatusPending {
		if err := tx.Bucket(bucketDue).Delete(dueKey(old, seq)); err != nil {
			return err
		}
	}
	if t.Status == task.StatusPending {
		if err := tx.Bucket(bucketDue).Put(dueKey(t, seq), nil); err != nil {
			return err
		}
	}
	return nil
}

// indexNames are the indexes (and counters) a task belongs to besides "all".
func indexNames(t *task.Task) [3]string {
	return [3]string{
		"status:" + string(t.Status),
		"source:" + string(t.Source),
		"both:" + string(t.Status) + "|" + string(t.Source),
	}
}

func addIndexes(tx *bolt.Tx, t *task.Task, seqKey []byte) error {
	for _, name := range indexNames(t) {
		if err := tx.Bucket(bucketIndex).Put(indexKey(name, seqKey), nil); err != nil {
			return err
		}
		if err := count(tx, name, 1); err != nil {
			return err
		}
	}
	return nil
}

func removeIndexes(tx *bolt.Tx, t *task.Task, seqKey []byte) error {
	for _, name := range indexNames(t) {
		if err := tx.Bucket(bucketIndex).Delete(indexKey(name, seqKey)); err != nil {
			return err
		}
		if err := count(tx, name, -1); err != nil {
			return err
		}
	}
	return nil
}

// count moves the counter name by delta (never below zero).
func count(tx *bolt.Tx, name string, delta int64) error {
	b := tx.Bucket(bucketCounts)
	v := max(int64(decodeUint(b.Get([]byte(name))))+delta, 0)
	return b.Put([]byte(name), encodeUint(uint64(v)))
}

// dueKey is the entry in the due index of t, stored under seq: when it falls due, then seq
// (8 bytes each).
func dueKey(t *task.Task, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(encodeUint(uint64(t.NextAttemptAt.UnixNano())), seq)
}

func encodeUint(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func decodeUint(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
