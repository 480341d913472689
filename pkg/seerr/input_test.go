package seerr

import (
	"reflect"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

func TestRequestInput(t *testing.T) {
	tvdb := 81189
	upd := time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("x", 3600))
	r := Request{ID: 12, Status: RequestApproved, Type: TypeTV, Is4K: true, UpdatedAt: upd,
		Media:       Media{TMDBID: 1396, TVDBID: &tvdb, MediaType: TypeTV},
		Seasons:     []SeasonRequest{{SeasonNumber: 2}, {SeasonNumber: 0}, {SeasonNumber: 2}},
		RequestedBy: &User{DisplayName: "alice"}}
	u := upd.UTC()
	want := task.Input{RequestID: 12, TMDBID: 1396, TVDBID: 81189, MediaType: task.TypeTV, Is4K: true,
		RequestStatus: 2, RequestUpdatedAt: &u, RequestedBy: "alice",
		Seasons: []task.SeasonRequest{{Season: 0}, {Season: 2}}}
	if got := r.Input(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	m := Request{ID: 3, Status: RequestApproved, Media: Media{TMDBID: 603, MediaType: TypeMovie}}.Input()
	if m.MediaType != task.TypeMovie || m.Seasons != nil || m.TMDBID != 603 || m.Validate() != nil {
		t.Fatalf("movie input %+v", m)
	}
}
