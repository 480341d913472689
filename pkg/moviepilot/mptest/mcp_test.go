package mptest

import (
	"strings"
	"testing"
)

// TestMCP: the v3 endpoint answers as MoviePilot's mcp.py does — auth by X-API-KEY or
// ?apikey=, JSON-RPC errors with their codes and statuses, send_message recorded, an
// unknown tool answered as text — and v2 (2.5.6) has no such route.
func TestMCP(t *testing.T) {
	s := newServer(t, Options{Version: V3})
	key := map[string]string{"X-API-KEY": apiToken}
	post := func(body string, hdr map[string]string, query string) resp {
		return do(t, s, req{method: "POST", path: "/api/v1/mcp", body: body, ctype: "application/json", header: hdr, query: query})
	}
	tests := []struct {
		name, body, query string
		hdr               map[string]string
		status            int
		want              string
	}{
		{"no key", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, "", nil, 401, "API_KEY 校验不通过"},
		{"apikey query", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, "apikey=" + apiToken, nil, 200, `"result":{}`},
		{"parse error", `{`, "", key, 400, `"code":-32700`},
		{"no jsonrpc", `{"id":3,"method":"ping"}`, "", key, 400, `"code":-32600`},
		{"initialized with id", `{"jsonrpc":"2.0","id":4,"method":"notifications/initialized"}`, "", key, 400, "must be a notification"},
		{"initialized", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, "", key, 204, ""},
		{"unknown method", `{"jsonrpc":"2.0","id":5,"method":"resources/list"}`, "", key, 200, "Method not found: resources/list"},
		{"no tool name", `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{}}`, "", key, 400, `"code":-32602`},
		{"unknown tool", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"nope"}}`, "", key, 200, `工具 'nope' 未找到`},
		{"send", `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"send_message","arguments":{"title":"T","message":"M"}}}`, "", key, 200, mcpSent},
	}
	for _, tc := range tests {
		r := post(tc.body, tc.hdr, tc.query)
		if r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if m := s.Messages(); len(m) != 1 || m[0] != (Message{Title: "T", Text: "M"}) {
		t.Fatalf("messages: %+v", m)
	}
	if calls := s.Calls(); calls[0].Op != "mcp" || calls[1].Auth != "apikey-query" || strings.Contains(calls[1].Query, apiToken) {
		t.Fatalf("calls: %+v", calls[:2])
	}

	v2 := newServer(t, Options{Version: V2, AcceptAPIKey: true})
	r := do(t, v2, req{method: "POST", path: "/api/v1/mcp", body: `{"jsonrpc":"2.0","id":1,"method":"initialize"}`, ctype: "application/json", header: key})
	if r.status != 404 || r.body != `{"detail":"Not Found"}` {
		t.Fatalf("v2: %d %s", r.status, r.body)
	}
}
