package webhook

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
)

// stalledBody is a request body that hands out prefix, reports that reading began, and then
// blocks until release is closed, when it hands out the rest.
type stalledBody struct {
	prefix, rest []byte
	started      chan<- struct{}
	release      <-chan struct{}
	once         sync.Once
}

func (b *stalledBody) Read(p []byte) (int, error) {
	if len(b.prefix) > 0 {
		n := copy(p, b.prefix)
		b.prefix = b.prefix[n:]
		return n, nil
	}
	b.once.Do(func() { b.started <- struct{}{} })
	<-b.release
	if len(b.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.rest)
	b.rest = b.rest[n:]
	return n, nil
}

// countingReader counts the Read calls on r.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) { c.reads++; return c.r.Read(p) }

// With N bodies held unfinished, call N+1 is answered 503 busy with Retry-After and the
// envelope without being read; once they finish, every held call is stored and a new call is
// taken again. Bodies announced as 1 MiB that stall after 1 KiB pin about 1 KiB each, not 1 MiB.
func TestBodiesReadAtOnceAreBounded(t *testing.T) {
	const n = 8
	store := newFakeStore()
	var mu sync.Mutex
	outcomes := map[string]int{}
	h := New(Options{Store: store, Log: zerolog.Nop(), MaxReading: n,
		Observe: func(_, o string, _ time.Duration) { mu.Lock(); outcomes[o]++; mu.Unlock() }})

	started := make(chan struct{}, n)
	release := make(chan struct{})
	// Each held body: a valid approval padded to 1 MiB (announced length), 1 KiB sent so far.
	reqs := make([]*http.Request, n)
	recs := make([]*httptest.ResponseRecorder, n)
	for i := range reqs {
		padded := bytes.Repeat([]byte(" "), 1<<20)
		copy(padded, render(seerrhook.MovieApproved(100+i, 600+i, "Held", 2000)))
		body := &stalledBody{prefix: padded[:1024], rest: padded[1024:], started: started, release: release}
		reqs[i] = httptest.NewRequest(http.MethodPost, "/webhook/jellyseerr", body)
		reqs[i].ContentLength = int64(len(padded))
		reqs[i].Header.Set("Content-Type", "application/json")
		recs[i] = httptest.NewRecorder()
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(recs[i], reqs[i])
		}()
	}
	for i := 0; i < n; i++ {
		<-started // all n are inside the read, each holding a slot
	}
	runtime.ReadMemStats(&after)
	// Memory: TotalAlloc only grows, so this counts every byte the held calls allocated; a
	// buffer of the announced length would be 1 MiB each.
	if perBody := (after.TotalAlloc - before.TotalAlloc) / n; perBody > 64<<10 {
		t.Errorf("each held body allocated %d bytes after 1 KiB arrived, want a few KiB (not its announced 1 MiB)", perBody)
	}

	// Call n+1: refused at once, its body not read, nothing stored.
	extra := &countingReader{r: strings.NewReader("{}")}
	req := httptest.NewRequest(http.MethodPost, "/webhook/jellyseerr", extra)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("call %d: %d Retry-After %q, want 503 with Retry-After", n+1, rec.Code, rec.Header().Get("Retry-After"))
	}
	var env answer
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Code != 5000 || !strings.Contains(env.Msg, "busy") {
		t.Fatalf("call %d body %q (%v), want the envelope with code 5000 saying busy", n+1, rec.Body.String(), err)
	}
	if extra.reads != 0 {
		t.Fatal("the refused body was read")
	}
	if got, _ := store.counts(); got != 0 {
		t.Fatalf("%d enqueues while every body was held", got)
	}

	close(release)
	wg.Wait()
	for i, r := range recs {
		if r.Code != 202 {
			t.Fatalf("held call %d: %d %s", i, r.Code, r.Body.String())
		}
	}
	// The slots are free again.
	if a := postBytes(t, h, render(seerrhook.MovieApproved(999, 999, "After", 2001)), nil); a.Status != 202 {
		t.Fatalf("after the held calls finished: %d %q", a.Status, a.Msg)
	}
	mu.Lock()
	defer mu.Unlock()
	if outcomes[OutcomeBusy] != 1 || outcomes[OutcomeEnqueued] != n+1 {
		t.Fatalf("outcomes %v, want 1 busy and %d enqueued", outcomes, n+1)
	}
}
