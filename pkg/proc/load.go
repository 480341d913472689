package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
)

// Outcome is what became of one request a Sender was to send.
type Outcome uint8

const (
	Unsent   Outcome = iota // never tried (the run was stopped first)
	Refused                 // connection refused: it never reached a service
	Acked                   // answered 2xx
	Rejected                // answered, but not 2xx
	Broken                  // sent, no answer (the process died, or a timeout)
)

// Sender posts JSON bodies (webhooks) to one URL of the child over loopback, with an
// Authorization header as Seerr sends its webhook secret. Each request has 10 s.
type Sender struct {
	URL, Auth string
	client    *http.Client
}

// NewSender keeps up to conns connections open: loopback only, never via a proxy.
func NewSender(url, auth string, conns int) *Sender {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	return &Sender{URL: url, Auth: auth, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// Post sends one body and returns the HTTP status and the outcome.
func (s *Sender) Post(ctx context.Context, body []byte) (int, Outcome, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, Rejected, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", s.Auth)
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return 0, Refused, err
		}
		return 0, Broken, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, Rejected, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, Acked, nil
}

// Burst says how Send sends.
type Burst struct {
	Senders int             // concurrent senders (at least 1)
	Stop    <-chan struct{} // when closed, senders take no further body
	// Rate > 0 is an open loop: request i is due at start + i/Rate and not sent before it,
	// whatever the answers do. 0 sends each body as soon as a sender is free.
	Rate float64
	// Done, when set, is called after each request with its index, outcome and latency:
	// from its due time with Rate (no coordinated omission), else from when it was sent.
	Done func(i int, o Outcome, took time.Duration)
}

// Send posts body(0) … body(n-1), each rendered by the sender that takes it, until all were
// tried, Stop closed or ctx ended. out[i] is request i's outcome; firstErr is the first
// error of a request that was not acked (a body that cannot be rendered stops its sender).
func (s *Sender) Send(ctx context.Context, n int, body func(i int) ([]byte, error), b Burst) (out []Outcome, firstErr error) {
	out = make([]Outcome, n)
	start := time.Now()
	var next atomic.Int64
	var once sync.Once
	fail := func(err error) { once.Do(func() { firstErr = err }) }
	var wg sync.WaitGroup
	for range max(b.Senders, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-b.Stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				data, err := body(i)
				if err != nil {
					fail(err)
					return
				}
				due := time.Now()
				if b.Rate > 0 {
					due = start.Add(time.Duration(float64(i) / b.Rate * float64(time.Second)))
					if !clock.Sleep(ctx, time.Until(due)) {
						return
					}
				}
				_, out[i], err = s.Post(ctx, data)
				if err != nil {
					fail(fmt.Errorf("request %d: %w", i, err))
				}
				if b.Done != nil {
					b.Done(i, out[i], time.Since(due))
				}
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}

// Count tallies outcomes.
type Count struct{ Acked, Rejected, Broken, Refused, Unsent int }

// CountOutcomes counts out.
func CountOutcomes(out []Outcome) Count {
	var c Count
	for _, o := range out {
		switch o {
		case Acked:
			c.Acked++
		case Rejected:
			c.Rejected++
		case Broken:
			c.Broken++
		case Refused:
			c.Refused++
		default:
			c.Unsent++
		}
	}
	return c
}

// Sent is how many reached a service (answered or cut off mid-request); Unacked of those
// without a 2xx.
func (c Count) Sent() int    { return c.Acked + c.Rejected + c.Broken }
func (c Count) Unacked() int { return c.Rejected + c.Broken }

func (c Count) String() string {
	return fmt.Sprintf("%d acked, %d rejected, %d no answer, %d refused, %d not sent", c.Acked, c.Rejected, c.Broken, c.Refused, c.Unsent)
}

// SendAll is Send that wants every request acked: the error names what was not.
func (s *Sender) SendAll(ctx context.Context, n, senders int, body func(i int) ([]byte, error)) error {
	out, err := s.Send(ctx, n, body, Burst{Senders: senders})
	if c := CountOutcomes(out); c.Acked != n {
		if err == nil {
			err = ctx.Err()
		}
		return fmt.Errorf("not all %d acknowledged: %s (first error: %v)", n, c, err)
	}
	return nil
}
