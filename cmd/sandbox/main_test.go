package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunStopsAfterDuration(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-duration", "50ms", "-mp-token", "tok-1"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fake Seerr 3.1.0", "http://127.0.0.1:", "X-API-KEY tok-1", "/_sandbox/subscriptions", "stopped; MoviePilot subscriptions:\n[]"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-mp-addr", "0.0.0.0:0", "-duration", "10ms"}, &out); err == nil {
		t.Fatal("accepted a non-loopback address")
	}
}
