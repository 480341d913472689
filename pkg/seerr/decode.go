package seerr

import "github.com/seerrpilot/seerrpilot/pkg/jsonx"

// The wire types decode leniently (pkg/jsonx): unknown fields are ignored, null and wrongly
// typed values read as zero values, and nested values of the wrong JSON kind are skipped.
// Only syntactically broken JSON or a top level that is not an object fails (decodeJSON,
// with jsonx.Unmarshal).

type wireStatus struct {
	Version         jsonx.Value `json:"version"`
	CommitTag       jsonx.Value `json:"commitTag"`
	UpdateAvailable jsonx.Value `json:"updateAvailable"`
	CommitsBehind   jsonx.Value `json:"commitsBehind"`
	RestartRequired jsonx.Value `json:"restartRequired"`
}

type wirePageInfo struct {
	Pages    jsonx.Value `json:"pages"`
	PageSize jsonx.Value `json:"pageSize"`
	Results  jsonx.Value `json:"results"`
	Page     jsonx.Value `json:"page"`
}

func (w wirePageInfo) toPageInfo() PageInfo {
	return PageInfo{Pages: intOf(w.Pages), PageSize: intOf(w.PageSize), Results: intOf(w.Results), Page: intOf(w.Page)}
}

// intOf is v as an integer, 0 when it is not one.
func intOf(v jsonx.Value) int {
	n, _ := v.Int()
	return n
}

type wirePage struct {
	PageInfo wirePageInfo `json:"pageInfo"`
	// Results is nil when "results" is absent or not an array; elements that are not
	// objects decode as zero requests (ID 0) so the page length stays what the server sent.
	Results []wireRequest `json:"results"`
}

type wireRequest struct {
	ID          jsonx.Value                `json:"id"`
	Status      jsonx.Value                `json:"status"`
	CreatedAt   jsonx.Value                `json:"createdAt"`
	UpdatedAt   jsonx.Value                `json:"updatedAt"`
	Type        jsonx.Value                `json:"type"`
	Is4K        jsonx.Value                `json:"is4k"`
	Media       wireMedia                  `json:"media"`
	Seasons     []jsonx.Object[wireSeason] `json:"seasons"` // only object elements count
	RequestedBy jsonx.Object[wireUser]     `json:"requestedBy"`
}

func (w wireRequest) toRequest() Request {
	m := w.Media
	r := Request{
		ID:        intOf(w.ID),
		Status:    intOf(w.Status),
		CreatedAt: w.CreatedAt.Time(),
		UpdatedAt: w.UpdatedAt.Time(),
		Type:      w.Type.Str(),
		Is4K:      w.Is4K.Bool(),
		Media: Media{
			ID:        intOf(m.ID),
			MediaType: m.MediaType.Str(),
			TMDBID:    intOf(m.TMDBID),
			IMDBID:    m.IMDBID.Str(),
			Status:    intOf(m.Status),
			Status4K:  intOf(m.Status4K),
		},
	}
	if n, ok := m.TVDBID.Int(); ok {
		r.Media.TVDBID = &n
	}
	if r.Type == "" {
		r.Type = r.Media.MediaType
	}
	for _, s := range w.Seasons {
		if s.OK() {
			r.Seasons = append(r.Seasons, SeasonRequest{SeasonNumber: intOf(s.V.SeasonNumber), Status: intOf(s.V.Status)})
		}
	}
	if w.RequestedBy.OK() {
		u := w.RequestedBy.V
		r.RequestedBy = &User{
			ID:          intOf(u.ID),
			DisplayName: u.DisplayName.Str(),
			Username:    u.Username.Str(),
			Email:       u.Email.Str(),
		}
		if r.RequestedBy.DisplayName == "" {
			for _, v := range []jsonx.Value{u.Username, u.PlexUsername, u.JellyfinUsername, u.Email} {
				if s := v.Str(); s != "" {
					r.RequestedBy.DisplayName = s
					break
				}
			}
		}
	}
	return r
}

type wireMedia struct {
	ID        jsonx.Value `json:"id"`
	MediaType jsonx.Value `json:"mediaType"`
	TMDBID    jsonx.Value `json:"tmdbId"`
	TVDBID    jsonx.Value `json:"tvdbId"`
	IMDBID    jsonx.Value `json:"imdbId"`
	Status    jsonx.Value `json:"status"`
	Status4K  jsonx.Value `json:"status4k"`
}

type wireSeason struct {
	SeasonNumber jsonx.Value `json:"seasonNumber"`
	Status       jsonx.Value `json:"status"`
}

type wireUser struct {
	ID               jsonx.Value `json:"id"`
	DisplayName      jsonx.Value `json:"displayName"`
	Username         jsonx.Value `json:"username"`
	PlexUsername     jsonx.Value `json:"plexUsername"`
	JellyfinUsername jsonx.Value `json:"jellyfinUsername"`
	Email            jsonx.Value `json:"email"`
}
