package moviepilot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

// TestSendMessageV3: the handshake, then send_message; the fake MoviePilot has the notice,
// each call carried the API token as X-API-KEY (never ?token=, even under query-token), and
// the operation was observed once as "message".
func TestSendMessageV3(t *testing.T) {
	for _, scheme := range []AuthScheme{AuthXAPIKey, AuthQueryToken} {
		t.Run(string(scheme), func(t *testing.T) {
			s := fake(t, mptest.Options{Version: mptest.V3})
			var mu sync.Mutex
			var ops []string
			c := client(t, Config{BaseURL: s.URL(), Scheme: scheme, Observe: func(op, outcome string, _ time.Duration) {
				mu.Lock()
				ops = append(ops, op+":"+outcome)
				mu.Unlock()
			}})
			if err := c.SendMessage(context.Background(), "seerrpilot: request failed", "Failed (needs you):\n• Dune"); err != nil {
				t.Fatal(err)
			}
			msgs := s.Messages()
			if len(msgs) != 1 || msgs[0].Title != "seerrpilot: request failed" || msgs[0].Text != "Failed (needs you):\n• Dune" {
				t.Fatalf("messages: %+v", msgs)
			}
			calls := s.Calls()
			if len(calls) != 3 {
				t.Fatalf("calls: %+v", calls)
			}
			for _, cl := range calls {
				if cl.Op != "mcp" || cl.Auth != "x-api-key" || cl.Query != "" || cl.Method != http.MethodPost {
					t.Fatalf("call: %+v", cl)
				}
			}
			if strings.Join(ops, ",") != "message:ok" {
				t.Fatalf("observed %v", ops)
			}
		})
	}
}

// TestSendMessageSessions: a MoviePilot that keeps MCP sessions (late-2025 builds) gets its
// session id back on every call, and the session is ended afterwards.
func TestSendMessageSessions(t *testing.T) {
	s := fake(t, mptest.Options{Version: mptest.V3, MCPSessions: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	if err := c.SendMessage(context.Background(), "t", "b"); err != nil {
		t.Fatal(err)
	}
	if len(s.Messages()) != 1 {
		t.Fatalf("messages: %+v", s.Messages())
	}
	calls := s.Calls()
	if len(calls) != 4 || calls[3].Method != http.MethodDelete || calls[3].Status != http.StatusNoContent {
		t.Fatalf("calls: %+v", calls)
	}
}

// TestSendMessageV2: MoviePilot 2.5.x has no MCP endpoint: a permanent error that says so
// and what to do, marked ReasonNoMCP; CheckMessaging says the same without sending.
func TestSendMessageV2(t *testing.T) {
	s := fake(t, mptest.Options{Version: mptest.V2, AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	for name, err := range map[string]error{
		"send":  c.SendMessage(context.Background(), "t", "b"),
		"check": c.CheckMessaging(context.Background()),
	} {
		e := asError(t, err)
		if e.Class != ClassPermanent || e.Reason != ReasonNoMCP || e.Status != http.StatusNotFound ||
			!strings.Contains(e.Error(), "no MCP endpoint") || !strings.Contains(e.Error(), "moviepilot://") {
			t.Fatalf("%s: %v (%+v)", name, err, e)
		}
	}
	if len(s.Messages()) != 0 {
		t.Fatal("a v2 fake holds messages")
	}
}

// TestSendMessageFailures: a refused token is ClassAuth and never quoted; send_message's own
// failure is retryable; an answer that is not "消息已发送" is a permanent failure; without a
// token nothing is sent.
func TestSendMessageFailures(t *testing.T) {
	ctx := context.Background()
	s := fake(t, mptest.Options{Version: mptest.V3})

	wrong := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey, Token: "WRONG-TOKEN-123456"})
	err := wrong.SendMessage(ctx, "t", "b")
	if e := asError(t, err); e.Class != ClassAuth || !strings.Contains(e.Error(), "API_TOKEN") || strings.Contains(e.Error(), "WRONG-TOKEN") {
		t.Fatalf("wrong token: %v", err)
	}

	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	s.MessageFailNext(1, "发送消息时发生错误: queue full")
	if e := asError(t, c.SendMessage(ctx, "t", "b")); e.Class != ClassRetry || !strings.Contains(e.Message, "queue full") {
		t.Fatalf("tool failure: %v", e)
	}
	s.MessageFailNext(1, "Message sent")
	if e := asError(t, c.SendMessage(ctx, "t", "b")); e.Class != ClassPermanent || !strings.Contains(e.Message, "not retried") {
		t.Fatalf("unknown answer: %v", e)
	}
	if len(s.Messages()) != 0 {
		t.Fatalf("messages: %+v", s.Messages())
	}

	before := len(s.Calls())
	login := client(t, Config{BaseURL: s.URL(), Scheme: AuthLogin})
	if e := asError(t, login.SendMessage(ctx, "t", "b")); e.Class != ClassPermanent || !strings.Contains(e.Message, "API_TOKEN") {
		t.Fatalf("no token: %v", e)
	}
	if len(s.Calls()) != before {
		t.Fatal("a request went out without a token")
	}
}

// TestSendMessageAnswers: answers the fake does not give — no send_message tool, an event
// stream, an answer for another id, a JSON-RPC error — are failures with a plain reason.
func TestSendMessageAnswers(t *testing.T) {
	init := `{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18"}}`
	tests := []struct {
		name   string
		answer func() (status int, ctype, body string)
		class  Class
		reason Reason
		want   string
	}{
		{"no tool", func() (int, string, string) {
			return 200, "application/json", `{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"{\"error\": \"工具 'send_message' 未找到\"}"}]}}`
		}, ClassPermanent, ReasonNoMCP, "no send_message tool"},
		{"event stream", func() (int, string, string) {
			return 200, "text/event-stream", "event: message\ndata: {}\n\n"
		}, ClassPermanent, ReasonNone, "event stream"},
		{"other id", func() (int, string, string) {
			return 200, "application/json", `{"jsonrpc":"2.0","id":7,"result":{"content":[]}}`
		}, ClassPermanent, ReasonNone, "request id 7"},
		{"internal error", func() (int, string, string) {
			return 500, "application/json", `{"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"Internal error"}}`
		}, ClassRetry, ReasonNone, "error -32603"},
		{"isError", func() (int, string, string) {
			return 200, "application/json", `{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"错误: boom"}],"isError":true}}`
		}, ClassRetry, ReasonNone, "boom"},
		{"not json-rpc", func() (int, string, string) {
			return 200, "application/json", `{"success":true}`
		}, ClassPermanent, ReasonNone, "not JSON-RPC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := make([]byte, 4096)
				n, _ := r.Body.Read(body)
				switch {
				case strings.Contains(string(body[:n]), `"initialize"`):
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(init))
				case strings.Contains(string(body[:n]), `"notifications/initialized"`):
					w.WriteHeader(http.StatusNoContent)
				default:
					status, ctype, b := tc.answer()
					w.Header().Set("Content-Type", ctype)
					w.WriteHeader(status)
					_, _ = w.Write([]byte(b))
				}
			}))
			defer srv.Close()
			c := client(t, Config{BaseURL: srv.URL, Scheme: AuthXAPIKey})
			e := asError(t, c.SendMessage(context.Background(), "t", "b"))
			if e.Class != tc.class || e.Reason != tc.reason || !strings.Contains(e.Error(), tc.want) {
				t.Fatalf("%v (class %v reason %v)", e, e.Class, e.Reason)
			}
		})
	}
}
