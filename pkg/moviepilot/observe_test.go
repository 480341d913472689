package moviepilot

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock/clocktest"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

// slowTransport serves the fake in-process and makes every exchange take 30ms on the clock.
type slowTransport struct {
	clock *clocktest.Clock
}

func (s slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.clock.Advance(30 * time.Millisecond)
	return http.DefaultTransport.RoundTrip(r)
}

// seerrpilot_moviepilot_request_duration_seconds is MoviePilot's time: the HTTP exchange only,
// not the wait for MP_RATE_LIMIT_PER_SEC (reported on its own to ObserveWait).
func TestObserveMeasuresOnlyTheExchange(t *testing.T) {
	s := fake(t, mptest.Options{AcceptAPIKey: true})
	// Only the rate limiter's sleep and the transport move the clock, so durations are exact.
	clock := clocktest.New(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
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
	c.now, c.sleep = clock.Now, clock.Sleep
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
