// Package metrics exposes seerrpilot's Prometheus metrics on a registry of its own (never the
// process-wide default one).
//
// Label values come from fixed sets only: anything outside a set is recorded as "other", so
// no title, URL, token or other caller-controlled text can ever become a series.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// StatsSource is the task store as the metrics read it, at scrape time.
type StatsSource interface {
	Stats(ctx context.Context) (taskdb.Stats, error)
}

// Other is the label value of anything outside a label's fixed set.
const Other = "other"

// statsTimeout bounds the store read of one scrape.
const statsTimeout = 5 * time.Second

// Fixed label sets. Values outside them are recorded as Other.
var (
	webhookTypes = set("MEDIA_PENDING", "MEDIA_APPROVED", "MEDIA_AUTO_APPROVED", "MEDIA_AVAILABLE", "MEDIA_DECLINED",
		"MEDIA_FAILED", "MEDIA_AUTO_REQUESTED", "TEST_NOTIFICATION", "ISSUE_CREATED", "ISSUE_COMMENT",
		"ISSUE_RESOLVED", "ISSUE_REOPENED")
	webhookOutcomes = set("enqueued", "merged", "duplicate", "test", "cancelled", "no_task", "already_sent", "ignored",
		"invalid", "unauthorized", "too_large", "method_not_allowed", "store_error", "busy")
	// rejectReasons are the webhook outcomes that refuse a call for want of capacity.
	rejectReasons = set("busy")
	// ackOutcomes are the webhook outcomes answered 202 after a durable write.
	ackOutcomes = set("enqueued", "merged", "duplicate")
	mpOps       = set("lookup", "create", "get", "history", "update", "seerr", "login", "detect", "message")
	mpOutcomes  = set("ok", "http_3xx", "http_4xx", "http_5xx", "business", "network", "auth", "malformed",
		"canceled", "invalid")
	reconcileOutcomes = set(ReconcileOK, "error")
	// attemptOutcomes are the worker's task outcomes (worker.Options.OnOutcome).
	attemptOutcomes = set("success", "nothing-sent", "retry", "throttled", "failed", "waiting", "cancelled",
		"interrupted", "paused", "dry-run")
)

func set(vals ...string) map[string]bool {
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}

// label returns v if it is in allowed, else Other.
func label(v string, allowed map[string]bool) string {
	if allowed[v] {
		return v
	}
	return Other
}

// Metrics holds every seerrpilot metric and the registry they live on.
type Metrics struct {
	reg             *prometheus.Registry
	now             func() time.Time
	webhooks        *prometheus.CounterVec
	webhookAck      prometheus.Histogram
	webhookRejected *prometheus.CounterVec
	mpRequests      *prometheus.CounterVec
	mpDuration      *prometheus.HistogramVec
	mpWait          prometheus.Histogram
	reconcileRuns   *prometheus.CounterVec
	reconcileLast   prometheus.Gauge
	workerPaused    prometheus.Gauge
	workerThrottled prometheus.Gauge
	workerDown      prometheus.Gauge
	attempts        *prometheus.CounterVec
	notifications   *prometheus.CounterVec // notifications.go
	tracking        tracking               // tracking.go
	handler         http.Handler
}

// New registers every metric on a fresh registry. stats is read at each scrape for the task
// gauges; now (default time.Now) dates the oldest pending age.
func New(stats StatsSource, now func() time.Time) *Metrics {
	if now == nil {
		now = time.Now
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		now: now,
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seerrpilot_webhooks_total",
			Help: "Seerr webhook calls by notification type (OTHER types as \"other\", unread bodies as \"none\") and outcome.",
		}, []string{"type", "outcome"}),
		webhookRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seerrpilot_webhook_rejected_total",
			Help: "Webhook calls refused before their body was read, by reason (busy: as many bodies as the service reads at once were already being read; answered 503 with Retry-After, nothing stored). Seerr does not retry: any increase is a lost webhook for reconcile to catch.",
		}, []string{"reason"}),
		webhookAck: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "seerrpilot_webhook_ack_duration_seconds",
			Help:    "Time from receiving an approval webhook to its 202 (body read, decode and the durable write to DATA_DIR).",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}),
		mpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seerrpilot_moviepilot_requests_total",
			Help: "MoviePilot API calls by operation and outcome.",
		}, []string{"op", "outcome"}),
		mpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "seerrpilot_moviepilot_request_duration_seconds",
			Help:    "Time MoviePilot took per API operation: its HTTP exchanges only (request sent to answer read), not seerrpilot's own rate-limit wait.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30},
		}, []string{"op"}),
		mpWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "seerrpilot_moviepilot_rate_limit_wait_seconds",
			Help:    "Time each MoviePilot request waited for seerrpilot's own rate limit (MP_RATE_LIMIT_PER_SEC) before it was sent.",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}),
		reconcileRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seerrpilot_reconcile_runs_total",
			Help: "Reconcile passes by outcome (dry runs included).",
		}, []string{"outcome"}),
		reconcileLast: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seerrpilot_reconcile_last_success_timestamp_seconds",
			Help: "Unix time the last successful (non dry-run) reconcile pass finished; 0 before the first.",
		}),
		workerPaused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seerrpilot_worker_paused",
			Help: "1 while the delivery worker is paused (e.g. MoviePilot auth failing), else 0.",
		}),
		workerThrottled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seerrpilot_worker_throttled",
			Help: "1 while the delivery worker holds every MoviePilot call for MoviePilot's Retry-After (429/503), else 0.",
		}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seerrpilot_task_attempts_total",
			Help: "Task attempts the worker recorded, by how they ended (success, nothing-sent, retry, throttled, failed, waiting, cancelled, interrupted, paused, dry-run).",
		}, []string{"outcome"}),
		workerDown: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seerrpilot_worker_unreachable",
			Help: "1 while MoviePilot cannot be reached and the delivery worker probes it (every waiting task goes when it answers), else 0.",
		}),
	}
	// Start the known reconcile outcomes at zero so rate() and absent() work from the first scrape.
	for o := range reconcileOutcomes {
		m.reconcileRuns.WithLabelValues(o)
	}
	for _, o := range []string{"success", "nothing-sent", "failed"} {
		m.attempts.WithLabelValues(o)
	}
	for r := range rejectReasons {
		m.webhookRejected.WithLabelValues(r)
	}
	m.reg.MustRegister(
		m.webhooks, m.webhookAck, m.webhookRejected, m.mpRequests, m.mpDuration, m.mpWait, m.reconcileRuns, m.reconcileLast,
		m.workerPaused, m.workerThrottled, m.workerDown, m.attempts,
		newQueueCollector(stats, now),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.notifications = registerNotifications(m.reg)
	m.tracking = registerTracking(m.reg)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
	return m
}

// Webhook counts one webhook call. typ is the Seerr notification type ("" when the body was
// not read, counted as "none"); outcome is one of the webhook handler's Outcome constants;
// took is how long the call took. A stored approval (202) also records took as its ack time.
// It matches webhook.Options.Observe.
func (m *Metrics) Webhook(typ, outcome string, took time.Duration) {
	t := label(typ, webhookTypes)
	if typ == "" {
		t = "none"
	}
	o := label(outcome, webhookOutcomes)
	m.webhooks.WithLabelValues(t, o).Inc()
	if rejectReasons[o] {
		m.webhookRejected.WithLabelValues(o).Inc()
	}
	if ackOutcomes[o] {
		m.webhookAck.Observe(took.Seconds())
	}
}

// MoviePilot records one MoviePilot API call: its op, outcome and duration. It matches
// moviepilot.Options.Observe.
func (m *Metrics) MoviePilot(op, outcome string, d time.Duration) {
	o := label(op, mpOps)
	m.mpRequests.WithLabelValues(o, label(outcome, mpOutcomes)).Inc()
	m.mpDuration.WithLabelValues(o).Observe(d.Seconds())
}

// MoviePilotWait records how long one MoviePilot request waited for the rate limit. It
// matches moviepilot.Config.ObserveWait.
func (m *Metrics) MoviePilotWait(d time.Duration) {
	m.mpWait.Observe(d.Seconds())
}

// ReconcileOK is the outcome label of a pass that finished (reconcile.OutcomeOK).
const ReconcileOK = "ok"

// ReconcileRun records a finished pass by its outcome ("ok" or "error"). A successful real
// (not dry-run) pass also sets the last-success timestamp to ended (now when zero).
func (m *Metrics) ReconcileRun(outcome string, dryRun bool, ended time.Time) {
	outcome = label(outcome, reconcileOutcomes)
	m.reconcileRuns.WithLabelValues(outcome).Inc()
	if outcome != ReconcileOK || dryRun {
		return
	}
	if ended.IsZero() {
		ended = m.now()
	}
	m.reconcileLast.Set(float64(ended.UnixNano()) / 1e9)
}

// WorkerPaused sets the worker-paused gauge.
func (m *Metrics) WorkerPaused(paused bool) { m.workerPaused.Set(boolGauge(paused)) }

// WorkerThrottled sets the worker-throttled gauge.
func (m *Metrics) WorkerThrottled(throttled bool) { m.workerThrottled.Set(boolGauge(throttled)) }

// TaskAttempt counts one recorded task attempt by how it ended. It matches
// worker.Options.OnOutcome.
func (m *Metrics) TaskAttempt(outcome string) {
	m.attempts.WithLabelValues(label(outcome, attemptOutcomes)).Inc()
}

// WorkerUnreachable sets the worker-unreachable gauge (MoviePilot cannot be reached).
func (m *Metrics) WorkerUnreachable(down bool) { m.workerDown.Set(boolGauge(down)) }

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Handler serves the metrics in the Prometheus exposition format. Mount it at /metrics.
func (m *Metrics) Handler() http.Handler { return m.handler }

// queueCollector reads the store at scrape time: tasks by status, the oldest pending age and
// whether the store answered.
type queueCollector struct {
	stats     StatsSource
	now       func() time.Time
	tasks     *prometheus.Desc
	oldestAge *prometheus.Desc
	storeUp   *prometheus.Desc
	mu        sync.Mutex // one store read at a time, however many scrapes overlap
}

func newQueueCollector(stats StatsSource, now func() time.Time) *queueCollector {
	return &queueCollector{
		stats: stats,
		now:   now,
		tasks: prometheus.NewDesc("seerrpilot_tasks", "Tasks in the queue by status.", []string{"status"}, nil),
		oldestAge: prometheus.NewDesc("seerrpilot_queue_oldest_pending_age_seconds",
			"Seconds the oldest pending task has waited; 0 when none is pending.", nil, nil),
		storeUp: prometheus.NewDesc("seerrpilot_task_store_up",
			"1 if the task store answered this scrape, else 0 (and the task gauges are missing).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tasks
	ch <- c.oldestAge
	ch <- c.storeUp
}

// Collect implements prometheus.Collector.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	if c.stats == nil {
		ch <- prometheus.MustNewConstMetric(c.storeUp, prometheus.GaugeValue, 0)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	st, err := c.stats.Stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.storeUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.storeUp, prometheus.GaugeValue, 1)
	for _, s := range task.Statuses {
		ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(st.ByStatus[s]), string(s))
	}
	age := 0.0
	if st.OldestPending != nil {
		if d := c.now().Sub(*st.OldestPending); d > 0 {
			age = d.Seconds()
		}
	}
	ch <- prometheus.MustNewConstMetric(c.oldestAge, prometheus.GaugeValue, age)
}
