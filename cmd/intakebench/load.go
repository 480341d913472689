package main

import (
	"github.com/seerrpilot/seerrpilot/pkg/benchkit"

	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// receiver is one server under load.
type receiver struct {
	name   string
	url    string
	auth   string // Authorization header, "" for none
	client *http.Client
	acked  []int // request ids answered 202, every run included
}

func newClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // loopback only, never via a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: requestTimeout}
}

const requestTimeout = 10 * time.Second

// post sends one approval and returns the status (0 on a transport error).
func (rc *receiver) post(tpl *bodyTemplate, id int) (int, error) {
	req, err := http.NewRequest(http.MethodPost, rc.url, bytes.NewReader(tpl.body(id)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "intakebench")
	if rc.auth != "" {
		req.Header.Set("Authorization", rc.auth)
	}
	resp, err := rc.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// runResult is one scenario against one receiver.
type runResult struct {
	Round    int     `json:"round,omitempty"`
	Scenario string  `json:"scenario"`
	Receiver string  `json:"receiver"`
	Offered  int     `json:"offeredPerSec,omitempty"` // 0 for saturation
	Senders  int     `json:"senders"`
	Sent     int     `json:"sent"`
	Acks     int     `json:"acks"` // 202s
	Errors   int     `json:"errors"`
	Non202   int     `json:"non202"`
	Dropped  int     `json:"dropped,omitempty"` // scheduled but not sent before the time bound
	ElapsedS float64 `json:"elapsedSec"`
	AcksPerS float64 `json:"acksPerSec"`
	P50Ms    float64 `json:"p50Ms"`
	P90Ms    float64 `json:"p90Ms"`
	P99Ms    float64 `json:"p99Ms"`
	P999Ms   float64 `json:"p999Ms"`
	MaxMs    float64 `json:"maxMs"`
	// CPUUsPerAck is the whole process's CPU time (user+system, the load generator included)
	// per 202 in a saturation run. The generator's share is the same for every receiver, so the
	// difference between receivers is what each costs per webhook; unlike acks/s it hardly
	// moves with the neighbours of a shared VM.
	CPUUsPerAck float64 `json:"cpuUsPerAck,omitempty"`
}

// processCPU is the user+system CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// recorder collects one worker's outcomes; merged after the run.
type recorder struct {
	lat     []time.Duration
	acked   []int
	errs    int
	non202  int
	dropped int
	last    time.Time
}

func (r *recorder) record(id, status int, err error, lat time.Duration, end time.Time) {
	r.lat = append(r.lat, lat)
	switch {
	case err != nil:
		r.errs++
	case status != http.StatusAccepted:
		r.non202++
	default:
		r.acked = append(r.acked, id)
	}
	if end.After(r.last) {
		r.last = end
	}
}

func merge(rc *receiver, res *runResult, start time.Time, recs []*recorder) {
	var lat []time.Duration
	last := start
	for _, r := range recs {
		lat = append(lat, r.lat...)
		rc.acked = append(rc.acked, r.acked...)
		res.Acks += len(r.acked)
		res.Errors += r.errs
		res.Non202 += r.non202
		res.Dropped += r.dropped
		if r.last.After(last) {
			last = r.last
		}
	}
	res.Sent = len(lat)
	el := last.Sub(start)
	res.ElapsedS = el.Seconds()
	if el > 0 {
		res.AcksPerS = float64(res.Acks) / el.Seconds()
	}
	slices.Sort(lat)
	res.P50Ms = benchkit.Ms(benchkit.Quantile(lat, 0.50))
	res.P90Ms = benchkit.Ms(benchkit.Quantile(lat, 0.90))
	res.P99Ms = benchkit.Ms(benchkit.Quantile(lat, 0.99))
	res.P999Ms = benchkit.Ms(benchkit.Quantile(lat, 0.999))
	if len(lat) > 0 {
		res.MaxMs = benchkit.Ms(lat[len(lat)-1])
	}
}

// maxPerRun bounds the requests of one run whatever the machine does.
const maxPerRun = 5_000_000

// saturate runs senders closed-loop workers (each sends, waits for the answer, sends again)
// for dur. Latency is send→answer.
func saturate(ctx context.Context, rc *receiver, tpl *bodyTemplate, ids *atomic.Int64, senders int, dur time.Duration, scenario string) runResult {
	res := runResult{Scenario: scenario, Receiver: rc.name, Senders: senders}
	recs := make([]*recorder, senders)
	var sent atomic.Int64
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := range recs {
		r := &recorder{lat: make([]time.Duration, 0, 4096)}
		recs[w] = r
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) && sent.Add(1) <= maxPerRun {
				id := int(ids.Add(1))
				t := time.Now()
				status, err := rc.post(tpl, id)
				end := time.Now()
				r.record(id, status, err, end.Sub(t), end)
			}
		}()
	}
	wg.Wait()
	cpu := processCPU() - cpu0
	merge(rc, &res, start, recs)
	if res.Acks > 0 && cpu > 0 {
		res.CPUUsPerAck = float64(cpu.Microseconds()) / float64(res.Acks)
	}
	return res
}

// fixedRate offers rate requests/s for dur, open-loop: request i is due at start+i/rate and its
// latency runs from that scheduled time, so a stalled receiver is charged for the requests it
// delayed (no coordinated omission). workers bounds the requests in flight.
func fixedRate(ctx context.Context, rc *receiver, tpl *bodyTemplate, ids *atomic.Int64, rate, workers int, dur time.Duration, scenario string) runResult {
	res := runResult{Scenario: scenario, Receiver: rc.name, Offered: rate, Senders: workers}
	n := int(float64(rate) * dur.Seconds())
	n = min(max(n, 1), maxPerRun)
	due := func(start time.Time, i int) time.Time {
		return start.Add(time.Duration(float64(i) * float64(time.Second) / float64(rate)))
	}
	start := time.Now().Add(20 * time.Millisecond)
	// Requests not sent by then are counted as dropped: the run always ends.
	giveUp := start.Add(dur + 30*time.Second)
	queue := make(chan int, n)
	recs := make([]*recorder, workers)
	var wg sync.WaitGroup
	for w := range recs {
		r := &recorder{lat: make([]time.Duration, 0, n/workers+16)}
		recs[w] = r
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				if ctx.Err() != nil || time.Now().After(giveUp) {
					r.dropped++
					continue
				}
				id := int(ids.Add(1))
				status, err := rc.post(tpl, id)
				end := time.Now()
				r.record(id, status, err, end.Sub(due(start, i)), end)
			}
		}()
	}
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		if d := time.Until(due(start, i)); d > 0 {
			time.Sleep(d)
		}
		queue <- i
	}
	close(queue)
	wg.Wait()
	merge(rc, &res, start, recs)
	return res
}
