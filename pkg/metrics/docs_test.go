package metrics_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/metrics"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// families scrapes m and returns the names of the seerrpilot_ metric families it exposes.
func families(t *testing.T, m *metrics.Metrics) map[string]bool {
	t.Helper()
	_, body := scrape(t, m)
	out := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok && strings.HasPrefix(f, "seerrpilot_") {
			out[strings.Fields(f)[0]] = true
		}
	}
	return out
}

var metricName = regexp.MustCompile(`seerrpilot_[a-z0-9_]+`)

// TestDocsNameRealMetrics: the READMEs list every seerrpilot metric and the alert rules
// and READMEs name no metric that does not exist (a rename would silently break alerts).
func TestDocsNameRealMetrics(t *testing.T) {
	m := metrics.New(&fakeStats{st: taskdb.Stats{ByStatus: map[task.Status]int{}}}, nil)
	// Vectors are exposed once they hold a series.
	m.Webhook("MEDIA_APPROVED", "enqueued", time.Millisecond)
	m.MoviePilot("lookup", "ok", 0)
	have := families(t, m)
	if len(have) < 5 {
		t.Fatalf("scrape exposed only %v", have)
	}
	for _, file := range []string{"../../README.md", "../../README.zh-CN.md", "../../deploy/prometheus/alerts.yml"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		named := map[string]bool{}
		for _, n := range metricName.FindAllString(string(raw), -1) {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if base, ok := strings.CutSuffix(n, suffix); ok && have[base] {
					n = base
				}
			}
			named[n] = true
			if !have[n] {
				t.Errorf("%s names %s, which seerrpilot does not expose", file, n)
			}
		}
		if strings.HasSuffix(file, ".md") {
			for n := range have {
				if !named[n] {
					t.Errorf("%s does not list %s", file, n)
				}
			}
		}
	}
}

// TestAlertOutcomesExist: every outcome label value the alert rules select is one the
// metric really carries (an unknown outcome is counted under another label).
func TestAlertOutcomesExist(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	sel := regexp.MustCompile(`(seerrpilot_[a-z0-9_]+)\{[^}]*outcome(?:=~|!~|!=|=)"([^"]+)"`)
	found := 0
	for _, m := range sel.FindAllStringSubmatch(string(raw), -1) {
		for _, outcome := range strings.Split(m[2], "|") {
			found++
			mt := metrics.New(&fakeStats{}, nil)
			switch m[1] {
			case "seerrpilot_moviepilot_requests_total":
				mt.MoviePilot("lookup", outcome, 0)
			case "seerrpilot_reconcile_runs_total":
				mt.ReconcileRun(outcome, false, time.Time{})
			case "seerrpilot_webhooks_total":
				mt.Webhook("MEDIA_APPROVED", outcome, time.Millisecond)
			default:
				t.Errorf("alerts.yml selects outcome on %s: add it to this test", m[1])
				continue
			}
			got, _ := scrape(t, mt)
			want := `outcome="` + outcome + `"`
			ok := false
			for _, line := range got {
				if strings.HasPrefix(line, m[1]+"{") && strings.Contains(line, want) && !strings.HasSuffix(line, " 0") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("alerts.yml selects %s{outcome=%q}, but that outcome is never recorded: %v", m[1], outcome, got)
			}
		}
	}
	if found == 0 {
		t.Fatal("no outcome selectors found in alerts.yml: the pattern is stale")
	}
}
