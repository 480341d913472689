package proc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSenderOutcomes(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if r.Header.Get("Authorization") != "hook-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if strings.Contains(r.URL.Path, "bad") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	body := func(int) ([]byte, error) { return []byte(`{}`), nil }
	ctx := context.Background()

	seen := make([]Outcome, 40)
	done := func(i int, o Outcome, took time.Duration) {
		if took >= 0 {
			seen[i] = o
		}
	}
	out, err := NewSender(srv.URL+"/ok", "hook-secret", 4).Send(ctx, 40, body, Burst{Senders: 4, Done: done})
	if c := CountOutcomes(out); err != nil || c.Acked != 40 || CountOutcomes(seen).Acked != 40 {
		t.Fatalf("ok: %s, err %v, Done saw %s", c, err, CountOutcomes(seen))
	}
	// Open loop: each request still goes once, Done sees each.
	seen = make([]Outcome, 40)
	out, err = NewSender(srv.URL+"/ok", "hook-secret", 4).Send(ctx, 40, body, Burst{Senders: 4, Rate: 4000, Done: done})
	if c := CountOutcomes(out); err != nil || c.Acked != 40 || CountOutcomes(seen).Acked != 40 {
		t.Fatalf("open loop: %s, err %v, Done saw %s", c, err, CountOutcomes(seen))
	}
	if err := NewSender(srv.URL+"/bad", "hook-secret", 2).SendAll(ctx, 3, 2, body); err == nil || !strings.Contains(err.Error(), "3 rejected") {
		t.Fatalf("bad: %v", err)
	}
	// A closed Stop sends nothing; a body that cannot be rendered stops its sender.
	stop := make(chan struct{})
	close(stop)
	before := got.Load()
	if out, _ := NewSender(srv.URL, "x", 1).Send(ctx, 5, body, Burst{Stop: stop}); CountOutcomes(out).Unsent != 5 || got.Load() != before {
		t.Fatal("sent after Stop")
	}
	boom := errors.New("boom")
	if _, err := NewSender(srv.URL, "x", 1).Send(ctx, 5, func(int) ([]byte, error) { return nil, boom }, Burst{}); !errors.Is(err, boom) {
		t.Fatalf("render error: %v", err)
	}
	// Nobody listening: refused, not broken.
	addr, _ := FreeAddr()
	if _, o, _ := NewSender("http://"+addr+"/", "x", 1).Post(ctx, []byte(`{}`)); o != Refused {
		t.Fatalf("outcome to a closed port: %d", o)
	}
}
