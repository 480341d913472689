package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
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

// sender posts webhooks to one service (pkg/proc's Sender).
type sender struct{ *proc.Sender }

func newSender(base string, conns int) sender {
	return sender{proc.NewSender(base+"/webhook/jellyseerr", webhookSecret, conns)}
}

// post sends one webhook and returns the HTTP status.
func (s sender) post(ctx context.Context, body []byte) (int, error) {
	code, _, err := s.Post(ctx, body)
	if code != 0 {
		err = nil // answered: the status says how
	}
	return code, err
}

// acceptAll posts approvals for request ids first..first+n-1 (TMDB id = tmdbBase + request id)
// with conns in flight, each rendered when it is sent, and wants every one acknowledged.
func (s sender) acceptAll(ctx context.Context, first, n, tmdbBase, conns int) error {
	return s.SendAll(ctx, n, conns, func(i int) ([]byte, error) { return approval(first+i, tmdbBase+first+i) })
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
func (s sender) openLoop(ctx context.Context, bodies [][]byte, rate, conns int) loadResult {
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
