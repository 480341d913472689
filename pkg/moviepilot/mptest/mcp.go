package mptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// MoviePilot's MCP server, as far as sending a notice goes. What the fake follows, read in
// jxxghp/MoviePilot:
//
//   - app/api/endpoints/mcp.py (stored version 26d5bbf6, v3 tree; docs/mcp-api.md): POST
//     /api/v1/mcp is JSON-RPC 2.0, every answer application/json (JSONResponse), never an
//     event stream. Auth is Depends(verify_apikey): ?apikey= first, then the X-API-KEY header,
//     compared with API_TOKEN (app/core/security.py; a mismatch is 401 "API_KEY 校验不通过",
//     an envelope in v3). Methods: initialize (result protocolVersion, capabilities,
//     serverInfo {name "MoviePilot", version}, instructions), notifications/initialized (204
//     when sent as a notification, 400 -32600 with an id), tools/list, tools/call, ping ({}),
//     anything else 200 with error -32601 "Method not found: <m>". A body that is not JSON is
//     400 -32700; one without "jsonrpc":"2.0" 400 -32600; tools/call without a name 400
//     -32602 "Invalid params". DELETE /api/v1/mcp answers 204 (stateless).
//   - Sessions: builds of Nov–Dec 2025 gave an Mcp-Session-Id on initialize and wanted it
//     back (docs/mcp-api.md then: -32002 "Session not found", -32003 "Not initialized");
//     commit 2de83c44 (2025-12-23, "精简会话管理逻辑") made the endpoint stateless. Options.
//     MCPSessions imitates the old behaviour from that error table; its HTTP status (400) is
//     a guess.
//   - tools/call → moviepilot_tool_manager.call_tool (app/agent/tools/manager.py): the tool
//     runs directly, no LLM; an unknown tool answers the text {"error": "工具 '<n>' 未找到"}
//     without isError; the result is {"content":[{"type":"text","text":…}]}, isError only
//     when the call raised.
//   - send_message (app/agent/tools/impl/send_message.py, stored version 240a4dff):
//     arguments message, title, image_url (all optional); it posts Message(title, text,
//     mtype 其它/Other) to MoviePilot's message chain, which queues it for every enabled
//     channel whose message types include 其它 (without a channel the message goes
//     nowhere, silently), and answers "消息已发送"; an exception answers "发送消息时发生错误:
//     …". Delivery is asynchronous: the answer says queued, not delivered.
//   - MoviePilot 2.5.x (tag v2.5.6, app/startup/routers_initializer.py) has no MCP route:
//     FastAPI's 404 {"detail":"Not Found"}. The v2 fake answers that; the v3 fake has MCP.

// Message is one notice received through the MCP tool send_message.
type Message struct {
	Title string
	Text  string
}

const mcpSent = "消息已发送"

// Messages returns the notices send_message accepted, in arrival order.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.messages...)
}

// MessageFailNext makes the next n send_message calls answer text instead of "消息已发送",
// storing nothing (for example "发送消息时发生错误: boom").
func (f *Fake) MessageFailNext(n int, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < n; i++ {
		f.messageFails = append(f.messageFails, text)
	}
}

// rpcRequest is a JSON-RPC request as the endpoint reads it.
type rpcRequest struct {
	JSONRPC any             `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  any             `json:"method"`
	Params  map[string]any  `json:"params"`
}

func rpcID(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	return v
}

func rpcResult(id any, result any) answer {
	return jsonAnswer(http.StatusOK, map[string]any{"jsonrpc": "2.0", "id": id, "result": result})
}

func rpcError(status int, id any, code int, msg string, data any) answer {
	e := map[string]any{"code": code, "message": msg}
	if data != nil {
		e["data"] = data
	}
	return jsonAnswer(status, map[string]any{"jsonrpc": "2.0", "id": id, "error": e})
}

// mcp answers /api/v1/mcp (v3 only); f.mu is held.
func (f *Fake) mcp(r *http.Request, body []byte, call *Call) answer {
	if r.Method != http.MethodPost && r.Method != http.MethodDelete {
		return f.detail(http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	key, how := r.URL.Query().Get("apikey"), "apikey-query"
	if key == "" {
		key, how = r.Header.Get("X-API-KEY"), "x-api-key"
	}
	if f.opts.APIToken == "" || key != f.opts.APIToken {
		return f.detail(http.StatusUnauthorized, "API_KEY 校验不通过")
	}
	call.Auth = how
	if r.Method == http.MethodDelete {
		delete(f.sessions, r.Header.Get("Mcp-Session-Id"))
		return answer{status: http.StatusNoContent}
	}
	var raw any
	if err := json.Unmarshal(body, &raw); err != nil {
		return rpcError(http.StatusBadRequest, nil, -32700, "Parse error", err.Error())
	}
	var req rpcRequest
	obj, isObj := raw.(map[string]any)
	if isObj {
		_ = json.Unmarshal(body, &req)
	}
	if !isObj || req.JSONRPC != "2.0" {
		return rpcError(http.StatusBadRequest, rpcID(req.ID), -32600, "Invalid Request", nil)
	}
	id := rpcID(req.ID)
	_, hasID := obj["id"]
	method, _ := req.Method.(string)
	if f.opts.MCPSessions && method != "initialize" {
		if a, ok := f.checkSession(r, method, id); !ok {
			return a
		}
	}
	switch method {
	case "initialize":
		a := rpcResult(id, map[string]any{
			"protocolVersion": mcpProtocolFor(req.Params["protocolVersion"]),
			"capabilities":    map[string]any{"tools": map[string]any{"listChanged": false}, "logging": map[string]any{}},
			"serverInfo":      map[string]any{"name": "MoviePilot", "version": "v3.1.0", "description": "MoviePilot MCP Server - 电影自动化管理工具"},
			"instructions":    "MoviePilot MCP 服务器，提供媒体管理、订阅、下载等工具。",
		})
		if f.opts.MCPSessions {
			f.sessionSeq++
			sid := "mcp-session-" + strconv.Itoa(f.sessionSeq)
			f.sessions[sid] = false
			a.header.Set("Mcp-Session-Id", sid)
		}
		return a
	case "notifications/initialized":
		if hasID {
			return rpcError(http.StatusBadRequest, id, -32600, "initialized must be a notification", nil)
		}
		if f.opts.MCPSessions {
			f.sessions[r.Header.Get("Mcp-Session-Id")] = true
		}
		return answer{status: http.StatusNoContent}
	case "ping":
		return rpcResult(id, map[string]any{})
	case "tools/list":
		return rpcResult(id, map[string]any{"tools": []any{map[string]any{
			"name":        "send_message",
			"description": "Send notification message to the user through configured notification channels (Telegram, Slack, WeChat, etc.).",
			"inputSchema": map[string]any{"type": "object", "properties": map[string]any{
				"message": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
				"image_url": map[string]any{"type": "string"}}},
		}}})
	case "tools/call":
		name, _ := req.Params["name"].(string)
		if name == "" {
			return rpcError(http.StatusBadRequest, id, -32602, "Invalid params", "Missing tool name")
		}
		return rpcResult(id, f.callTool(name, req.Params["arguments"]))
	}
	return rpcError(http.StatusOK, id, -32601, fmt.Sprintf("Method not found: %v", req.Method), nil)
}

// mcpProtocolFor negotiates like MoviePilot: the client's version when supported.
func mcpProtocolFor(v any) string {
	s, _ := v.(string)
	switch s {
	case "2025-11-25", "2025-06-18", "2024-11-05":
		return s
	}
	return "2025-11-25"
}

// checkSession imitates the session-keeping builds (Options.MCPSessions).
func (f *Fake) checkSession(r *http.Request, method string, id any) (answer, bool) {
	initialized, ok := f.sessions[r.Header.Get("Mcp-Session-Id")]
	switch {
	case !ok:
		return rpcError(http.StatusBadRequest, id, -32002, "Session not found", nil), false
	case !initialized && method != "notifications/initialized":
		return rpcError(http.StatusBadRequest, id, -32003, "Not initialized", nil), false
	}
	return answer{}, true
}

// callTool runs a tool the way the tool manager does: the result's text, isError only when
// the call raised.
func (f *Fake) callTool(name string, rawArgs any) map[string]any {
	text := func(s string) map[string]any {
		return map[string]any{"content": []any{map[string]any{"type": "text", "text": s}}}
	}
	if name != "send_message" {
		b, _ := json.Marshal(map[string]string{"error": "工具 '" + name + "' 未找到"})
		return text(strings.Replace(string(b), `":"`, `": "`, 1)) // json.dumps spacing
	}
	args, _ := rawArgs.(map[string]any)
	title, _ := args["title"].(string)
	msg, _ := args["message"].(string)
	if len(f.messageFails) > 0 {
		t := f.messageFails[0]
		f.messageFails = f.messageFails[1:]
		return text(t)
	}
	f.messages = append(f.messages, Message{Title: title, Text: msg})
	return text(mcpSent)
}
