package moviepilot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// Sending a notice through MoviePilot's own notification channels (Telegram, WeChat, Slack, …
// as configured in MoviePilot) goes through its MCP server: JSON-RPC 2.0 over HTTP at
// POST /api/v1/mcp, authorised by "X-API-KEY: <API_TOKEN>" only, answering application/json
// (never an event stream). The exchange is the MCP handshake, initialize then
// notifications/initialized, then tools/call of the tool send_message with the arguments
// title and message. Early builds (Nov–Dec 2025) kept a session: initialize answered an
// Mcp-Session-Id header that later calls had to send back; later builds are stateless. The
// client handles both. MoviePilot 2.5.x has no MCP endpoint: it answers 404.
//
// send_message answers the text "消息已发送" once MoviePilot has queued the message for its
// channels; a failure is another text ("发送消息时发生错误: …", or {"error": "工具 … 未找到"}
// when the tool does not exist), usually without isError. Only the exact success text counts
// as accepted. Delivery to the channel happens afterwards inside MoviePilot and is not
// reported back. See mptest's doc for the source this follows.
const (
	mcpPath     = "/api/v1/mcp"
	mcpTool     = "send_message"
	mcpProtocol = "2025-06-18"
	mcpAccept   = "application/json, text/event-stream" // what the MCP transport asks clients to accept
	// messageSent is send_message's answer when MoviePilot accepted the message.
	messageSent = "消息已发送"
	// maxToolText bounds the tool answer quoted in an error.
	maxToolText = 200
)

// SendMessage sends one notice through MoviePilot's configured notification channels, via
// the send_message tool of its MCP server (see above). It needs the client's token to be
// MoviePilot's API_TOKEN, whatever the auth scheme (the MCP endpoint accepts only that). It
// returns nil only when MoviePilot answered that it accepted the message. Errors are *Error:
// ReasonNoMCP when this MoviePilot has no MCP endpoint, ClassAuth when it refused the token,
// ClassRetry for network trouble, 5xx and send_message's own failure, ClassPermanent for an
// answer that does not say accepted (not retried: the message may have gone).
func (c *Client) SendMessage(ctx context.Context, title, text string) (err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("message", spent, err) }()
	session, err := c.mcpOpen(ctx)
	if err != nil {
		return err
	}
	defer c.mcpClose(ctx, session)
	args := map[string]string{"title": title, "message": text}
	res, _, err := c.mcpExchange(ctx, session, 2, "tools/call", map[string]any{"name": mcpTool, "arguments": args})
	if err != nil {
		return err
	}
	return c.toolAnswer(res)
}

// CheckMessaging reports whether SendMessage can work: MoviePilot has an MCP endpoint and
// accepts the token there. It sends the handshake only, no message.
func (c *Client) CheckMessaging(ctx context.Context) (err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("message", spent, err) }()
	session, err := c.mcpOpen(ctx)
	if err == nil {
		c.mcpClose(ctx, session)
	}
	return err
}

// mcpOpen makes the MCP handshake and returns the session id MoviePilot gave ("" when it
// keeps none).
func (c *Client) mcpOpen(ctx context.Context) (string, error) {
	if c.token == "" {
		return "", &Error{Op: "message", Class: ClassPermanent,
			Message: "sending through MoviePilot needs its API_TOKEN (MP_TOKEN): its MCP endpoint accepts nothing else"}
	}
	params := map[string]any{
		"protocolVersion": mcpProtocol,
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]string{"name": "seerrpilot", "version": "1"},
	}
	res, rep, err := c.mcpExchange(ctx, "", 1, "initialize", params)
	if err != nil {
		return "", err
	}
	var init struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if json.Unmarshal(res, &init) != nil || init.ProtocolVersion == "" {
		return "", c.malformed("message", rep, "MCP initialize answered no protocolVersion")
	}
	session := strings.TrimSpace(rep.header.Get("Mcp-Session-Id"))
	if len(session) > 200 {
		return "", c.malformed("message", rep, "MCP session id longer than 200 characters")
	}
	// The handshake's last step, a notification: MoviePilot answers 204 (a session-keeping
	// server may answer 202 or 200).
	body, _ := json.Marshal(map[string]string{"jsonrpc": "2.0", "method": "notifications/initialized"})
	nrep, err := c.send(ctx, "message", c.mcpRequest(session, body), "")
	if err != nil {
		return "", err
	}
	if nrep.status < 200 || nrep.status > 299 {
		return "", c.mcpHTTPError(nrep)
	}
	return session, nil
}

// mcpClose ends a session MoviePilot keeps; its outcome does not matter.
func (c *Client) mcpClose(ctx context.Context, session string) {
	if session == "" {
		return
	}
	req := c.mcpRequest(session, nil)
	req.method = http.MethodDelete
	_, _ = c.send(ctx, "message", req, "")
}

func (c *Client) mcpRequest(session string, body []byte) request {
	return request{method: http.MethodPost, path: mcpPath, body: body, ctype: "application/json",
		apiKey: true, accept: mcpAccept, session: session}
}

// rpcReply is a JSON-RPC 2.0 answer. Decoding is typed: a field of the wrong kind fails.
// Unknown fields are ignored: MCP results are extensible by design.
type rpcReply struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// mcpExchange is one JSON-RPC request; it returns the result object and the answer.
func (c *Client) mcpExchange(ctx context.Context, session string, id int, method string, params any) (json.RawMessage, *reply, error) {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		return nil, nil, &Error{Op: "message", Class: ClassPermanent, Message: "cannot encode the MCP request: " + err.Error()}
	}
	rep, err := c.send(ctx, "message", c.mcpRequest(session, body), "")
	if err != nil {
		return nil, nil, err
	}
	var r rpcReply
	isRPC := rep.status != http.StatusNotFound && json.Unmarshal(trimSpace(rep.body), &r) == nil && r.JSONRPC == "2.0"
	switch {
	case isRPC && r.Error != nil:
		return nil, rep, c.rpcError(rep, method, r.Error.Code, r.Error.Message)
	case rep.status != http.StatusOK:
		return nil, rep, c.mcpHTTPError(rep)
	case rep.truncated:
		return nil, rep, c.malformed("message", rep, "")
	}
	if ct, _, _ := mime.ParseMediaType(rep.header.Get("Content-Type")); ct == "text/event-stream" {
		return nil, rep, c.malformed("message", rep, "MCP answered an event stream; MoviePilot answers JSON: is MP_URL MoviePilot's API address?")
	}
	if !isRPC {
		return nil, rep, c.malformed("message", rep, "MCP answer is not JSON-RPC 2.0")
	}
	if string(bytes.TrimSpace(r.ID)) != fmt.Sprint(id) {
		return nil, rep, c.malformed("message", rep, fmt.Sprintf("MCP answer is for request id %s, not %d", trunc.Mark(string(r.ID), 40), id))
	}
	if len(r.Result) == 0 || r.Result[0] != '{' {
		return nil, rep, c.malformed("message", rep, "MCP answer has neither result nor error")
	}
	return r.Result, rep, nil
}

// mcpHTTPError explains a non-JSON-RPC failure of the MCP endpoint.
func (c *Client) mcpHTTPError(rep *reply) *Error {
	e := c.httpError("message", rep)
	switch rep.status {
	case http.StatusNotFound:
		e.Reason = ReasonNoMCP
		e.Message = "this MoviePilot has no MCP endpoint (POST " + mcpPath + " answered 404), so it cannot send notices for " +
			"seerrpilot: MCP came with MoviePilot releases of late 2025 (after v2.8.3) and is in every v3; update " +
			"MoviePilot or remove moviepilot:// from NOTIFY_URLS"
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Class = ClassAuth
		e.Message = "MoviePilot refused MP_TOKEN on its MCP endpoint: moviepilot:// needs MP_TOKEN to be MoviePilot's " +
			"API_TOKEN (Settings → 基础设置 → API令牌)" + suffix(e.Message)
	}
	return e
}

// rpcError is a JSON-RPC error answer.
func (c *Client) rpcError(rep *reply, method string, code int, msg string) *Error {
	class := ClassPermanent
	if code == -32603 || rep.status >= 500 {
		class = ClassRetry // MoviePilot's internal error
	}
	return &Error{Op: "message", Status: rep.status, Class: class,
		Message: c.scrub(trunc.Mark(fmt.Sprintf("MCP %s failed: error %d %s", method, code, msg), maxErrBody))}
}

// toolAnswer checks send_message's answer.
func (c *Client) toolAnswer(res json.RawMessage) error {
	var r struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		IsError bool `json:"isError"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return &Error{Op: "message", Status: http.StatusOK, Class: ClassPermanent,
			Message: "send_message answered an unreadable result", Body: c.scrub(trunc.Mark(string(res), maxErrBody))}
	}
	var parts []string
	for _, it := range r.Content {
		if it.Type == "text" {
			parts = append(parts, it.Text)
		}
	}
	text := strings.TrimSpace(strings.Join(parts, "\n"))
	if text == messageSent && !r.IsError {
		return nil
	}
	quoted := c.scrub(trunc.Mark(text, maxToolText))
	e := &Error{Op: "message", Status: http.StatusOK, Class: ClassPermanent}
	switch {
	case strings.Contains(text, mcpTool) && strings.Contains(text, "未找到"):
		e.Reason = ReasonNoMCP
		e.Message = "this MoviePilot's MCP server has no send_message tool (it answered " + quoted + "); update MoviePilot or remove moviepilot:// from NOTIFY_URLS"
	case r.IsError || strings.HasPrefix(text, "发送消息时发生错误"):
		e.Class = ClassRetry
		e.Message = "MoviePilot could not queue the message: " + quoted
	default:
		e.Message = "send_message did not answer " + messageSent + " (accepted) but " + fmt.Sprintf("%q", quoted) +
			"; not retried, since MoviePilot may have sent it"
	}
	return e
}

// suffix is " (msg)" or "".
func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return " (" + msg + ")"
}
