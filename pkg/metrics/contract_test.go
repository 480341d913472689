package metrics_test

import (
	"github.com/seerrpilot/seerrpilot/pkg/metrics"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/webhook"
)

// The metrics plug straight into the producers' observation hooks.
var (
	_ metrics.StatsSource = (*taskdb.Store)(nil)
	_                     = moviepilot.Config{Observe: (*metrics.Metrics)(nil).MoviePilot}
	_                     = webhook.Options{Observe: (*metrics.Metrics)(nil).Webhook}
)
