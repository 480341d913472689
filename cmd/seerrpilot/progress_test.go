package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func lines(b *bytes.Buffer) []string {
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}
func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)} }
func plainProgress(c *fakeClock) (*progress, *bytes.Buffer) {
	var out bytes.Buffer
	return newProgress(&out, false, c.now), &out
}

// Off a terminal: one line every 10 s of progress, whatever the number of updates, and a
// last line at the end of a long step; a step shorter than 10 s writes nothing.
func TestProgressPlainSchedule(t *testing.T) {
	clock := newFakeClock()
	p, out := plainProgress(clock)
	p.begin("delivery", "tasks", 2000)
	for i := 1; i <= 100; i++ { // one task every 0.6 s: 60 s in all
		clock.add(600 * time.Millisecond)
		p.update(i, 0)
	}
	p.end()
	got := lines(out)
	want := []string{
		"delivery: 17/2000 tasks (0%), 10s elapsed, ETA 19m50s", // 17 × 0.6 s = 10.2 s ≥ 10 s
		"delivery: 34/2000 tasks (1%), 20s elapsed, ETA 19m40s",
		"delivery: 51/2000 tasks (2%), 30s elapsed, ETA 19m29s",
		"delivery: 68/2000 tasks (3%), 40s elapsed, ETA 19m19s",
		"delivery: 85/2000 tasks (4%), 51s elapsed, ETA 19m9s",
		"delivery: 100/2000 tasks (5%), 1m0s elapsed, ETA 19m0s", // the end
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A short step: nothing at all.
	p, out = plainProgress(clock)
	p.begin("reconcile", "requests", 0)
	for i := 1; i <= 40; i++ {
		clock.add(100 * time.Millisecond)
		p.update(i, 40)
	}
	p.end()
	if out.Len() != 0 {
		t.Fatalf("a 4 s step wrote %q", out.String())
	}

	// The end of a long step writes its last state once, not a repeat.
	p, out = plainProgress(clock)
	p.begin("delivery", "tasks", 3)
	clock.add(11 * time.Second)
	p.update(3, 3)
	p.end()
	if got := lines(out); len(got) != 1 || got[0] != "delivery: 3/3 tasks (100%), 11s elapsed, ETA 0s" {
		t.Fatalf("end of a long step: %q", out.String())
	}
}

// On a terminal: one bar redrawn in place (\r), at most every 200 ms, finished by a newline.
func TestProgressTerminalBar(t *testing.T) {
	clock := newFakeClock()
	var out bytes.Buffer
	p := newProgress(&out, true, clock.now)
	p.begin("delivery", "tasks", 10)
	for i := 1; i <= 10; i++ {
		clock.add(100 * time.Millisecond)
		p.update(i, 0)
	}
	p.end()
	s := out.String()
	if n := strings.Count(s, "\r"); n != 6 { // every 200 ms: 5 redraws, plus the end
		t.Fatalf("%d redraws: %q", n, s)
	}
	if !strings.HasSuffix(s, "\rdelivery  [==============================] 10/10 tasks 100% ETA 0s  \n") {
		t.Fatalf("last bar: %q", s)
	}
	if strings.Count(s, "\n") != 1 {
		t.Fatalf("the bar is not drawn in place: %q", s)
	}
}
