package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStartServesBothFakes(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	}()

	resp, err := http.Get(s.SeerrURL + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"version":"3.1.0"`) {
		t.Fatalf("seerr status: %s", body)
	}

	resp, err = http.Get(s.MPURL + "/_sandbox/subscriptions")
	if err != nil {
		t.Fatal(err)
	}
	var subs []Sub
	err = json.NewDecoder(resp.Body).Decode(&subs)
	resp.Body.Close()
	if err != nil || subs == nil || len(subs) != 0 {
		t.Fatalf("subscriptions: %v %v", subs, err)
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	if _, err := Start(Options{SeerrAddr: "0.0.0.0:0"}); err == nil {
		t.Fatal("listened on a non-loopback address")
	}
}
