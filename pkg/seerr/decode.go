package seerr

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// The wire types decode leniently: unknown fields are ignored, null and wrongly typed
// values become zero values, and nested values of the wrong JSON kind are skipped.
// Only syntactically broken JSON or a top level that is not an object fails.

// flexInt accepts a JSON number (integral or not), a numeric string or null.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	*f = 0
	s := strings.TrimSpace(string(b))
	if s == "" || s == "null" {
		return nil
	}
	if s[0] == '"' {
		var str string
		if json.Unmarshal(b, &str) != nil {
			return nil
		}
		s = strings.TrimSpace(str)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			*f = flexInt(n)
		}
		return nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(v) &&
		v >= math.MinInt32 && v <= math.MaxInt32 {
		*f = flexInt(v)
	}
	return nil
}

// flexOptInt is a flexInt that remembers whether a usable value was present.
type flexOptInt struct {
	v   int
	set bool
}

func (f *flexOptInt) UnmarshalJSON(b []byte) error {
	*f = flexOptInt{}
	s := strings.TrimSpace(string(b))
	if s == "" || s == "null" || s == `""` {
		return nil
	}
	var n flexInt
	_ = n.UnmarshalJSON(b)
	if n == 0 && s != "0" && s != `"0"` {
		// 0 is also what garbage decodes to; only trust an explicit zero.
		return nil
	}
	*f = flexOptInt{v: int(n), set: true}
	return nil
}

func (f flexOptInt) ptr() *int {
	if !f.set {
		return nil
	}
	v := f.v
	return &v
}

// flexString accepts a string, a number (kept as its text) or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	*f = ""
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil
	}
	switch t[0] {
	case '"':
		var s string
		if json.Unmarshal(t, &s) == nil {
			*f = flexString(s)
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		*f = flexString(t)
	}
	return nil
}

// flexBool accepts true/false, 0/1, "true"/"false" and null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(strings.TrimSpace(string(b)), `"`) {
	case "true", "1":
		*f = true
	default:
		*f = false
	}
	return nil
}

// flexTime accepts ISO-8601 strings (what Seerr sends), SQLite's "YYYY-MM-DD hh:mm:ss",
// and null. Anything else is the zero time.
type flexTime time.Time

func (f *flexTime) UnmarshalJSON(b []byte) error {
	*f = flexTime{}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	s = strings.TrimSpace(s)
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			*f = flexTime(t.UTC())
			return nil
		}
	}
	return nil
}

// isObject reports whether raw JSON is an object.
func isObject(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == '{'
}

// rawArray splits a JSON array; anything else is nil.
func rawArray(b []byte) []json.RawMessage {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '[' {
		return nil
	}
	var out []json.RawMessage
	if json.Unmarshal(t, &out) != nil {
		return nil
	}
	return out
}

type wireStatus struct {
	Version         flexString `json:"version"`
	CommitTag       flexString `json:"commitTag"`
	UpdateAvailable flexBool   `json:"updateAvailable"`
	CommitsBehind   flexInt    `json:"commitsBehind"`
	RestartRequired flexBool   `json:"restartRequired"`
}

type wirePageInfo struct {
	Pages    flexInt `json:"pages"`
	PageSize flexInt `json:"pageSize"`
	Results  flexInt `json:"results"`
	Page     flexInt `json:"page"`
}

func (w *wirePageInfo) UnmarshalJSON(b []byte) error {
	*w = wirePageInfo{}
	if !isObject(b) {
		return nil
	}
	type plain wirePageInfo
	return json.Unmarshal(b, (*plain)(w))
}

func (w wirePageInfo) toPageInfo() PageInfo {
	return PageInfo{Pages: int(w.Pages), PageSize: int(w.PageSize), Results: int(w.Results), Page: int(w.Page)}
}

type wirePage struct {
	PageInfo wirePageInfo `json:"pageInfo"`
	Results  wireResults  `json:"results"`
}

// wireResults is nil when "results" is absent or not an array; elements that are not
// objects decode as zero requests (ID 0) so the page length stays what the server sent.
type wireResults []wireRequest

func (w *wireResults) UnmarshalJSON(b []byte) error {
	items := rawArray(b)
	if items == nil {
		*w = nil
		return nil
	}
	out := make(wireResults, len(items))
	for i, it := range items {
		_ = out[i].UnmarshalJSON(it)
	}
	*w = out
	return nil
}

type wireRequest struct {
	ID          flexInt     `json:"id"`
	Status      flexInt     `json:"status"`
	CreatedAt   flexTime    `json:"createdAt"`
	UpdatedAt   flexTime    `json:"updatedAt"`
	Type        flexString  `json:"type"`
	Is4K        flexBool    `json:"is4k"`
	Media       wireMedia   `json:"media"`
	Seasons     wireSeasons `json:"seasons"`
	RequestedBy *wireUser   `json:"requestedBy"`
}

func (w *wireRequest) UnmarshalJSON(b []byte) error {
	*w = wireRequest{}
	if !isObject(b) {
		return nil
	}
	type plain wireRequest
	if err := json.Unmarshal(b, (*plain)(w)); err != nil {
		*w = wireRequest{}
	}
	return nil
}

func (w wireRequest) toRequest() Request {
	r := Request{
		ID:        int(w.ID),
		Status:    int(w.Status),
		CreatedAt: time.Time(w.CreatedAt),
		UpdatedAt: time.Time(w.UpdatedAt),
		Type:      string(w.Type),
		Is4K:      bool(w.Is4K),
		Media: Media{
			ID:        int(w.Media.ID),
			MediaType: string(w.Media.MediaType),
			TMDBID:    int(w.Media.TMDBID),
			TVDBID:    w.Media.TVDBID.ptr(),
			IMDBID:    string(w.Media.IMDBID),
			Status:    int(w.Media.Status),
			Status4K:  int(w.Media.Status4K),
		},
	}
	if r.Type == "" {
		r.Type = r.Media.MediaType
	}
	if len(w.Seasons) > 0 {
		r.Seasons = make([]SeasonRequest, 0, len(w.Seasons))
		for _, s := range w.Seasons {
			r.Seasons = append(r.Seasons, SeasonRequest{SeasonNumber: int(s.SeasonNumber), Status: int(s.Status)})
		}
	}
	if w.RequestedBy != nil && w.RequestedBy.present {
		u := w.RequestedBy
		r.RequestedBy = &User{
			ID:          int(u.ID),
			DisplayName: string(u.DisplayName),
			Username:    string(u.Username),
			Email:       string(u.Email),
		}
		if r.RequestedBy.DisplayName == "" {
			for _, v := range []flexString{u.Username, u.PlexUsername, u.JellyfinUsername, u.Email} {
				if v != "" {
					r.RequestedBy.DisplayName = string(v)
					break
				}
			}
		}
	}
	return r
}

type wireMedia struct {
	ID        flexInt    `json:"id"`
	MediaType flexString `json:"mediaType"`
	TMDBID    flexInt    `json:"tmdbId"`
	TVDBID    flexOptInt `json:"tvdbId"`
	IMDBID    flexString `json:"imdbId"`
	Status    flexInt    `json:"status"`
	Status4K  flexInt    `json:"status4k"`
}

func (w *wireMedia) UnmarshalJSON(b []byte) error {
	*w = wireMedia{}
	if !isObject(b) {
		return nil
	}
	type plain wireMedia
	if err := json.Unmarshal(b, (*plain)(w)); err != nil {
		*w = wireMedia{}
	}
	return nil
}

type wireSeason struct {
	SeasonNumber flexInt `json:"seasonNumber"`
	Status       flexInt `json:"status"`
}

// wireSeasons keeps only the object elements of a seasons array.
type wireSeasons []wireSeason

func (w *wireSeasons) UnmarshalJSON(b []byte) error {
	*w = nil
	for _, it := range rawArray(b) {
		if !isObject(it) {
			continue
		}
		var s wireSeason
		if json.Unmarshal(it, &s) == nil {
			*w = append(*w, s)
		}
	}
	return nil
}

type wireUser struct {
	ID               flexInt    `json:"id"`
	DisplayName      flexString `json:"displayName"`
	Username         flexString `json:"username"`
	PlexUsername     flexString `json:"plexUsername"`
	JellyfinUsername flexString `json:"jellyfinUsername"`
	Email            flexString `json:"email"`
	present          bool
}

func (w *wireUser) UnmarshalJSON(b []byte) error {
	*w = wireUser{}
	if !isObject(b) {
		return nil
	}
	type plain wireUser
	if err := json.Unmarshal(b, (*plain)(w)); err != nil {
		*w = wireUser{}
		return nil
	}
	w.present = true
	return nil
}
