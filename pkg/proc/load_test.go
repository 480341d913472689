package proc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
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

	var last atomic.Int64
	out, err := NewSender(srv.URL+"/ok", "hook-secret", 4).Send(ctx, 40, body, Burst{Senders: 4, OnAck: func(n int64) { last.Store(max(last.Load(), n)) }})
	if c := CountOutcomes(out); err != nil || c.Acked != 40 || last.Load() != 40 {
		t.Fatalf("ok: %s, err %v, last ack %d", c, err, last.Load())
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
