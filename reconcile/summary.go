// Package reconcile is the slow safety net behind the webhooks: it pages Seerr's approved
// request list and enqueues every request the webhooks missed. The approved list is the
// source of truth; webhooks are only hints.
package reconcile

import "github.com/seerrpilot/seerrpilot/pkg/reconcilepass"

// PassOptions and Summary live in the leaf pkg/reconcilepass, which REST, MCP and the CLI
// share; these names keep reconcile's own code and tests short.
type (
	PassOptions = reconcilepass.Options
	Summary     = reconcilepass.Summary
)

// Outcomes of a pass (Summary.Outcome).
const (
	OutcomeOK    = reconcilepass.OutcomeOK
	OutcomeError = reconcilepass.OutcomeError
)
