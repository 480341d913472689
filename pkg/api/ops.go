package api

import (
	"context"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
)

// Result is the outcome of one operator operation exactly as the REST API answers it: the
// HTTP status, the envelope's code and message, and its data. Other front ends (the status
// page) call the methods below, so an action gives the same answer, checks and log lines
// whichever way it was asked for.
type Result struct {
	Status int
	Code   envelope.Code
	Msg    string
	Data   any
}

// OK reports whether the operation succeeded (envelope code 0).
func (r Result) OK() bool { return r.Code == envelope.OK }

func (r reply) result() Result {
	return Result{Status: r.status, Code: r.code, Msg: r.msg, Data: r.data}
}

// RetryTask is POST /api/v1/tasks/{id}/retry: a failed or cancelled task back to pending.
// Data is the task.Task on success.
func (a *API) RetryTask(ctx context.Context, id string) Result {
	return a.svc.retryTask(ctx, id).result()
}

// CancelTask is POST /api/v1/tasks/{id}/cancel with an optional reason (empty: "cancelled by
// operator"). Data is the task.Task on success.
func (a *API) CancelTask(ctx context.Context, id, reason string) Result {
	return a.svc.cancelTask(ctx, id, reason).result()
}

// Stats is GET /api/v1/stats. Data is Stats on success.
func (a *API) Stats(ctx context.Context) Result {
	return a.svc.stats(ctx).result()
}

// StartReconcile starts a reconcile pass (or joins the running one) without waiting for it,
// like POST /reconcile without wait. Data holds the runId on success; a service without Seerr
// settings gets 503 saying how to enable reconcile.
func (a *API) StartReconcile(ctx context.Context) Result {
	return a.svc.reconcile(ctx, false, false).result()
}
