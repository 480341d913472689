package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
)

// The reference receiver is the least a durable webhook receiver can do: read the body
// (bounded), check it is a JSON object, append it length-prefixed to a file through a group
// commit, answer 202. It is the yardstick the real intake is compared with.

var errWriterClosed = errors.New("group-commit writer closed")

// groupWriter appends records to a file: callers enqueue and wait; one goroutine takes every
// pending record, writes them in one write(2), fsyncs once and releases them all. Records that
// arrive during an fsync form the next group, so the disk is never idle while work waits.
type groupWriter struct {
	f      *os.File
	in     chan *pending
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
	pool   sync.Pool // *pending

	// Written by the writer goroutine only, read after done.
	groups, records int
	maxGroup        int
}

type pending struct {
	rec  []byte
	done chan error
}

const maxGroupRecords = 4096

func newGroupWriter(path string) (*groupWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	w := &groupWriter{f: f, in: make(chan *pending, maxGroupRecords), stop: make(chan struct{}), done: make(chan struct{})}
	w.pool.New = func() any { return &pending{done: make(chan error, 1)} }
	go w.run()
	return w, nil
}

// Append returns once rec is on disk (written and fsynced), or with the error that prevented it.
func (w *groupWriter) Append(rec []byte) error {
	p := w.pool.Get().(*pending)
	p.rec = rec
	select {
	case w.in <- p:
	case <-w.stop:
		return errWriterClosed
	}
	err := <-p.done
	p.rec = nil
	w.pool.Put(p)
	return err
}

func (w *groupWriter) run() {
	defer close(w.done)
	group := make([]*pending, 0, maxGroupRecords)
	buf := make([]byte, 0, 1<<20)
	for {
		var first *pending
		select {
		case first = <-w.in:
		case <-w.stop:
			return
		}
		group = append(group[:0], first)
	drain:
		for len(group) < maxGroupRecords {
			select {
			case p := <-w.in:
				group = append(group, p)
			default:
				break drain
			}
		}
		buf = buf[:0]
		for _, p := range group {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(p.rec)))
			buf = append(buf, p.rec...)
		}
		_, err := w.f.Write(buf)
		if err == nil {
			err = w.f.Sync()
		}
		w.groups++
		w.records += len(group)
		w.maxGroup = max(w.maxGroup, len(group))
		for _, p := range group {
			p.done <- err
		}
	}
}

// Close stops the writer after the group in progress; callers must have stopped appending.
func (w *groupWriter) Close() error {
	w.closed.Do(func() { close(w.stop) })
	<-w.done
	return w.f.Close()
}

type referenceHandler struct {
	w       *groupWriter
	maxBody int64
}

var refAccepted = []byte(`{"code":0,"msg":"stored","data":null}` + "\n")

func (h *referenceHandler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > h.maxBody {
		http.Error(rw, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	var body []byte
	var err error
	if r.ContentLength > 0 {
		// Known length (what Seerr's axios sends): one exact allocation, no growth.
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(rw, r.Body, h.maxBody))
	}
	if err != nil {
		http.Error(rw, "bad body", http.StatusBadRequest)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(rw, "not a JSON object", http.StatusBadRequest)
		return
	}
	if err := h.w.Append(body); err != nil {
		http.Error(rw, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(http.StatusAccepted)
	_, _ = rw.Write(refAccepted)
}

// verifyReferenceFile reads the reference file back and returns how many records it holds
// and how many of acked request ids are missing from it.
func verifyReferenceFile(path string, acked []int) (records, missing int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	seen := make(map[int]bool, len(acked))
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err == io.EOF {
			break
		} else if err != nil {
			return records, 0, fmt.Errorf("record %d header: %w", records, err)
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n > 1<<20 {
			return records, 0, fmt.Errorf("record %d: length %d", records, n)
		}
		rec := make([]byte, n)
		if _, err := io.ReadFull(r, rec); err != nil {
			return records, 0, fmt.Errorf("record %d: %w", records, err)
		}
		var v struct {
			Request struct {
				ID string `json:"request_id"`
			} `json:"request"`
		}
		if err := json.Unmarshal(rec, &v); err != nil {
			return records, 0, fmt.Errorf("record %d: %w", records, err)
		}
		id, _ := strconv.Atoi(v.Request.ID)
		seen[id] = true
		records++
	}
	for _, id := range acked {
		if !seen[id] {
			missing++
		}
	}
	return records, missing, nil
}
