package mptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Messages MoviePilot answers with success:false.
const (
	msgNotRecognised = "未识别到媒体信息"
	// msgPairRequired is the fake's wording for a v3 create that gives only one of
	// media_source and media_id; the facts file records the behaviour, not the text.
	msgPairRequired = "media_source 和 media_id 必须同时提供"
)

// validType reports whether s is a MediaType value; anything else is an unhandled
// ValueError in MoviePilot (500).
func validType(s string) bool {
	switch s {
	case "电影", "电视剧", "系列", "未知":
		return true
	}
	return false
}

func (f *Fake) create(body []byte, user string) answer {
	raw, ok := decodeObject(body)
	if !ok {
		return f.validation([]issue{{Loc: []any{"body", 0}, Msg: "Expecting value", Type: "value_error.jsondecode"}})
	}
	// The Subscribe schema fields the fake interprets.
	intFields := []string{"tmdbid", "season", "start_episode", "total_episode", "best_version"}
	strFields := []string{"name", "year", "type", "quality", "resolution", "effect", "media_source", "media_id"}
	ints := map[string]*int{}
	strs := map[string]string{}
	var issues []issue
	for _, k := range intFields {
		v, ok := coerceInt(raw[k])
		if !ok {
			issues = append(issues, issue{Loc: []any{"body", k}, Msg: "value is not a valid integer", Type: "type_error.integer"})
			continue
		}
		ints[k] = v
	}
	for _, k := range strFields {
		v, ok := f.coerceStr(raw[k])
		if !ok {
			issues = append(issues, issue{Loc: []any{"body", k}, Msg: "str type expected", Type: "type_error.str"})
			continue
		}
		strs[k] = v
	}
	if len(issues) > 0 {
		return f.validation(issues)
	}

	mtype := strs["type"]
	if mtype != "" && !validType(mtype) {
		return f.internalError()
	}

	// Identity.
	var tmdbID int
	if f.opts.Version == V3 {
		hasSrc, hasID := strs["media_source"] != "", strs["media_id"] != ""
		switch {
		case hasSrc != hasID:
			return f.result(false, msgPairRequired, nil)
		case !hasSrc:
			return f.result(false, msgNotRecognised, nil)
		case strs["media_source"] != "themoviedb":
			return f.result(false, msgNotRecognised, nil)
		}
		n, err := strconv.Atoi(strs["media_id"])
		if err != nil || n <= 0 {
			return f.result(false, msgNotRecognised, nil)
		}
		tmdbID = n
	} else {
		if ints["tmdbid"] == nil || *ints["tmdbid"] <= 0 {
			return f.result(false, msgNotRecognised, nil)
		}
		tmdbID = *ints["tmdbid"]
	}

	// Recognition.
	name, year := strs["name"], strs["year"]
	isTV := mtype == TypeTV
	if mtype == "" || mtype == "未知" || mtype == "系列" {
		isTV = ints["season"] != nil
	}
	var known *Media
	if f.opts.KnownTMDB != nil {
		m, ok := f.opts.KnownTMDB[tmdbID]
		if !ok {
			return f.result(false, msgNotRecognised, nil)
		}
		if (mtype == TypeTV && m.Type != "tv") || (mtype == TypeMovie && m.Type != "movie") {
			return f.result(false, msgNotRecognised, nil)
		}
		known = &m
		name, year, isTV = m.Title, m.Year, m.Type == "tv"
	}
	if name == "" {
		return f.result(false, msgNotRecognised, nil)
	}

	if len(f.businessFails) > 0 {
		msg := f.businessFails[0]
		f.businessFails = f.businessFails[1:]
		return f.result(false, msg, nil)
	}

	sub := Subscription{
		Name:       name,
		Year:       year,
		Type:       TypeMovie,
		TMDBID:     tmdbID,
		Quality:    strs["quality"],
		Resolution: strs["resolution"],
		Effect:     strs["effect"],
		Username:   user,
		State:      "N",
		Created:    f.opts.Now(),
	}
	if f.opts.Version == V3 {
		sub.MediaSource, sub.MediaID = "themoviedb", strconv.Itoa(tmdbID)
	}
	if v := ints["best_version"]; v != nil {
		sub.BestVersion = *v
	}
	if isTV {
		sub.Type = TypeTV
		season := 1 // None and 0 are both falsy in MoviePilot
		if v := ints["season"]; v != nil && *v != 0 {
			season = *v
		}
		sub.Season = &season
		if v := ints["start_episode"]; v != nil {
			sub.StartEpisode = *v
		}
		if v := ints["total_episode"]; v != nil && *v != 0 {
			sub.TotalEpisode = *v
		} else if known != nil {
			n := known.Seasons[season]
			if n == 0 {
				return f.result(false, fmt.Sprintf("未获取到第 %d 季的总集数", season), nil)
			}
			sub.TotalEpisode = n
		}
		sub.LackEpisode = sub.TotalEpisode
	}

	id := 0
	if existing := f.find(tmdbID, sub.Season); existing != nil {
		id = existing.ID
	} else {
		sub.ID = f.nextID
		f.nextID++
		f.subs = append(f.subs, sub)
		id = sub.ID
	}
	if f.createThenFail > 0 {
		f.createThenFail--
		return f.internalError()
	}
	return f.result(true, "", map[string]any{"id": id})
}

// find is SubscribeOper's duplicate check: tmdbid+season, or tmdbid alone without a season.
func (f *Fake) find(tmdbID int, season *int) *Subscription {
	for i := range f.subs {
		s := &f.subs[i]
		if s.TMDBID != tmdbID {
			continue
		}
		if season == nil || (s.Season != nil && *s.Season == *season) {
			return s
		}
	}
	return nil
}

func (f *Fake) lookup(r *http.Request) answer {
	mediaID := strings.TrimPrefix(r.URL.Path, "/api/v1/subscribe/media/")
	q := r.URL.Query()
	season := 0
	if s := q.Get("season"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return f.validation([]issue{{Loc: []any{"query", "season"}, Msg: "value is not a valid integer", Type: "type_error.integer"}})
		}
		season = n
	}
	var tmdbID int
	if f.opts.Version == V3 {
		if !q.Has("media_source") {
			return f.validation([]issue{{Loc: []any{"query", "media_source"}, Msg: "Field required", Type: "missing"}})
		}
		if q.Get("media_source") == "themoviedb" {
			tmdbID, _ = strconv.Atoi(mediaID)
		}
	} else if rest, ok := strings.CutPrefix(mediaID, "tmdb:"); ok {
		tmdbID, _ = strconv.Atoi(rest)
	}
	var hit *Subscription
	if tmdbID > 0 {
		var sp *int
		if season != 0 { // `if season:` — 0 means "no filter"
			sp = &season
		}
		hit = f.find(tmdbID, sp)
	}
	if hit == nil {
		return f.data(f.subscribeJSON(nil))
	}
	return f.data(f.subscribeJSON(hit))
}

func (f *Fake) list() answer {
	out := make([]map[string]any, 0, len(f.subs))
	for i := range f.subs {
		out = append(out, f.subscribeJSON(&f.subs[i]))
	}
	return f.data(out)
}

// subscribeJSON renders schemas.Subscribe; nil renders the empty object MoviePilot answers
// when nothing matches (id and every optional field null).
func (f *Fake) subscribeJSON(s *Subscription) map[string]any {
	m := map[string]any{
		"id": nil, "name": nil, "year": nil, "type": nil, "keyword": nil, "tmdbid": nil,
		"doubanid": nil, "bangumiid": nil, "mediaid": nil, "season": nil, "poster": nil,
		"backdrop": nil, "vote": 0, "description": nil, "filter": nil, "include": nil,
		"exclude": nil, "quality": nil, "resolution": nil, "effect": nil, "total_episode": 0,
		"start_episode": 0, "lack_episode": 0, "note": nil, "state": nil, "last_update": nil,
		"username": nil, "sites": []int{}, "downloader": nil, "best_version": 0,
		"current_priority": nil, "save_path": nil, "search_imdbid": 0, "date": nil,
		"custom_words": nil, "media_category": nil, "filter_groups": []string{},
		"episode_group": nil,
	}
	if f.opts.Version == V3 {
		m["media_source"], m["media_id"] = nil, nil
	}
	if s == nil {
		return m
	}
	m["id"], m["name"], m["year"], m["type"] = s.ID, s.Name, s.Year, s.Type
	m["tmdbid"], m["season"], m["state"], m["username"] = s.TMDBID, s.Season, s.State, s.Username
	m["total_episode"], m["start_episode"], m["lack_episode"] = s.TotalEpisode, s.StartEpisode, s.LackEpisode
	m["best_version"], m["quality"], m["resolution"], m["effect"] = s.BestVersion, s.Quality, s.Resolution, s.Effect
	m["date"] = s.Created.Format("2006-01-02 15:04:05")
	if f.opts.Version == V3 {
		m["media_source"], m["media_id"] = s.MediaSource, s.MediaID
	}
	return m
}

func decodeObject(body []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// coerceInt follows pydantic v1's int coercion: integral numbers, numeric strings, bools.
func coerceInt(v any) (*int, bool) {
	var n int
	switch t := v.(type) {
	case nil:
		return nil, true
	case json.Number:
		if i, err := t.Int64(); err == nil {
			n = int(i)
		} else if fl, err := t.Float64(); err == nil && fl == math.Trunc(fl) {
			n = int(fl)
		} else {
			return nil, false
		}
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			return nil, false
		}
		n = i
	case bool:
		if t {
			n = 1
		}
	default:
		return nil, false
	}
	return &n, true
}

// coerceStr: v2 (pydantic v1) turns numbers into strings; v3 (pydantic v2) wants strings.
func (f *Fake) coerceStr(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case string:
		return t, true
	case json.Number:
		if f.opts.Version == V3 {
			return "", false
		}
		return t.String(), true
	}
	return "", false
}
