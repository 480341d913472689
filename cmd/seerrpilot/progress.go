package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// progressEvery is how often a non-terminal progress line is written (logs, CI).
const progressEvery = 10 * time.Second

// progress shows how far a long step of `sync once` is. On a terminal it redraws one bar
// (count, percent, ETA) in place, at most every 200 ms; elsewhere it writes one plain line
// every progressEvery, so a log or CI run shows it is alive without flooding. It is driven
// by update calls (no goroutine of its own), so a fake clock decides every line.
//
// The bar is a few lines over go-isatty (already a dependency) instead of a progress-bar
// module: one \r-redrawn line is all that is needed.
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	every time.Duration

	what         string // "reconcile" or "delivery"
	unit         string // "requests", "tasks"
	total        int
	done         int
	began, drawn time.Time
	active       bool
	shown        [2]int // done and total of the last line written

}

// newProgress writes to w; tty decides the style.
func newProgress(w io.Writer, tty bool, now func() time.Time) *progress {
	if now == nil {
		now = time.Now
	}
	return &progress{w: w, tty: tty, now: now, every: progressEvery}
}

// isTerminal reports whether w is a terminal (and NO_COLOR-style plain output is not asked).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) && os.Getenv("TERM") != "dumb"
}

// begin starts a step of total units (0: not known yet).
func (p *progress) begin(what, unit string, total int) {
	p.what, p.unit, p.total, p.done = what, unit, total, 0
	p.began = p.now()
	p.drawn = p.began
	p.active = true
}

// update records done units of total (a total of 0 keeps the last one).
func (p *progress) update(done, total int) {
	if !p.active {
		return
	}
	p.done = done
	if total > 0 {
		p.total = total
	}
	now := p.now()
	gap := p.every
	if p.tty {
		gap = 200 * time.Millisecond
	}
	if now.Sub(p.drawn) < gap {
		return
	}
	p.drawn = now
	p.draw(now)
}

// end writes the step's last state and leaves the line (on a terminal, the bar) finished.
func (p *progress) end() {
	if !p.active {
		return
	}
	p.active = false
	now := p.now()
	if p.tty {
		p.draw(now)
		fmt.Fprintln(p.w)
		return
	}
	// A short step needs no line of its own, nor one that repeats the last.
	if now.Sub(p.began) >= p.every && p.shown != [2]int{p.done, max(p.total, p.done)} {
		p.draw(now)
	}
}

func (p *progress) draw(now time.Time) {
	elapsed := now.Sub(p.began).Truncate(time.Second)
	total := max(p.total, p.done)
	p.shown = [2]int{p.done, total}
	eta := "ETA unknown"
	pct := 0
	if total > 0 {
		pct = p.done * 100 / total
		if p.done > 0 {
			left := time.Duration(float64(now.Sub(p.began)) / float64(p.done) * float64(total-p.done))
			eta = "ETA " + left.Round(time.Second).String()
		}
	}
	if !p.tty {
		fmt.Fprintf(p.w, "%s: %d/%d %s (%d%%), %s elapsed, %s\n", p.what, p.done, total, p.unit, pct, elapsed, eta)
		return
	}
	const width = 30
	fill := 0
	if total > 0 {
		fill = p.done * width / total
	}
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	fmt.Fprintf(p.w, "\r%-9s [%s] %d/%d %s %3d%% %s  ", p.what, bar, p.done, total, p.unit, pct, eta)
}
