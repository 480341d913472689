package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/metrics"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fakeStats struct {
	mu    sync.Mutex
	st    taskdb.Stats
	err   error
	calls int
}

func (f *fakeStats) Stats(context.Context) (taskdb.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.st, f.err
}

// scrape GETs the handler and returns the seerrpilot_ sample lines (name{labels} value), sorted.
func scrape(t *testing.T, m *metrics.Metrics) ([]string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body.String())
	}
	body, _ := io.ReadAll(rec.Body)
	var own []string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "seerrpilot_") {
			own = append(own, line)
		}
	}
	sort.Strings(own)
	return own, string(body)
}

func has(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func matching(lines []string, prefix string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func TestFreshRegistryExactSeries(t *testing.T) {
	oldest := t0.Add(-90 * time.Second)
	src := &fakeStats{st: taskdb.Stats{Total: 6, OldestPending: &oldest, ByStatus: map[task.Status]int{
		task.StatusPending: 2, task.StatusRunning: 1, task.StatusSuccess: 3,
	}}}
	m := metrics.New(src, func() time.Time { return t0 })
	got, body := scrape(t, m)
	var want []string
	for _, le := range []string{"+Inf", "0.001", "0.01", "0.05", "0.1", "0.25", "0.5", "1", "10", "2.5", "5"} {
		want = append(want, `seerrpilot_moviepilot_rate_limit_wait_seconds_bucket{le="`+le+`"} 0`)
	}
	want = append(want, `seerrpilot_moviepilot_rate_limit_wait_seconds_count 0`, `seerrpilot_moviepilot_rate_limit_wait_seconds_sum 0`)
	want = append(want, []string{
		`seerrpilot_notifications_total{event="failed",outcome="failed"} 0`,
		`seerrpilot_notifications_total{event="failed",outcome="sent"} 0`,
		`seerrpilot_queue_oldest_pending_age_seconds 90`,
		`seerrpilot_reconcile_last_success_timestamp_seconds 0`,
		`seerrpilot_reconcile_runs_total{outcome="error"} 0`,
		`seerrpilot_reconcile_runs_total{outcome="ok"} 0`,
		`seerrpilot_task_attempts_total{outcome="failed"} 0`,
		`seerrpilot_task_attempts_total{outcome="nothing-sent"} 0`,
		`seerrpilot_task_attempts_total{outcome="success"} 0`,
		`seerrpilot_task_store_up 1`,
		`seerrpilot_tasks{status="cancelled"} 0`,
		`seerrpilot_tasks{status="failed"} 0`,
		`seerrpilot_tasks{status="pending"} 2`,
		`seerrpilot_tasks{status="running"} 1`,
		`seerrpilot_tasks{status="success"} 3`,
		`seerrpilot_track_last_success_timestamp_seconds 0`,
		`seerrpilot_tracked_subscriptions{state="downloaded"} 0`,
		`seerrpilot_tracked_subscriptions{state="removed"} 0`,
		`seerrpilot_tracked_subscriptions{state="stalled"} 0`,
		`seerrpilot_tracked_subscriptions{state="subscribed"} 0`,
		`seerrpilot_webhook_ack_duration_seconds_bucket{le="+Inf"} 0`,
	}...)
	for _, le := range []string{"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5"} {
		want = append(want, `seerrpilot_webhook_ack_duration_seconds_bucket{le="`+le+`"} 0`)
	}
	want = append(want,
		`seerrpilot_webhook_ack_duration_seconds_count 0`,
		`seerrpilot_webhook_ack_duration_seconds_sum 0`,
		`seerrpilot_webhook_rejected_total{reason="busy"} 0`,
		`seerrpilot_worker_paused 0`,
		`seerrpilot_worker_throttled 0`,
		`seerrpilot_worker_unreachable 0`,
	)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, std := range []string{"go_goroutines ", "process_cpu_seconds_total ", "process_resident_memory_bytes "} {
		if !strings.Contains(body, "\n"+std) {
			t.Errorf("missing %s (Go/process collectors)", strings.TrimSpace(std))
		}
	}
	for _, meta := range []string{"# HELP seerrpilot_tasks Tasks in the queue by status.", "# TYPE seerrpilot_tasks gauge",
		"# TYPE seerrpilot_worker_paused gauge", "# TYPE seerrpilot_reconcile_runs_total counter"} {
		if !strings.Contains(body, meta) {
			t.Errorf("missing %q", meta)
		}
	}
	if src.calls != 1 {
		t.Fatalf("store read %d times per scrape", src.calls)
	}
	// Gauges follow the store: a second scrape reads it again.
	src.mu.Lock()
	src.st = taskdb.Stats{ByStatus: map[task.Status]int{task.StatusFailed: 4}}
	src.mu.Unlock()
	got, _ = scrape(t, m)
	if !has(got, `seerrpilot_tasks{status="failed"} 4`) || !has(got, `seerrpilot_tasks{status="pending"} 0`) ||
		!has(got, `seerrpilot_queue_oldest_pending_age_seconds 0`) {
		t.Fatalf("second scrape: %v", got)
	}
}

func TestWebhookLabels(t *testing.T) {
	tests := []struct {
		typ, outcome string
		want         string
	}{
		{"MEDIA_APPROVED", "enqueued", `seerrpilot_webhooks_total{outcome="enqueued",type="MEDIA_APPROVED"} 1`},
		{"TEST_NOTIFICATION", "test", `seerrpilot_webhooks_total{outcome="test",type="TEST_NOTIFICATION"} 1`},
		{"OTHER", "ignored", `seerrpilot_webhooks_total{outcome="ignored",type="other"} 1`},
		{"", "unauthorized", `seerrpilot_webhooks_total{outcome="unauthorized",type="none"} 1`},
		{"The Matrix (1999)", "enqueued", `seerrpilot_webhooks_total{outcome="enqueued",type="other"} 1`},
		{"MEDIA_DECLINED", "Bearer s3cret", `seerrpilot_webhooks_total{outcome="other",type="MEDIA_DECLINED"} 1`},
		{"media_approved", "enqueued", `seerrpilot_webhooks_total{outcome="enqueued",type="other"} 1`},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.outcome, func(t *testing.T) {
			m := metrics.New(&fakeStats{}, nil)
			m.Webhook(tt.typ, tt.outcome, time.Millisecond)
			got, body := scrape(t, m)
			series := matching(got, "seerrpilot_webhooks_total")
			if len(series) != 1 || series[0] != tt.want {
				t.Fatalf("got %v, want %s", series, tt.want)
			}
			if strings.Contains(body, "Matrix") || strings.Contains(body, "s3cret") {
				t.Fatal("caller text became a label value")
			}
		})
	}
	m := metrics.New(&fakeStats{}, nil)
	for range 3 {
		m.Webhook("MEDIA_APPROVED", "merged", time.Millisecond)
	}
	got, _ := scrape(t, m)
	if !has(got, `seerrpilot_webhooks_total{outcome="merged",type="MEDIA_APPROVED"} 3`) {
		t.Fatalf("count: %v", got)
	}
}

func TestMoviePilot(t *testing.T) {
	m := metrics.New(&fakeStats{}, nil)
	m.MoviePilot("create", "ok", 300*time.Millisecond)
	m.MoviePilot("create", "http_5xx", 2*time.Second)
	m.MoviePilot("lookup", "ok", 40*time.Millisecond)
	m.MoviePilot("/api/v1/subscribe?token=abc", "weird", time.Second)
	m.MoviePilot("update", "ok", 50*time.Millisecond)
	m.MoviePilotWait(0)
	m.MoviePilotWait(300 * time.Millisecond)
	got, body := scrape(t, m)
	wantCounters := []string{
		`seerrpilot_moviepilot_requests_total{op="create",outcome="http_5xx"} 1`,
		`seerrpilot_moviepilot_requests_total{op="create",outcome="ok"} 1`,
		`seerrpilot_moviepilot_requests_total{op="lookup",outcome="ok"} 1`,
		`seerrpilot_moviepilot_requests_total{op="other",outcome="other"} 1`,
		`seerrpilot_moviepilot_requests_total{op="update",outcome="ok"} 1`,
	}
	if c := matching(got, "seerrpilot_moviepilot_requests_total"); strings.Join(c, "\n") != strings.Join(wantCounters, "\n") {
		t.Fatalf("counters:\n%s", strings.Join(c, "\n"))
	}
	for _, w := range []string{
		`seerrpilot_moviepilot_request_duration_seconds_count{op="create"} 2`,
		`seerrpilot_moviepilot_request_duration_seconds_sum{op="create"} 2.3`,
		`seerrpilot_moviepilot_request_duration_seconds_bucket{op="create",le="0.25"} 0`,
		`seerrpilot_moviepilot_request_duration_seconds_bucket{op="create",le="0.5"} 1`,
		`seerrpilot_moviepilot_request_duration_seconds_bucket{op="create",le="2.5"} 2`,
		`seerrpilot_moviepilot_request_duration_seconds_bucket{op="lookup",le="0.05"} 1`,
		`seerrpilot_moviepilot_request_duration_seconds_bucket{op="other",le="+Inf"} 1`,
		`seerrpilot_moviepilot_rate_limit_wait_seconds_count 2`,
		`seerrpilot_moviepilot_rate_limit_wait_seconds_bucket{le="0.001"} 1`,
		`seerrpilot_moviepilot_rate_limit_wait_seconds_bucket{le="0.5"} 2`,
	} {
		if !has(got, w) {
			t.Errorf("missing %s", w)
		}
	}
	if strings.Contains(body, "token=abc") {
		t.Fatal("an op leaked into a label")
	}
	ops := regexp.MustCompile(`op="([^"]*)"`).FindAllStringSubmatch(strings.Join(got, "\n"), -1)
	for _, o := range ops {
		switch o[1] {
		case "create", "lookup", "update", "other":
		default:
			t.Fatalf("unexpected op label %q", o[1])
		}
	}
}

func TestReconcileRun(t *testing.T) {
	m := metrics.New(&fakeStats{}, func() time.Time { return t0.Add(time.Hour) })
	m.ReconcileRun("ok", false, t0.Add(1500*time.Millisecond))
	got, _ := scrape(t, m)
	// 2026-03-01T12:00:01.5Z
	if !has(got, `seerrpilot_reconcile_last_success_timestamp_seconds 1.7723664015e+09`) ||
		!has(got, `seerrpilot_reconcile_runs_total{outcome="ok"} 1`) {
		t.Fatalf("after ok: %v", got)
	}
	// Failures, dry runs and unknown outcomes do not move the timestamp.
	m.ReconcileRun("error", false, t0.Add(time.Minute))
	m.ReconcileRun("ok", true, t0.Add(2*time.Minute))
	m.ReconcileRun("partial", false, t0.Add(3*time.Minute))
	got, _ = scrape(t, m)
	for _, w := range []string{
		`seerrpilot_reconcile_last_success_timestamp_seconds 1.7723664015e+09`,
		`seerrpilot_reconcile_runs_total{outcome="error"} 1`,
		`seerrpilot_reconcile_runs_total{outcome="ok"} 2`,
		`seerrpilot_reconcile_runs_total{outcome="other"} 1`,
	} {
		if !has(got, w) {
			t.Fatalf("missing %s in %v", w, got)
		}
	}
	// A summary without a start time is dated by the clock (t0 + 1h).
	m.ReconcileRun("ok", false, time.Time{})
	got, _ = scrape(t, m)
	if !has(got, `seerrpilot_reconcile_last_success_timestamp_seconds 1.77237e+09`) {
		t.Fatalf("clock-dated: %v", matching(got, "seerrpilot_reconcile_last"))
	}
}

// TestWebhookAckDuration: stored approvals (enqueued, merged, duplicate) record their time to
// the 202; other outcomes are counted but not timed as acks.
func TestWebhookAckDuration(t *testing.T) {
	m := metrics.New(&fakeStats{}, nil)
	m.Webhook("MEDIA_APPROVED", "enqueued", 3*time.Millisecond)
	m.Webhook("MEDIA_AUTO_APPROVED", "merged", 40*time.Millisecond)
	m.Webhook("MEDIA_APPROVED", "duplicate", 2*time.Second)
	m.Webhook("MEDIA_APPROVED", "invalid", 10*time.Second)
	m.Webhook("TEST_NOTIFICATION", "test", 10*time.Second)
	m.Webhook("", "unauthorized", 10*time.Second)
	got, _ := scrape(t, m)
	for _, want := range []string{
		`seerrpilot_webhook_ack_duration_seconds_count 3`,
		`seerrpilot_webhook_ack_duration_seconds_bucket{le="0.005"} 1`,
		`seerrpilot_webhook_ack_duration_seconds_bucket{le="0.05"} 2`,
		`seerrpilot_webhook_ack_duration_seconds_bucket{le="2.5"} 3`,
		`seerrpilot_webhook_ack_duration_seconds_bucket{le="+Inf"} 3`,
	} {
		if !has(got, want) {
			t.Errorf("missing %s in %v", want, matching(got, "seerrpilot_webhook_ack"))
		}
	}
}

func TestWorkerGauges(t *testing.T) {
	m := metrics.New(&fakeStats{}, nil)
	for _, tt := range []struct {
		paused, throttled, down bool
		want                    []string
	}{
		{true, false, false, []string{"seerrpilot_worker_paused 1", "seerrpilot_worker_throttled 0", "seerrpilot_worker_unreachable 0"}},
		{false, true, false, []string{"seerrpilot_worker_paused 0", "seerrpilot_worker_throttled 1", "seerrpilot_worker_unreachable 0"}},
		{false, false, true, []string{"seerrpilot_worker_paused 0", "seerrpilot_worker_throttled 0", "seerrpilot_worker_unreachable 1"}},
		{false, false, false, []string{"seerrpilot_worker_paused 0", "seerrpilot_worker_throttled 0", "seerrpilot_worker_unreachable 0"}},
		{true, false, false, []string{"seerrpilot_worker_paused 1", "seerrpilot_worker_throttled 0", "seerrpilot_worker_unreachable 0"}},
	} {
		m.WorkerPaused(tt.paused)
		m.WorkerThrottled(tt.throttled)
		m.WorkerUnreachable(tt.down)
		got, _ := scrape(t, m)
		for _, w := range tt.want {
			if !has(got, w) {
				t.Fatalf("%+v: want %q in %v", tt, w, matching(got, "seerrpilot_worker"))
			}
		}
	}
}

// A failing store does not fail the scrape: the task gauges are absent and store_up says why.
func TestStoreDown(t *testing.T) {
	for _, src := range []metrics.StatsSource{&fakeStats{err: errors.New("database not open")}, nil} {
		m := metrics.New(src, nil)
		got, _ := scrape(t, m)
		if !has(got, "seerrpilot_task_store_up 0") {
			t.Fatalf("store_up: %v", got)
		}
		if len(matching(got, "seerrpilot_tasks")) != 0 || len(matching(got, "seerrpilot_queue_oldest")) != 0 {
			t.Fatalf("stale task gauges served: %v", got)
		}
	}
}

// Two Metrics never share series: each has its own registry, none uses the default one.
func TestOwnRegistry(t *testing.T) {
	a := metrics.New(&fakeStats{}, nil)
	b := metrics.New(&fakeStats{}, nil)
	a.Webhook("MEDIA_APPROVED", "enqueued", time.Millisecond)
	if got, _ := scrape(t, b); len(matching(got, "seerrpilot_webhooks_total")) != 0 {
		t.Fatalf("registries shared: %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	m := metrics.New(&fakeStats{}, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				m.Webhook("MEDIA_APPROVED", "enqueued", time.Millisecond)
				m.MoviePilot("create", "ok", time.Millisecond)
				m.WorkerPaused(i%2 == 0)
				m.ReconcileRun("ok", false, time.Time{})
			}
		}()
	}
	for range 5 {
		scrape(t, m)
	}
	wg.Wait()
	got, _ := scrape(t, m)
	if !has(got, `seerrpilot_webhooks_total{outcome="enqueued",type="MEDIA_APPROVED"} 400`) ||
		!has(got, `seerrpilot_reconcile_runs_total{outcome="ok"} 400`) {
		t.Fatalf("lost updates: %v", got)
	}
}

func TestTaskAttempts(t *testing.T) {
	m := metrics.New(&fakeStats{}, nil)
	for _, o := range []string{"success", "nothing-sent", "nothing-sent", "retry", "surprise"} {
		m.TaskAttempt(o)
	}
	got, _ := scrape(t, m)
	for _, w := range []string{
		`seerrpilot_task_attempts_total{outcome="success"} 1`,
		`seerrpilot_task_attempts_total{outcome="nothing-sent"} 2`,
		`seerrpilot_task_attempts_total{outcome="retry"} 1`,
		`seerrpilot_task_attempts_total{outcome="other"} 1`,
	} {
		if !has(got, w) {
			t.Fatalf("want %q in %v", w, matching(got, "seerrpilot_task_attempts"))
		}
	}
}

// TestTrackRound: the gauges follow the last round; only a complete round moves the
// last-success time.
func TestTrackRound(t *testing.T) {
	m := metrics.New(&fakeStats{st: taskdb.Stats{ByStatus: map[task.Status]int{}}}, func() time.Time { return t0 })
	m.TrackRound(map[string]int{"subscribed": 4, "stalled": 1, "downloaded": 7, "removed": 2, "bogus": 9}, true, time.Time{})
	got, _ := scrape(t, m)
	for _, w := range []string{`seerrpilot_tracked_subscriptions{state="subscribed"} 4`, `seerrpilot_tracked_subscriptions{state="stalled"} 1`,
		`seerrpilot_tracked_subscriptions{state="downloaded"} 7`, `seerrpilot_tracked_subscriptions{state="removed"} 2`,
		`seerrpilot_track_last_success_timestamp_seconds 1.7723664e+09`} {
		if !has(got, w) {
			t.Fatalf("missing %s in %v", w, got)
		}
	}
	m.TrackRound(map[string]int{"subscribed": 1}, false, t0.Add(time.Hour))
	got, _ = scrape(t, m)
	if !has(got, `seerrpilot_tracked_subscriptions{state="subscribed"} 1`) || !has(got, `seerrpilot_tracked_subscriptions{state="downloaded"} 0`) ||
		!has(got, `seerrpilot_track_last_success_timestamp_seconds 1.7723664e+09`) {
		t.Fatalf("incomplete round: %v", got)
	}
}
