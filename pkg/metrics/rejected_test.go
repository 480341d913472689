package metrics_test

import (
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/metrics"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// A webhook refused as busy counts in seerrpilot_webhook_rejected_total{reason="busy"}, which
// is exposed at zero from the start so that an alert on its increase works.
func TestWebhookRejectedBusy(t *testing.T) {
	m := metrics.New(&fakeStats{st: taskdb.Stats{ByStatus: map[task.Status]int{}}}, nil)
	if _, body := scrape(t, m); !strings.Contains(body, "\nseerrpilot_webhook_rejected_total{reason=\"busy\"} 0\n") {
		t.Fatalf("no zero series before any refusal:\n%s", body)
	}
	m.Webhook("", "busy", 0)
	m.Webhook("", "busy", 0)
	m.Webhook("MEDIA_APPROVED", "enqueued", 0)
	_, body := scrape(t, m)
	for _, want := range []string{
		"\nseerrpilot_webhook_rejected_total{reason=\"busy\"} 2\n",
		"\nseerrpilot_webhooks_total{outcome=\"busy\",type=\"none\"} 2\n",
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("scrape lacks %q:\n%s", want, body)
		}
	}
}
