package api

import (
	"context"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
)

// Notifier sends a test notice through NOTIFY_URLS (*notify.Notifier satisfies it). Its error
// names the failing services and holds no secret.
type Notifier interface {
	Test(ctx context.Context) error
	Enabled() bool
}

// ToolSendTestNotification is the MCP tool that sends a test notice.
const ToolSendTestNotification = "send_test_notification"

// testNoticeWait bounds a test notice (each target has its own timeout inside).
const testNoticeWait = 30 * time.Second

// testNotification sends a test notice: 200 when every target took it, 503 when NOTIFY_URLS is
// not set, 502 naming the services that failed.
func (s *service) testNotification(ctx context.Context) reply {
	if s.notifier == nil || !s.notifier.Enabled() {
		return reply{status: http.StatusServiceUnavailable, code: envelope.InternalError,
			msg: "notifications are off: set NOTIFY_URLS (see README → Notifications)"}
	}
	ctx, cancel := context.WithTimeout(ctx, testNoticeWait)
	defer cancel()
	if err := s.notifier.Test(ctx); err != nil {
		return reply{status: http.StatusBadGateway, code: envelope.InternalError, msg: "the test notice did not go through: " + err.Error()}
	}
	return ok(http.StatusOK, "test notice sent", map[string]any{"sent": true})
}

// testNotificationREST serves POST /api/v1/notifications/test. It takes no body.
func (a *API) testNotificationREST(w http.ResponseWriter, r *http.Request) {
	var none struct{}
	if bad := a.decode(w, r, &none, true, "no fields"); bad != nil {
		a.write(w, *bad)
		return
	}
	a.write(w, a.svc.testNotification(r.Context()))
}

func (a *API) addNotificationTool(srv *mcp.Server) {
	mcp.AddTool(srv, &mcp.Tool{
		Name:         ToolSendTestNotification,
		OutputSchema: envelopeSchema("{sent: true}"),
		Title:        "Send test notification",
		Description:  "Send a test notice to every NOTIFY_URLS target now and say whether each took it. Code 5000 when notifications are off or a target failed (msg names the service).",
		Annotations:  &mcp.ToolAnnotations{Title: "Send test notification", DestructiveHint: boolPtr(false), OpenWorldHint: boolPtr(true)},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, _ NoInput) (*mcp.CallToolResult, envelope.Response, error) {
		return a.toolResult(a.svc.testNotification(ctx))
	})
}
