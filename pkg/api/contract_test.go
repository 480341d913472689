package api_test

import (
	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/worker"
	"github.com/seerrpilot/seerrpilot/reconcile"
)

// The production types satisfy the consumer-side interfaces.
var (
	_ api.Store      = (*taskdb.Store)(nil)
	_ api.Worker     = (*worker.Worker)(nil)
	_ api.Reconciler = (*reconcile.Poller)(nil)
)
