package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/webhook/webhooktest"
)

const (
	movieTitle = "Opsbench Movie"
	movieYear  = 2024
)

// approval is Seerr's MEDIA_APPROVED webhook for a movie, as Seerr renders its default template.
func approval(requestID, tmdb int) ([]byte, error) {
	return webhooktest.Render(webhooktest.MovieApproved(requestID, tmdb, movieTitle, movieYear))
}

// sender posts webhooks to one service.
type sender struct {
	url    string
	client *http.Client
}

func newSender(base string, conns int) *sender {
	tr := &http.Transport{
		Proxy:               nil, // loopback only, never via a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	return &sender{url: base + "/webhook/jellyseerr", client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// post sends one webhook and returns the HTTP status.
func (s *sender) post(ctx context.Context, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Seerr opsbench")
	req.Header.Set("Authorization", webhookSecret)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// accept posts one approval and wants the 202 that means "on disk".
func (s *sender) accept(ctx context.Context, requestID, tmdb int) error {
	body, err := approval(requestID, tmdb)
	if err != nil {
		return err
	}
	code, err := s.post(ctx, body)
	if err != nil {
		return err
	}
	if code != http.StatusAccepted {
		return fmt.Errorf("webhook for request %d answered %d, want 202", requestID, code)
	}
	return nil
}

// acceptAll posts approvals for request ids first..first+n-1 (TMDB id = tmdbBase + request id)
// with conns in flight, and returns the first error.
func (s *sender) acceptAll(ctx context.Context, first, n, tmdbBase, conns int) error {
	ids := make(chan int)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				if err := s.accept(ctx, id, tmdbBase+id); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for id := first; id < first+n; id++ {
		select {
		case ids <- id:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(ids)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

// loadResult is one open-loop run.
type loadResult struct {
	Sent, Acks, Errors, Non202, Dropped int
	Elapsed                             time.Duration
	Latency                             benchkit.Summary // from each request's scheduled send time
}

// openLoop sends bodies at rate per second: body i is due at start+i/rate, whatever the
// answers do (no coordinated omission: latency counts from the due time). At most conns are
// in flight; a request that cannot be sent within 10 s of its due time is dropped.
func (s *sender) openLoop(ctx context.Context, bodies [][]byte, rate, conns int) loadResult {
	start := time.Now().Add(20 * time.Millisecond)
	due := func(i int) time.Time {
		return start.Add(time.Duration(float64(i) * float64(time.Second) / float64(rate)))
	}
	queue := make(chan int, len(bodies))
	type tally struct {
		lat                         []time.Duration
		acks, errs, non202, dropped int
		last                        time.Time
	}
	tallies := make([]*tally, conns)
	var wg sync.WaitGroup
	for w := range tallies {
		t := &tally{}
		tallies[w] = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				if ctx.Err() != nil || time.Since(due(i)) > 10*time.Second {
					t.dropped++
					continue
				}
				code, err := s.post(ctx, bodies[i])
				end := time.Now()
				t.lat = append(t.lat, end.Sub(due(i)))
				t.last = end
				switch {
				case err != nil:
					t.errs++
				case code != http.StatusAccepted:
					t.non202++
				default:
					t.acks++
				}
			}
		}()
	}
	for i := range bodies {
		if ctx.Err() != nil {
			break
		}
		time.Sleep(time.Until(due(i)))
		queue <- i
	}
	close(queue)
	wg.Wait()

	var res loadResult
	var lat []time.Duration
	last := start
	for _, t := range tallies {
		lat = append(lat, t.lat...)
		res.Acks += t.acks
		res.Errors += t.errs
		res.Non202 += t.non202
		res.Dropped += t.dropped
		if t.last.After(last) {
			last = t.last
		}
	}
	res.Sent, res.Elapsed, res.Latency = len(lat), last.Sub(start), benchkit.Summarize(lat)
	return res
}
