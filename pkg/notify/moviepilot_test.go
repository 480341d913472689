package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/logging/logtest"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// mpNotifier points a notifier at a fake MoviePilot through moviepilot://, with the real
// MoviePilot client; the API token is the secret the redaction guard knows.
func mpNotifier(t *testing.T, o mptest.Options) (*Notifier, *mptest.Server, *fakeClock, *logtest.Sink) {
	t.Helper()
	o.APIToken = secretToken
	s := mptest.New(o)
	t.Cleanup(s.Close)
	mp, err := moviepilot.New(moviepilot.Config{BaseURL: s.URL(), Scheme: moviepilot.AuthXAPIKey, Token: secretToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckURL("moviepilot://"); err != nil {
		t.Fatal(err)
	}
	senders, err := NewSenders([]string{"moviepilot://"}, mp)
	if err != nil {
		t.Fatal(err)
	}
	clk, logs := newClock(), &logtest.Sink{}
	n := New(Options{Senders: senders, Now: clk.Now, After: clk.After, RetryBase: time.Millisecond, Attempts: 3,
		SendTimeout: 10 * time.Second, Redact: redact.New(secretToken), Log: logs.Logger(zerolog.DebugLevel)})
	return n, s, clk, logs
}

// TestAcceptanceMoviePilot: a failed task's notice reaches MoviePilot's send_message (a v3
// fake) as one message with the title and the reason, and no secret is in it or in the log;
// the start check says the target is ready.
func TestAcceptanceMoviePilot(t *testing.T) {
	n, s, clk, logs := mpNotifier(t, mptest.Options{Version: mptest.V3})
	ctx := context.Background()
	n.checkTargets(ctx)
	if logs.Count(t, "info", "notification target ready") != 1 {
		t.Fatalf("log: %s", logs)
	}
	n.TaskChanged(task.StatusRunning, failedTask(42, "Dune: Part Two", "alice",
		"MoviePilot answered 422 (token "+secretToken+"): season 3 does not exist"))
	clk.Advance(10 * time.Second)
	n.flush(ctx, 3, false)
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("messages: %+v", msgs)
	}
	if !strings.Contains(msgs[0].Title, "Dune: Part Two") || !strings.Contains(msgs[0].Text, "season 3 does not exist") ||
		!strings.Contains(msgs[0].Text, "What to do") {
		t.Fatalf("message: %+v", msgs[0])
	}
	if strings.Contains(msgs[0].Title+msgs[0].Text, secretToken) || strings.Contains(logs.String(), secretToken) {
		t.Fatalf("secret leaked: %+v / %s", msgs[0], logs)
	}
}

// TestMoviePilotRetry: send_message failing to queue is retried, and the retry delivers.
func TestMoviePilotRetry(t *testing.T) {
	n, s, _, logs := mpNotifier(t, mptest.Options{Version: mptest.V3})
	s.MessageFailNext(1, "发送消息时发生错误: queue full")
	if errs := n.send(context.Background(), "t", "b", []Event{EventFailed}, 3); len(errs) != 0 {
		t.Fatal(errs)
	}
	if len(s.Messages()) != 1 || logs.Count(t, "warn", "notification failed; retrying") != 1 {
		t.Fatalf("messages %+v, log %s", s.Messages(), logs)
	}
}

// TestMoviePilotWithoutMCP: MoviePilot 2.5.x has no MCP: the start check warns, a test
// notice fails with a plain reason naming the target, and a notice is tried once, not
// retried (retrying a 404 cannot help). No secret anywhere.
func TestMoviePilotWithoutMCP(t *testing.T) {
	n, s, _, logs := mpNotifier(t, mptest.Options{Version: mptest.V2, AcceptAPIKey: true})
	ctx := context.Background()
	n.checkTargets(ctx)
	lines := logs.Lines(t)
	if len(lines) != 1 || lines[0].Level() != "warn" || lines[0].Str("service") != "moviepilot" ||
		!strings.Contains(lines[0].Str("error"), "no MCP endpoint") {
		t.Fatalf("start check: %s", logs)
	}
	err := n.Test(ctx)
	if err == nil || !strings.HasPrefix(err.Error(), "moviepilot: ") || !strings.Contains(err.Error(), "no MCP endpoint") ||
		!strings.Contains(err.Error(), "remove moviepilot:// from NOTIFY_URLS") {
		t.Fatalf("test notice: %v", err)
	}
	before := len(s.Calls())
	if errs := n.send(ctx, "t", "b", []Event{EventFailed}, 3); len(errs) != 1 {
		t.Fatalf("errs: %v", errs)
	}
	if got := len(s.Calls()) - before; got != 1 {
		t.Fatalf("a 404 was tried %d times, want once", got)
	}
	if strings.Contains(err.Error(), secretToken) || strings.Contains(logs.String(), secretToken) {
		t.Fatal("secret leaked")
	}
}

// TestMoviePilotURL: moviepilot:// takes nothing after it, holds no secret, and needs a
// MoviePilot to send through.
func TestMoviePilotURL(t *testing.T) {
	if err := CheckURL("moviepilot://host?channel=telegram"); err == nil || !strings.Contains(err.Error(), "nothing after it") {
		t.Fatalf("err = %v", err)
	}
	if s := URLSecrets("moviepilot://"); len(s) != 0 {
		t.Fatalf("secrets: %v", s)
	}
	if _, err := NewSenders([]string{"moviepilot://"}, nil); err == nil || !strings.Contains(err.Error(), "MP_URL") {
		t.Fatalf("err = %v", err)
	}
}
