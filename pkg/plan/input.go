package plan

import (
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// Input turns a Seerr request into the task input seerrpilot stores (reconcile and the
// worker's confirmation both use it; the Seerr client itself knows nothing of tasks). The request list carries
// no title or year (Seerr reads only its database there), so those stay empty; the worker
// fills them in before it calls MoviePilot.
func Input(r seerr.Request) task.Input {
	in := task.Input{
		RequestID:     r.ID,
		TMDBID:        r.Media.TMDBID,
		MediaType:     task.Type(r.Type),
		Is4K:          r.Is4K,
		RequestStatus: r.Status,
	}
	if in.MediaType == "" {
		in.MediaType = task.Type(r.Media.MediaType)
	}
	if r.Media.TVDBID != nil {
		in.TVDBID = *r.Media.TVDBID
	}
	if !r.UpdatedAt.IsZero() {
		u := r.UpdatedAt.UTC()
		in.RequestUpdatedAt = &u
	}
	if r.RequestedBy != nil {
		in.RequestedBy = r.RequestedBy.DisplayName
	}
	if in.MediaType == task.TypeTV {
		for _, s := range r.Seasons {
			in.Seasons = append(in.Seasons, task.SeasonRequest{Season: s.SeasonNumber})
		}
		in.Seasons, _ = task.MergeSeasons(nil, in.Seasons)
	}
	return in
}
