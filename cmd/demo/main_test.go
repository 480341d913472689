package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/sandbox"
)

func TestHelpers(t *testing.T) {
	if !idLess("tsk_2", "tsk_10") || idLess("tsk_10", "tsk_9") {
		t.Error("idLess orders numerically")
	}
	if !equal([]string{"1396/S2", "550"}, []string{"550", "1396/S2"}) || equal([]string{"550"}, []string{"550", "1"}) {
		t.Error("equal ignores order only")
	}
	if key(1396, ptr(1)) != "1396/S1" || key(550, nil) != "550" || season(ptr(0)) != "S00" || season(nil) != "-" {
		t.Error("key/season formatting")
	}
}

func TestSandboxStopsAfterDuration(t *testing.T) {
	var out bytes.Buffer
	if err := serveSandbox(context.Background(), sandbox.Options{MPToken: "tok-1"}, 50*time.Millisecond, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fake Seerr 3.1.0", "http://127.0.0.1:", "X-API-KEY tok-1", "/_sandbox/subscriptions", "stopped; MoviePilot subscriptions:\n[]"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSandboxRefusesNonLoopback(t *testing.T) {
	var out bytes.Buffer
	if err := serveSandbox(context.Background(), sandbox.Options{MPAddr: "0.0.0.0:0"}, 10*time.Millisecond, &out); err == nil {
		t.Fatal("accepted a non-loopback address")
	}
}

// TestTimeoutSaysWhatAndWhatToTry: a timeout names what the demo waited for, for how long,
// that the build was not counted, and the command to try next.
func TestTimeoutSaysWhatAndWhatToTry(t *testing.T) {
	err := &timeoutError{waiting: "seerrpilot to answer GET /healthz", budget: time.Minute, detail: errors.New("connection refused")}
	msg := err.Error()
	for _, want := range []string{"timed out", "1m0s", "after the build", "seerrpilot to answer GET /healthz",
		"connection refused", "go run ./cmd/demo -timeout 3m0s"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q is missing %q", msg, want)
		}
	}
	if got := suggest(5 * time.Minute); got != 15*time.Minute {
		t.Errorf("suggest(5m) = %s", got)
	}
}

// TestBuildIsNotOnTheClock runs the demo with a budget that is over before it starts: the
// build must still complete (it is not counted), and the run must then fail with a timeout
// that says it was waiting for seerrpilot to become healthy.
func TestBuildIsNotOnTheClock(t *testing.T) {
	if testing.Short() {
		t.Skip("builds seerrpilot")
	}
	var out bytes.Buffer
	_, err := run(context.Background(), &out, time.Nanosecond)
	var te *timeoutError
	if !errors.As(err, &te) {
		t.Fatalf("run = %v, want a timeout\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "== built in") || !strings.Contains(err.Error(), "for seerrpilot to answer GET /healthz") {
		t.Fatalf("err %v\n%s", err, out.String())
	}
}
