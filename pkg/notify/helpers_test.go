package notify

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// fakeClock is a manual clock: After's channels fire when Advance reaches them.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

// notice is one message a fake sender got.
type notice struct{ title, body string }

// fakeSender records notices; fail makes the next calls fail, block holds every call.
type fakeSender struct {
	mu    sync.Mutex
	got   []notice
	calls int
	fail  error
	block chan struct{}
	sent  chan notice
}

func newSender() *fakeSender { return &fakeSender{sent: make(chan notice, 100)} }

func (s *fakeSender) Name() string { return "fake" }

func (s *fakeSender) Send(ctx context.Context, title, body string) error {
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		return s.fail
	}
	n := notice{title, body}
	s.got = append(s.got, n)
	s.sent <- n
	return nil
}

func (s *fakeSender) notices() []notice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]notice(nil), s.got...)
}

// waitNotice waits for the next notice; the bound only turns a hang into a failure.
func (s *fakeSender) waitNotice(t *testing.T) notice {
	t.Helper()
	select {
	case n := <-s.sent:
		return n
	case <-time.After(30 * time.Second):
		t.Fatal("no notice was sent")
		return notice{}
	}
}

// advanceUntilNotice moves the fake clock by step until a notice arrives, for tests that run
// Run on its own goroutine: when Run registers its timer is not ours to know. The real-time
// bound only turns a hang into a failure.
func (s *fakeSender) advanceUntilNotice(t *testing.T, clk *fakeClock, step time.Duration) notice {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case n := <-s.sent:
			return n
		case <-time.After(5 * time.Millisecond):
			clk.Advance(step)
		}
	}
	t.Fatal("no notice was sent")
	return notice{}
}

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) observe(event, outcome string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[event+"/"+outcome]++
}

func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

// newTest builds a notifier on a fake clock and sender, every event on.
func newTest(t *testing.T, mod func(*Options)) (*Notifier, *fakeClock, *fakeSender, *bytes.Buffer) {
	t.Helper()
	clk, s := newClock(), newSender()
	var logs bytes.Buffer
	all, _ := ParseEvents("all")
	o := Options{Senders: []Sender{s}, Events: all, Now: clk.Now, After: clk.After,
		Log: zerolog.New(&logs), RetryBase: time.Millisecond, Redact: redact.New(secretToken)}
	if mod != nil {
		mod(&o)
	}
	return New(o), clk, s, &logs
}

const secretToken = "tok-9f8e7d6c5b4a"

var errDown = errors.New("connection refused")

func failedTask(id int, title, requester, reason string) task.Task {
	return task.Task{ID: "tsk_" + itoa(id), Status: task.StatusFailed, Reason: reason,
		Input: task.Input{TMDBID: 1000 + id, MediaType: task.TypeMovie, Title: title, Year: 2024, RequestedBy: requester}}
}

func itoa(i int) string { return strconv.Itoa(i) }
