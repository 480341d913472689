package api

import (
	"context"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
)

// Tool names, as tools/list shows them.
const (
	ToolGetTaskStatus  = "get_task_status"
	ToolRetryTask      = "retry_task"
	ToolStopTask       = "stop_task"
	ToolSubscribeMedia = "subscribe_media"
	ToolReconcile      = "reconcile"
	ToolQueueStats     = "queue_stats"
)

// GetTaskStatusInput are the arguments of get_task_status.
type GetTaskStatusInput struct {
	TaskID string `json:"taskId,omitempty" jsonschema:"id of one task, e.g. tsk_42; omit to list tasks instead"`
	Status string `json:"status,omitempty" jsonschema:"when listing, only tasks in this status: pending, running, success, failed or cancelled"`
	Limit  int    `json:"limit,omitempty" jsonschema:"when listing, how many of the newest tasks to return, 1 to 100 (default 10)"`
}

// TaskIDInput are the arguments of retry_task.
type TaskIDInput struct {
	TaskID string `json:"taskId" jsonschema:"id of the task, e.g. tsk_42 (get_task_status lists them)"`
}

// StopTaskInput are the arguments of stop_task.
type StopTaskInput struct {
	TaskID string `json:"taskId" jsonschema:"id of the pending or running task to stop, e.g. tsk_42"`
	Reason string `json:"reason,omitempty" jsonschema:"optional note recorded in the task history"`
}

// ReconcileInput are the arguments of reconcile.
type ReconcileInput struct {
	DryRun bool `json:"dryRun,omitempty" jsonschema:"true to only report what the pass would enqueue, writing nothing"`
}

// NoInput are the arguments of a tool that takes none.
type NoInput struct{}

func boolPtr(b bool) *bool { return &b }

// envelopeSchema is every tool's output schema: the {code, msg, data} envelope. data is
// spelled as object-or-null rather than a bare `true`, which strict clients reject.
func envelopeSchema(data string) map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"code": map[string]any{"type": "integer", "description": "0 on success; 1001 invalid argument, 1002 not found, 1003 conflict, 5000 internal or unavailable"},
			"msg":  map[string]any{"type": "string", "description": "one human sentence saying what happened"},
			"data": map[string]any{
				"description": data + "; null on most errors",
				"anyOf": []any{
					map[string]any{"type": "object", "additionalProperties": true},
					map[string]any{"type": "null"},
				},
			},
		},
		"required":             []string{"code", "msg", "data"},
		"additionalProperties": false,
	}
}

// newMCPServer builds the MCP server: six tools, each a thin adapter over the service.
func (a *API) newMCPServer() *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "seerrpilot", Title: "seerrpilot operator", Version: a.svc.version}, &mcp.ServerOptions{
		Instructions: "seerrpilot turns approved Seerr requests into MoviePilot subscriptions through a task queue. " +
			"Every tool answers with structured content {code, msg, data}: code 0 is success, 1001 a bad argument, " +
			"1002 not found, 1003 a state conflict (data holds the task's current status), 5000 an internal or unavailable dependency.",
	})
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, DestructiveHint: boolPtr(false), OpenWorldHint: boolPtr(false)}

	mcp.AddTool(srv, &mcp.Tool{
		Name:         ToolGetTaskStatus,
		OutputSchema: envelopeSchema("the task, or {tasks, total} for a list"),
		Title:        "Get task status",
		Description: "Show one task (with its items, attempts, history and last error) by taskId, " +
			"or list the newest tasks, optionally filtered by status.",
		Annotations: withTitle(readOnly, "Get task status"),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in GetTaskStatusInput) (*mcp.CallToolResult, envelope.Response, error) {
		if in.TaskID != "" {
			if in.Status != "" || in.Limit != 0 {
				return a.toolResult(invalid("give either taskId (one task) or status/limit (a list), not both"))
			}
			return a.toolResult(a.svc.getTask(ctx, in.TaskID))
		}
		return a.toolResult(a.svc.listTasks(ctx, in.Status, "", in.Limit))
	})

	mcp.AddTool(srv, &mcp.Tool{
		Name:         ToolRetryTask,
		OutputSchema: envelopeSchema("the task after the change; on a conflict {id, status}"),
		Title:        "Retry task",
		Description:  "Put a failed or cancelled task back in the queue under the same id, with its attempts reset. Other statuses are refused with code 1003.",
		Annotations:  &mcp.ToolAnnotations{Title: "Retry task", IdempotentHint: true, DestructiveHint: boolPtr(false), OpenWorldHint: boolPtr(false)},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in TaskIDInput) (*mcp.CallToolResult, envelope.Response, error) {
		return a.toolResult(a.svc.retryTask(ctx, in.TaskID))
	})

	mcp.AddTool(srv, &mcp.Tool{
		Name:         ToolStopTask,
		OutputSchema: envelopeSchema("the task after the change; on a conflict {id, status}"),
		Title:        "Stop task",
		Description: "Cancel a pending or running task; a running task stops before its next MoviePilot call. " +
			"Subscriptions already created in MoviePilot stay. Other statuses are refused with code 1003.",
		Annotations: &mcp.ToolAnnotations{Title: "Stop task", IdempotentHint: true, DestructiveHint: boolPtr(true), OpenWorldHint: boolPtr(false)},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in StopTaskInput) (*mcp.CallToolResult, envelope.Response, error) {
		return a.toolResult(a.svc.cancelTask(ctx, in.TaskID, in.Reason))
	})

	mcp.AddTool(srv, &mcp.Tool{
		Name:         ToolSubscribeMedia,
		OutputSchema: envelopeSchema("{taskId, key, status, created, changed}"),
		Title:        "Subscribe media",
		Description: "Queue a MoviePilot subscription for a movie or TV seasons by TMDB id, outside Seerr. " +
			"A movie takes no seasons; a show needs at least one season number. Asking again for the same media merges seasons into the same task.",
		Annotations: &mcp.ToolAnnotations{Title: "Subscribe media", IdempotentHint: true, DestructiveHint: boolPtr(false), OpenWorldHint: boolPtr(true)},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in SubscribeRequest) (*mcp.CallToolResult, envelope.Response, error) {
		return a.toolResult(a.svc.subscribe(ctx, in))
	})

	mcp.AddTool(srv, &mcp.Tool{
		Name:         ToolReconcile,
		OutputSchema: envelopeSchema("the pass summary (runId, seen, approved, enqueued, merged, skipped, outcome)"),
		Title:        "Reconcile with Seerr",
		Description: "Run one reconcile pass now: read Seerr's approved requests and queue any the webhooks missed. " +
			"Waits for the pass (up to 80s) and returns its summary; a longer pass goes on and the answer is code 0 with its runId. Use dryRun to see what it would do.",
		Annotations: &mcp.ToolAnnotations{Title: "Reconcile with Seerr", IdempotentHint: true, DestructiveHint: boolPtr(false), OpenWorldHint: boolPtr(true)},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in ReconcileInput) (*mcp.CallToolResult, envelope.Response, error) {
		return a.toolResult(a.svc.reconcile(ctx, in.DryRun, true))
	})

	mcp.AddTool(srv, &mcp.Tool{
		Name:         ToolQueueStats,
		OutputSchema: envelopeSchema("{total, byStatus, oldestPendingAgeSeconds, nextDue, worker, reconcile}"),
		Title:        "Queue stats",
		Description:  "Counts of tasks by status, the age of the oldest pending task, when the next task is due, the worker state and the last reconcile summary.",
		Annotations:  withTitle(readOnly, "Queue stats"),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, _ NoInput) (*mcp.CallToolResult, envelope.Response, error) {
		return a.toolResult(a.svc.stats(ctx))
	})

	a.addNotificationTool(srv)
	srv.AddReceivingMiddleware(a.envelopeArgumentErrors)
	return srv
}

func withTitle(base *mcp.ToolAnnotations, title string) *mcp.ToolAnnotations {
	c := *base
	c.Title = title
	return &c
}

// toolResult renders a reply as a tool result: the envelope as structured content, a short
// human text, and isError for every non-zero code.
func (a *API) toolResult(r reply) (*mcp.CallToolResult, envelope.Response, error) {
	msg := a.scrub(r.msg)
	text := msg
	if r.failed() {
		text = "error " + r.code.String() + " (" + strconv.Itoa(int(r.code)) + "): " + msg
	}
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, IsError: r.failed()}
	return res, envelope.Response{Code: r.code, Msg: msg, Data: r.data}, nil
}

// envelopeArgumentErrors gives the SDK's own argument errors (schema violations, unknown
// fields, wrong types: rejected before a handler runs) the envelope too, as code 1001.
func (a *API) envelopeArgumentErrors(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if err != nil || method != "tools/call" {
			return res, err
		}
		ctr, isCall := res.(*mcp.CallToolResult)
		if !isCall || ctr == nil || !ctr.IsError || ctr.StructuredContent != nil {
			return res, err
		}
		var parts []string
		for _, c := range ctr.Content {
			if t, isText := c.(*mcp.TextContent); isText {
				parts = append(parts, t.Text)
			}
		}
		msg := a.scrub("invalid arguments: " + strings.Join(parts, "; "))
		ctr.Content = []mcp.Content{&mcp.TextContent{Text: "error INVALID_PARAM (1001): " + msg}}
		ctr.StructuredContent = envelope.Response{Code: envelope.InvalidParam, Msg: msg}
		return ctr, nil
	}
}

func (a *API) scrub(s string) string {
	if a.env.Scrub != nil {
		return a.env.Scrub.String(s)
	}
	return s
}
