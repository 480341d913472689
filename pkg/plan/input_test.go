package plan

import (
	"reflect"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

func TestRequestInput(t *testing.T) {
	tvdb := 81189
	upd := time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("x", 3600))
	r := seerr.Request{ID: 12, Status: seerr.RequestApproved, Type: seerr.TypeTV, Is4K: true, UpdatedAt: upd,
		Media:       seerr.Media{TMDBID: 1396, TVDBID: &tvdb, MediaType: seerr.TypeTV},
		Seasons:     []seerr.SeasonRequest{{SeasonNumber: 2}, {SeasonNumber: 0}, {SeasonNumber: 2}},
		RequestedBy: &seerr.User{DisplayName: "alice"}}
	u := upd.UTC()
	want := task.Input{RequestID: 12, TMDBID: 1396, TVDBID: 81189, MediaType: task.TypeTV, Is4K: true,
		RequestStatus: 2, RequestUpdatedAt: &u, RequestedBy: "alice",
		Seasons: []task.SeasonRequest{{Season: 0}, {Season: 2}}}
	if got := Input(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	m := Input(seerr.Request{ID: 3, Status: seerr.RequestApproved, Media: seerr.Media{TMDBID: 603, MediaType: seerr.TypeMovie}})
	if m.MediaType != task.TypeMovie || m.Seasons != nil || m.TMDBID != 603 || m.Validate() != nil {
		t.Fatalf("movie input %+v", m)
	}
}
