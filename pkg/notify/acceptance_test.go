package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// hook is a webhook receiver for shoutrrr's generic service.
type hook struct {
	mu     sync.Mutex
	bodies []map[string]string
	status int
	calls  int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	if h.status != 0 {
		w.WriteHeader(h.status)
		return
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		m = map[string]string{"undecodable": string(raw)}
	}
	h.bodies = append(h.bodies, m)
}

func (h *hook) got() ([]map[string]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]string(nil), h.bodies...), h.calls
}

// genericNotifier points a notifier at srv through shoutrrr's real generic:// service.
func genericNotifier(t *testing.T, srv *httptest.Server, path string) (*Notifier, *fakeClock) {
	t.Helper()
	raw := "generic://" + strings.TrimPrefix(srv.URL, "http://") + path + "?template=json&disabletls=yes"
	if err := CheckURL(raw); err != nil {
		t.Fatal(err)
	}
	senders, err := NewSenders([]string{raw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	secrets := append(URLSecrets(raw), secretToken)
	return New(Options{Senders: senders, Now: clk.Now, After: clk.After, RetryBase: time.Millisecond,
		Attempts: 3, SendTimeout: 10 * time.Second, Redact: redact.New(secrets...)}), clk
}

// TestAcceptanceGenericWebhook: through shoutrrr's generic webhook, a failed task is one JSON
// notice naming the request and the reason (no secret), sent 10 s after the failure; a burst
// of 50 failures is one notice.
func TestAcceptanceGenericWebhook(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	n, clk := genericNotifier(t, srv, "/hooks/"+secretToken)
	ctx := context.Background()

	n.TaskChanged(task.StatusRunning, failedTask(42, "Dune: Part Two", "alice",
		"MoviePilot answered 422 (token "+secretToken+"): season 3 does not exist"))
	if !n.due.Equal(clk.Now().Add(10 * time.Second)) {
		t.Fatalf("a single failure is due at %v, want 10 s after it", n.due)
	}
	clk.Advance(10 * time.Second)
	n.flush(ctx, 3, false)
	bodies, calls := h.got()
	if calls != 1 || len(bodies) != 1 {
		t.Fatalf("want one notice, got %d calls: %v", calls, bodies)
	}
	msg := bodies[0]["title"] + "\n" + bodies[0]["message"]
	for _, want := range []string{"Dune: Part Two", "alice", "season 3 does not exist", "What to do"} {
		if !strings.Contains(msg, want) {
			t.Errorf("notice lacks %q: %v", want, bodies[0])
		}
	}
	if strings.Contains(msg, secretToken) {
		t.Errorf("secret in the notice: %s", msg)
	}

	for i := range 50 {
		n.TaskChanged(task.StatusRunning, failedTask(100+i, fmt.Sprintf("Film %d", i), "bob", "MoviePilot: 未识别到媒体信息"))
	}
	clk.Advance(10 * time.Second)
	n.flush(ctx, 3, false)
	bodies, calls = h.got()
	if calls != 2 || len(bodies) != 2 {
		t.Fatalf("a burst of 50 must be one notice; calls = %d", calls)
	}
	if !strings.Contains(bodies[1]["title"], "50 requests failed") || !strings.Contains(bodies[1]["message"], "and 40 more") {
		t.Errorf("burst notice: %v", bodies[1])
	}
}

// TestAcceptanceFailingEndpoint: an endpoint answering 500 is tried 3 times, then the notice
// is given up; the error names the service and no secret.
func TestAcceptanceFailingEndpoint(t *testing.T) {
	h := &hook{status: http.StatusInternalServerError}
	srv := httptest.NewServer(h)
	defer srv.Close()
	n, _ := genericNotifier(t, srv, "/hooks/"+secretToken)
	errs := n.send(context.Background(), "t", "b", []Event{EventFailed}, 3)
	if _, calls := h.got(); calls != 3 {
		t.Fatalf("want 3 attempts, got %d", calls)
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "generic: ") || strings.Contains(errs[0].Error(), secretToken) {
		t.Fatalf("errs = %v", errs)
	}
}
