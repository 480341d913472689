package reconcile

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

func TestBackoffPolicy(t *testing.T) {
	cases := []struct {
		name     string
		interval time.Duration
		want     []time.Duration
	}{
		{"30m interval", 30 * time.Minute, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute,
			4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 30 * time.Minute, 30 * time.Minute}},
		{"5m interval caps at 5m", 5 * time.Minute, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute,
			4 * time.Minute, 5 * time.Minute, 5 * time.Minute}},
		{"6h interval caps at 30m", 6 * time.Hour, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute,
			4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 30 * time.Minute}},
		{"10s interval", 10 * time.Second, []time.Duration{10 * time.Second, 10 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := fixedNow()
			bo := newBackoff(tc.interval, func() time.Time { now = now.Add(time.Hour); return now })
			for i, w := range tc.want {
				if got := bo.NextBackOff(); got != w {
					t.Fatalf("retry %d: %v, want %v", i+1, got, w)
				}
			}
			bo.Reset()
			if got := bo.NextBackOff(); got != tc.want[0] {
				t.Fatalf("after Reset: %v, want %v (it must never stop, whatever the clock says)", got, tc.want[0])
			}
		})
	}
}

func TestDefaultJitter(t *testing.T) {
	d := 30 * time.Minute
	for i := 0; i < 1000; i++ {
		got := defaultJitter(d)
		if got < 27*time.Minute || got > 33*time.Minute {
			t.Fatalf("jitter(%v) = %v, outside ±10%%", d, got)
		}
	}
	if got := defaultJitter(time.Nanosecond * 5); got != 5 {
		t.Fatalf("tiny durations stay: %v", got)
	}
}

type report struct {
	ready          bool
	status, detail string
	last           *Summary
}

// TestRunSeerrDownThenBack runs the loop for real with a short interval: while Seerr is down
// every pass fails, readiness says why and one warning is logged; when it is back one
// "recovered" line is logged and readiness turns ok.
func TestRunSeerrDownThenBack(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	want := populate(srv.Fake, 30)
	srv.SetDown(true)
	store := openStore(t)
	reports := make(chan report, 1000)
	p, sink := newPoller(t, client(t, srv), store, func(o *Options) {
		o.Interval = 15 * time.Millisecond
		o.Report = func(ready bool, status, detail string, last *Summary) {
			reports <- report{ready, status, detail, last}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	next := func() report {
		t.Helper()
		select {
		case r := <-reports:
			return r
		case <-time.After(testbudget.Budget(t)):
			t.Fatal("no report")
		}
		return report{}
	}
	for i := 0; i < 3; i++ {
		r := next()
		if r.ready || r.status != OutcomeError || !strings.Contains(r.detail, "503") || r.last == nil ||
			r.last.Outcome != OutcomeError || strings.Contains(r.detail, srv.APIKey()) {
			t.Fatalf("report while down: %+v", r)
		}
	}
	srv.SetDown(false)
	for {
		r := next()
		if r.ready {
			if r.status != OutcomeOK || r.last == nil || r.last.Outcome != OutcomeOK {
				t.Fatalf("report after recovery: %+v", r)
			}
			break
		}
	}
	// A couple of good passes more, then stop.
	next()
	next()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(testbudget.Budget(t)):
		t.Fatal("Run did not stop")
	}

	if n := taskCount(t, store); n != len(want) {
		t.Fatalf("%d tasks, want %d", n, len(want))
	}
	if n := sink.Count(t, "warn", "reconcile pass failed; retrying with backoff (not logged again until it recovers)"); n != 1 {
		t.Fatalf("%d failure warnings, want exactly 1 per streak; logs:\n%s", n, sink)
	}
	if n := sink.Count(t, "info", "reconcile recovered"); n != 1 {
		t.Fatalf("%d recovered lines, want 1", n)
	}
	if n := sink.Count(t, "debug", "reconcile pass failed again"); n < 2 {
		t.Fatalf("%d repeat failures at debug, want >= 2", n)
	}
	if strings.Contains(sink.String(), srv.APIKey()) {
		t.Fatal("the API key was logged")
	}
	if _, _, err := trigger(p, context.Background(), PassOptions{}, false); !errors.Is(err, ErrStopped) {
		t.Fatalf("Trigger after Run: %v, want ErrStopped", err)
	}
	if err := p.Run(context.Background()); err == nil {
		t.Fatal("a second Run must fail")
	}
}

func TestRunWaitsWithJitterAndBackoff(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	srv.SetDown(true)
	var mu sync.Mutex
	var waits []time.Duration
	p, _ := newPoller(t, client(t, srv), openStore(t), func(o *Options) {
		o.Interval = time.Hour
		o.Jitter = func(d time.Duration) time.Duration {
			mu.Lock()
			waits = append(waits, d)
			if len(waits) == 4 {
				srv.SetDown(false) // Seerr is back after the fourth failure, whatever the speed
			}
			mu.Unlock()
			return time.Millisecond // do not really wait
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.After(testbudget.Budget(t))
	for {
		mu.Lock()
		n := len(waits)
		mu.Unlock()
		if n >= 6 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("only %d waits", n)
		case <-time.After(2 * time.Millisecond):
		}
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	// Failures back off 30s, 1m, 2m, 4m...; once Seerr answers the wait is the interval.
	wantPrefix := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, w := range wantPrefix {
		if waits[i] != w {
			t.Fatalf("waits %v, want prefix %v", waits, wantPrefix)
		}
	}
	if last := waits[len(waits)-1]; last != time.Hour {
		t.Fatalf("waits %v: after recovery the wait must be the interval", waits)
	}
}

func TestRunIntervalZero(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	want := populate(srv.Fake, 20)
	store := openStore(t)
	var mu sync.Mutex
	var runs []Summary
	p, _ := newPoller(t, client(t, srv), store, func(o *Options) {
		o.OnRun = func(s Summary) { mu.Lock(); runs = append(runs, s); mu.Unlock() }
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(testbudget.Budget(t))
	for p.Last() == nil && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // room for a (wrong) second pass
	if n := statusCalls(srv.Fake); n != 1 {
		t.Fatalf("%d passes with Interval 0, want only the start pass", n)
	}
	if taskCount(t, store) != len(want) {
		t.Fatal("start pass did not enqueue")
	}
	// Triggers still work while Run waits.
	_, sum, err := trigger(p, context.Background(), PassOptions{}, true)
	if err != nil || sum == nil || sum.Unchanged != len(want) {
		t.Fatalf("trigger: %+v %v", sum, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != 2 {
		t.Fatalf("OnRun called %d times, want 2", len(runs))
	}
}

// gatedServer is a fake whose first-page list calls block until open is called (at the
// latest at cleanup, or after 10s, so a broken test fails instead of hanging).
func gatedServer(t *testing.T, version string) (*seerrtest.Server, func(), chan struct{}) {
	gate := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(gate) }) }
	entered := make(chan struct{}, 100)
	srv := seerrtest.New(seerrtest.Options{Version: version, Hook: func(_ *seerrtest.Fake, c seerrtest.Call) {
		if c.Path == "/api/v1/request" && c.Query.Get("skip") == "" {
			entered <- struct{}{}
			select {
			case <-gate:
			case <-time.After(testbudget.Budget(t)):
			}
		}
	}})
	t.Cleanup(srv.Close)
	t.Cleanup(open) // runs before srv.Close
	return srv, open, entered
}

func callers(p *Poller, r func(*Poller) *run) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if x := r(p); x != nil {
		return x.callers
	}
	return 0
}

func waitCallers(t *testing.T, p *Poller, which func(*Poller) *run, n int) {
	t.Helper()
	deadline := time.Now().Add(testbudget.Budget(t))
	for callers(p, which) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d callers joined, want %d", callers(p, which), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func curRun(p *Poller) *run  { return p.cur }
func nextRun(p *Poller) *run { return p.next }

func TestConcurrentTriggersJoinOnePass(t *testing.T) {
	srv, open, entered := gatedServer(t, "3.1.0")
	want := populate(srv.Fake, 60)
	store := openStore(t)
	p, _ := newPoller(t, client(t, srv), store)

	first, sum, err := trigger(p, context.Background(), PassOptions{}, false)
	if err != nil || sum != nil || first == "" {
		t.Fatalf("trigger: %q %v %v", first, sum, err)
	}
	<-entered

	type result struct {
		id  string
		sum Summary
		err error
	}
	const n = 12
	results := make(chan result, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			switch i % 3 {
			case 0:
				s, err := p.Pass(context.Background(), PassOptions{})
				results <- result{s.RunID, s, err}
			case 1:
				id, s, err := trigger(p, context.Background(), PassOptions{}, true)
				results <- result{id, *s, err}
			default: // a dry run joins the real pass
				id, s, err := trigger(p, context.Background(), PassOptions{DryRun: true, Since: fixedNow()}, true)
				results <- result{id, *s, err}
			}
		}(i)
	}
	waitCallers(t, p, curRun, n+1)
	if id, _, _ := trigger(p, context.Background(), PassOptions{}, false); id != first {
		t.Fatalf("no-wait trigger got %q, want to join %q", id, first)
	}
	open()
	for i := 0; i < n; i++ {
		r := <-results
		if r.err != nil || r.id != first || r.sum.RunID != first || r.sum.Enqueued != len(want) || r.sum.DryRun {
			t.Fatalf("joined caller got %+v", r)
		}
	}
	if w, s := walks(srv.Fake), statusCalls(srv.Fake); w != 1 || s != 1 {
		t.Fatalf("%d walks and %d status calls, want one pass", w, s)
	}
	if taskCount(t, store) != len(want) {
		t.Fatal("tasks missing")
	}
	// The next trigger starts a new pass.
	if id, _, err := trigger(p, context.Background(), PassOptions{}, true); err != nil || id == first {
		t.Fatalf("after the pass: %q %v", id, err)
	}
}

func TestRealTriggerQueuesBehindDryRun(t *testing.T) {
	srv, open, entered := gatedServer(t, "3.1.0")
	want := populate(srv.Fake, 40)
	store := openStore(t)
	p, _ := newPoller(t, client(t, srv), store)

	dryID, _, err := trigger(p, context.Background(), PassOptions{DryRun: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	realID, _, _ := trigger(p, context.Background(), PassOptions{}, false)
	if realID == dryID {
		t.Fatal("a real trigger must not join a dry run")
	}
	if id, _, _ := trigger(p, context.Background(), PassOptions{Since: fixedNow()}, false); id != realID {
		t.Fatalf("second real trigger got %q, want to join the queued %q", id, realID)
	}
	if id, _, _ := trigger(p, context.Background(), PassOptions{DryRun: true}, false); id != dryID {
		t.Fatalf("dry trigger got %q, want to join the running dry run %q", id, dryID)
	}
	if callers(p, nextRun) != 2 || callers(p, curRun) != 2 {
		t.Fatalf("callers: running %d, queued %d", callers(p, curRun), callers(p, nextRun))
	}
	waiter := make(chan *Summary, 1)
	go func() {
		_, sum, _ := trigger(p, context.Background(), PassOptions{}, true) // joins the queued pass
		waiter <- sum
	}()
	waitCallers(t, p, nextRun, 3)
	open()
	sum := <-waiter
	if sum == nil {
		t.Fatal("no summary")
	}
	if sum.RunID != realID || sum.DryRun || sum.Enqueued != len(want) {
		t.Fatalf("queued real pass %+v (queued widened to the full pass: Since dropped)", sum)
	}
	if s := statusCalls(srv.Fake); s != 2 {
		t.Fatalf("%d passes, want the dry run and one real pass", s)
	}
	if taskCount(t, store) != len(want) {
		t.Fatal("tasks missing")
	}
}

func TestCovers(t *testing.T) {
	t0 := fixedNow()
	t1 := t0.Add(time.Hour)
	cases := []struct {
		have, want PassOptions
		covers     bool
	}{
		{PassOptions{}, PassOptions{}, true},
		{PassOptions{}, PassOptions{DryRun: true}, true},
		{PassOptions{DryRun: true}, PassOptions{}, false},
		{PassOptions{DryRun: true}, PassOptions{DryRun: true}, true},
		{PassOptions{}, PassOptions{Since: t0}, true},
		{PassOptions{Since: t0}, PassOptions{}, false},
		{PassOptions{Since: t0}, PassOptions{Since: t1}, true},
		{PassOptions{Since: t1}, PassOptions{Since: t0}, false},
	}
	for i, tc := range cases {
		if got := covers(tc.have, tc.want); got != tc.covers {
			t.Errorf("case %d: covers(%+v, %+v) = %v", i, tc.have, tc.want, got)
		}
		w := widen(tc.have, tc.want)
		if !covers(w, tc.have) || !covers(w, tc.want) {
			t.Errorf("case %d: widen %+v does not cover both", i, w)
		}
	}
}

func TestTriggerWaitHonoursContext(t *testing.T) {
	srv, open, entered := gatedServer(t, "3.1.0")
	want := populate(srv.Fake, 5)
	p, _ := newPoller(t, client(t, srv), openStore(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	id, sum, err := trigger(p, ctx, PassOptions{}, true)
	if !errors.Is(err, context.DeadlineExceeded) || sum != nil || id == "" {
		t.Fatalf("%q %v %v", id, sum, err)
	}
	<-entered
	open()
	// The pass itself was not cancelled with the caller's context: it finishes.
	deadline := time.Now().Add(testbudget.Budget(t))
	for {
		if last := p.Last(); last != nil {
			if last.RunID != id || last.Outcome != OutcomeOK || last.Enqueued != len(want) {
				t.Fatalf("last %+v", last)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the pass never finished")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRunShutdownWaitsForThePass(t *testing.T) {
	srv, open, entered := gatedServer(t, "3.1.0")
	defer open()
	populate(srv.Fake, 10)
	store := openStore(t)
	p, _ := newPoller(t, client(t, srv), store)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	<-entered
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testbudget.Budget(t)):
		t.Fatal("Run did not return after cancel")
	}
	if callers(p, curRun) != 0 {
		t.Fatal("Run returned while a pass was still running")
	}
	if p.Last() != nil {
		t.Fatal("a pass cut by shutdown must not become Last()")
	}
	if taskCount(t, store) != 0 {
		t.Fatal("the cancelled pass wrote tasks")
	}
}

// trigger is p.Trigger as (run id, summary, error), the shape these tests compare.
func trigger(p *Poller, ctx context.Context, opts PassOptions, wait bool) (string, *Summary, error) {
	r := p.Trigger(ctx, opts, wait)
	return r.RunID, r.Summary, r.Err
}
