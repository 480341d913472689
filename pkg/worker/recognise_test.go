package worker

import (
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// MoviePilot answers "未识别到媒体信息" for an unknown TMDB id and when TMDB is unreachable
// alike. The task keeps retrying, with an error that names the id and both causes, and gives
// up within a day (the business schedule alone would take about two days for 10 attempts).
func TestUnrecognisedTMDBIDGivesUpWithinADay(t *testing.T) {
	h := newHarness(t, setup{
		mpOpts: mptest.Options{APIToken: apiToken, AcceptAPIKey: true,
			KnownTMDB: map[int]mptest.Media{27205: {Title: "Inception", Year: "2010", Type: "movie"}}},
		opts: func(o *Options) {
			o.MaxAttempts = 10
			o.Rand = func() float64 { return 0.999 } // the longest jitter
		},
	})
	id := h.enqueue(movieIn(1, 12345))
	start := h.clock.Now()
	h.drain()
	tk := h.get(id)
	if tk.Status != task.StatusPending {
		t.Fatalf("first attempt: %s %s", tk.Status, tk.LastError)
	}
	for _, want := range []string{`MoviePilot could not recognise TMDB movie 12345 ("未识别到媒体信息")`,
		"the id may not exist on TMDB", "cannot reach TMDB right now (check its network/proxy)"} {
		if !strings.Contains(tk.LastError, want) || !strings.Contains(tk.Items[0].LastError, want) {
			t.Fatalf("error lacks %q: task %q, item %q", want, tk.LastError, tk.Items[0].LastError)
		}
	}
	for tk.Status == task.StatusPending {
		h.clock.Advance(tk.NextAttemptAt.Sub(h.clock.Now()))
		h.drain()
		tk = h.get(id)
	}
	elapsed := h.clock.Now().Sub(start)
	if tk.Status != task.StatusFailed || elapsed > 24*time.Hour || tk.Attempts >= 10 {
		t.Fatalf("%s after %s and %d attempts: %s", tk.Status, elapsed, tk.Attempts, tk.LastError)
	}
	if !strings.Contains(tk.LastError, "gave up after") || !strings.Contains(tk.LastError, "TMDB movie 12345") {
		t.Fatalf("final error: %s", tk.LastError)
	}
	t.Logf("failed after %s, %d attempts", elapsed, tk.Attempts)
}
