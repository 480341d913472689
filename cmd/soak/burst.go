package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/webhook/webhooktest"
)

const webhookTimeout = 10 * time.Second

// outcome is what became of one webhook.
type outcome uint8

const (
	unsent   outcome = iota // never tried (the burst was stopped first)
	refused                 // connection refused: it never reached a service
	acked                   // answered 2xx: the service says it is stored
	rejected                // answered, but not 2xx
	broken                  // sent, no answer (the process died, or a timeout)
)

// webhook is one approval to send.
type webhook struct {
	id   int // Seerr request id; the TMDB id is tmdbBase+id
	body []byte
}

// movieWebhooks renders a "request approved" movie webhook for each id, as Seerr does.
func movieWebhooks(ids []int) ([]webhook, error) {
	out := make([]webhook, len(ids))
	for i, id := range ids {
		b, err := webhooktest.Render(webhooktest.MovieApproved(id, tmdbBase+id, fmt.Sprintf("Soak Movie %d", id), 1990+id%35))
		if err != nil {
			return nil, err
		}
		out[i] = webhook{id: id, body: b}
	}
	return out, nil
}

// idRange is first, first+1, …, first+n-1.
func idRange(first, n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = first + i
	}
	return ids
}

// burst sends webhooks to one service from concurrent senders.
type burst struct {
	h       *harness
	url     string
	hooks   []webhook
	senders int
	// stop, when closed, makes senders take no further webhook.
	stop <-chan struct{}
	// onAck, when set, is called after each 2xx with the number acked so far.
	onAck func(n int64)
	// pace, when set, is each sender's pause between two webhooks (a trickle, not a burst).
	pace time.Duration
}

// run sends until every webhook was tried or stop closed; out[i] is hooks[i]'s outcome.
// noAnswer is the first error of a webhook that was sent but got no answer, if any.
func (b burst) run(ctx context.Context) (out []outcome, noAnswer error) {
	out = make([]outcome, len(b.hooks))
	var next, ackN atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	for range b.senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-b.stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				i := int(next.Add(1) - 1)
				if i >= len(b.hooks) {
					return
				}
				var err error
				out[i], err = b.send(ctx, b.hooks[i].body)
				if out[i] == broken {
					firstErr.Do(func() { noAnswer = err })
				}
				if out[i] == acked && b.onAck != nil {
					b.onAck(ackN.Add(1))
				}
				if b.pace > 0 && !clock.Sleep(ctx, b.pace) {
					return
				}
			}
		}()
	}
	wg.Wait()
	return out, noAnswer
}

func (b burst) send(ctx context.Context, body []byte) (outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		return rejected, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", webhookSecret)
	resp, err := b.h.http.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return refused, err
		}
		return broken, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return acked, nil
	}
	return rejected, fmt.Errorf("HTTP %d", resp.StatusCode)
}

// sendAll sends every webhook and fails unless all were acknowledged.
func (h *harness) sendAll(ctx context.Context, svc *service, hooks []webhook) error {
	out, noAnswer := burst{h: h, url: svc.URL("/webhook/jellyseerr"), hooks: hooks, senders: h.cfg.senders}.run(ctx)
	if c := countOutcomes(out); c.acked != len(hooks) {
		return fmt.Errorf("webhooks not all acknowledged: %s%s", c, errSuffix(noAnswer))
	}
	return nil
}

// outcomes counts a burst's outcomes.
type outcomes struct{ acked, rejected, broken, refused, unsent int }

func countOutcomes(out []outcome) outcomes {
	var c outcomes
	for _, o := range out {
		switch o {
		case acked:
			c.acked++
		case rejected:
			c.rejected++
		case broken:
			c.broken++
		case refused:
			c.refused++
		default:
			c.unsent++
		}
	}
	return c
}

// sent is how many reached a service (answered or cut off mid-request).
func (c outcomes) sent() int    { return c.acked + c.rejected + c.broken }
func (c outcomes) unacked() int { return c.rejected + c.broken }

func (c outcomes) String() string {
	return fmt.Sprintf("%d acked, %d rejected, %d no answer, %d refused, %d not sent", c.acked, c.rejected, c.broken, c.refused, c.unsent)
}
