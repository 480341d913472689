package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

type fakeNotifier struct {
	on    bool
	err   error
	calls int
}

func (f *fakeNotifier) Enabled() bool { return f.on }
func (f *fakeNotifier) Test(context.Context) error {
	f.calls++
	return f.err
}

// TestNotificationTest: POST /api/v1/notifications/test sends one test notice; off is 503,
// a failing target 502 naming it; a body is refused.
func TestNotificationTest(t *testing.T) {
	off := newEnv(t, envOpts{})
	off.do(t, http.MethodPost, "/api/v1/notifications/test", "").want(t, http.StatusServiceUnavailable, 5000, "NOTIFY_URLS")

	n := &fakeNotifier{on: true}
	e := newEnv(t, envOpts{notify: n})
	e.do(t, http.MethodPost, "/api/v1/notifications/test", "").want(t, http.StatusOK, 0, "test notice sent")
	e.do(t, http.MethodPost, "/api/v1/notifications/test", `{"x":1}`).want(t, http.StatusBadRequest, 1001)
	if n.calls != 1 {
		t.Fatalf("calls = %d", n.calls)
	}
	n.err = errors.New("telegram: 401 Unauthorized")
	e.do(t, http.MethodPost, "/api/v1/notifications/test", "").want(t, http.StatusBadGateway, 5000, "telegram: 401")
}
