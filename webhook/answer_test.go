package webhook

import (
	"net/http"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
)

// TestApprovalAnswerBytes pins the exact answer of each approval outcome, byte for byte.
func TestApprovalAnswerBytes(t *testing.T) {
	f := newFixture("")
	steps := []struct {
		body []byte
		want string
	}{
		{render(seerrhook.TVApproved(123456, 1399, "S", 2011, []int{1})),
			`{"code":0,"msg":"request 123456 queued as task tsk_1","data":{"taskId":"tsk_1","status":"pending","created":true}}` + "\n"},
		{render(seerrhook.TVApproved(123456, 1399, "S", 2011, []int{1, 2})),
			`{"code":0,"msg":"request 123456 already had task tsk_1; it took the new seasons","data":{"taskId":"tsk_1","status":"pending","created":false}}` + "\n"},
		{render(seerrhook.TVApproved(123456, 1399, "S", 2011, []int{2})),
			`{"code":0,"msg":"request 123456 already has task tsk_1 (pending); nothing new to store","data":{"taskId":"tsk_1","status":"pending","created":false}}` + "\n"},
		{render(seerrhook.MovieApproved(7, 603, "M", 1999)),
			`{"code":0,"msg":"request 7 queued as task tsk_2","data":{"taskId":"tsk_2","status":"pending","created":true}}` + "\n"},
	}
	for i, s := range steps {
		a := postBytes(t, f.h, s.body, nil)
		if a.Status != http.StatusAccepted || a.Raw != s.want {
			t.Errorf("step %d: %d %q\nwant 202 %q", i, a.Status, a.Raw, s.want)
		}
	}
}
