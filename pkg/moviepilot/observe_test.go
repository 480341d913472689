package moviepilot

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

// fakeClock is the client's clock in these tests: only the rate limiter's sleep and the
// transport move it, so durations are exact.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// slowTransport serves the fake in-process and makes every exchange take 30ms on the clock.
type slowTransport struct {
	clock *fakeClock
}

func (s slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.clock.advance(30 * time.Millisecond)
	return http.DefaultTransport.RoundTrip(r)
}

// seerrpilot_moviepilot_request_duration_seconds is MoviePilot's time: the HTTP exchange only,
// not the wait for MP_RATE_LIMIT_PER_SEC (reported on its own to ObserveWait).
func TestObserveMeasuresOnlyTheExchange(t *testing.T) {
	s := fake(t, mptest.Options{AcceptAPIKey: true})
	clock := &fakeClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	var durations, waits []time.Duration
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey, APIVersion: "v2", RatePerSec: 1,
		HTTPClient: &http.Client{Transport: slowTransport{clock: clock}},
		Observe: func(op, outcome string, d time.Duration) {
			mu.Lock()
			durations = append(durations, d)
			mu.Unlock()
		},
		ObserveWait: func(d time.Duration) { mu.Lock(); waits = append(waits, d); mu.Unlock() },
	})
	c.now = clock.now
	c.sleep = func(_ context.Context, d time.Duration) bool { clock.advance(d); return true }
	for i := 0; i < 3; i++ {
		if _, err := c.Lookup(context.Background(), 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, d := range durations {
		if d != 30*time.Millisecond {
			t.Fatalf("lookup %d observed %s, want the 30ms exchange (all: %v)", i+1, d, durations)
		}
	}
	// 1/s with burst 1: the second and third calls wait out the rest of their second.
	if len(waits) != 3 || waits[0] != 0 || waits[1] != 970*time.Millisecond || waits[2] != 970*time.Millisecond {
		t.Fatalf("waits %v", waits)
	}
}
