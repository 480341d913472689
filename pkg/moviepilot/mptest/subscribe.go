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
	// msgExists is v3's answer to a duplicate create (with success:true and the existing id).
	msgExists = "订阅已存在"
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
			// tmdbid is no longer a field: v3 recognises by title alone (which may pick
			// the wrong media); the catalogue stands in for that search.
			for id, m := range f.opts.KnownTMDB {
				if m.Title != "" && m.Title == strs["name"] {
					return f.addAnswer(addArgs{tmdbID: id, mtype: mtype, name: strs["name"], year: strs["year"],
						season: ints["season"], user: user})
				}
			}
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

	var season *int
	if v := ints["season"]; v != nil {
		season = v
	}
	return f.addAnswer(addArgs{
		tmdbID: tmdbID, mtype: mtype, name: strs["name"], year: strs["year"], season: season,
		startEpisode: ints["start_episode"], totalEpisode: ints["total_episode"], bestVersion: ints["best_version"],
		quality: strs["quality"], resolution: strs["resolution"], effect: strs["effect"], user: user,
	})
}

// addArgs is what SubscribeChain.add receives, from a create or from the Seerr webhook.
type addArgs struct {
	tmdbID                                  int
	mtype, name, year                       string
	season                                  *int
	startEpisode, totalEpisode, bestVersion *int
	quality, resolution, effect             string
	user                                    string
}

// addAnswer runs add and renders create's answer (schemas.Response in both versions).
func (f *Fake) addAnswer(a addArgs) answer {
	id, msg, ok := f.add(a)
	if !ok {
		return f.result(false, msg, nil)
	}
	if f.createThenFail > 0 {
		f.createThenFail--
		return f.internalError()
	}
	return f.result(true, msg, map[string]any{"id": id})
}

// add is SubscribeChain.add: recognition, then SubscribeOper.add's duplicate check, then the
// insert. It answers the id (new or existing) and the message, or ok=false with the reason.
func (f *Fake) add(a addArgs) (id int, msg string, ok bool) {
	// Recognition.
	tmdbID, mtype, name, year := a.tmdbID, a.mtype, a.name, a.year
	isTV := mtype == TypeTV
	if mtype == "" || mtype == "未知" || mtype == "系列" {
		isTV = a.season != nil
	}
	var known *Media
	if f.opts.KnownTMDB != nil {
		m, found := f.opts.KnownTMDB[tmdbID]
		if !found {
			return 0, msgNotRecognised, false
		}
		if (mtype == TypeTV && m.Type != "tv") || (mtype == TypeMovie && m.Type != "movie") {
			return 0, msgNotRecognised, false
		}
		known = &m
		name, year, isTV = m.Title, m.Year, m.Type == "tv"
	}
	if name == "" {
		return 0, msgNotRecognised, false
	}
	if len(f.businessFails) > 0 {
		msg := f.businessFails[0]
		f.businessFails = f.businessFails[1:]
		return 0, msg, false
	}
	sub := Subscription{
		Name:       name,
		Year:       year,
		Type:       TypeMovie,
		TMDBID:     tmdbID,
		Quality:    a.quality,
		Resolution: a.resolution,
		Effect:     a.effect,
		Username:   a.user,
		State:      "N",
		Created:    f.opts.Now(),
	}
	if f.opts.Version == V3 {
		sub.MediaSource, sub.MediaID = "themoviedb", strconv.Itoa(tmdbID)
	}
	if v := a.bestVersion; v != nil {
		sub.BestVersion = *v
	}
	if isTV {
		sub.Type = TypeTV
		season := 1 // None and 0 are both falsy in MoviePilot
		if v := a.season; v != nil && *v != 0 {
			season = *v
		}
		sub.Season = &season
		if v := a.startEpisode; v != nil {
			sub.StartEpisode = *v
		}
		if v := a.totalEpisode; v != nil && *v != 0 {
			sub.TotalEpisode = *v
		} else if known != nil {
			n := known.Seasons[season]
			if n == 0 {
				return 0, fmt.Sprintf("未获取到第 %d 季的总集数", season), false
			}
			sub.TotalEpisode = n
		}
		sub.LackEpisode = sub.TotalEpisode
	}
	// SubscribeOper.add: v2 finds a movie (no season) by tmdbid alone, whatever the row's type;
	// v3's identity includes the season, so a movie only matches a row without one.
	existing := f.find(tmdbID, sub.Season)
	if f.opts.Version == V3 {
		existing = f.findExact(tmdbID, sub.Season)
	}
	if existing != nil {
		if f.opts.Version == V3 {
			return existing.ID, msgExists, true
		}
		return existing.ID, "", true // v2's chain answers "" for new and existing alike
	}
	sub.ID = f.nextID
	f.nextID++
	if f.opts.Version == V2 {
		// 2.5.6's subscribe table has an INTEGER primary key without AUTOINCREMENT: sqlite
		// gives max(id)+1, so the id of a finished or deleted newest row is given again.
		sub.ID = 1
		for _, s := range f.subs {
			sub.ID = max(sub.ID, s.ID+1)
		}
	}
	f.subs = append(f.subs, sub)
	if f.opts.Version == V3 {
		return sub.ID, "新增订阅成功", true
	}
	return sub.ID, "", true
}

// findExact is v3's identity match: the TMDB id and the season, where no season matches only
// rows without one.
func (f *Fake) findExact(tmdbID int, season *int) *Subscription {
	for i := range f.subs {
		s := &f.subs[i]
		if s.TMDBID != tmdbID {
			continue
		}
		if (season == nil && s.Season == nil) || (season != nil && s.Season != nil && *s.Season == *season) {
			return s
		}
	}
	return nil
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
		// v2: `if season:`, so 0 means "no filter"; v3: `if season is not None`.
		if season != 0 || (f.opts.Version == V3 && q.Has("season")) {
			sp = &season
		}
		hit = f.find(tmdbID, sp)
	}
	if hit == nil {
		return f.data(f.subscribeJSON(nil))
	}
	return f.data(f.subscribeJSON(hit))
}

// list is GET /api/v1/subscribe/ (and /list). v3 takes optional page/count and always sends
// the total in X-Total-Count.
func (f *Fake) list(r *http.Request) answer {
	rows := f.subs
	if f.opts.Version == V3 {
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		count, _ := strconv.Atoi(q.Get("count"))
		if page > 0 && count > 0 {
			start := min((page-1)*count, len(rows))
			rows = rows[start:min(start+count, len(rows))]
		}
	}
	out := make([]map[string]any, 0, len(rows))
	for i := range rows {
		out = append(out, f.subscribeJSON(&rows[i]))
	}
	a := f.data(out)
	if f.opts.Version == V3 {
		a.header.Set("X-Total-Count", strconv.Itoa(len(f.subs)))
	}
	return a
}

// subscribeJSON renders schemas.Subscribe; nil renders the empty object MoviePilot answers
// when nothing matches: every field null, those with defaults too (2.5.6, seen on a real
// server); a row has sites and filter_groups null when they were never set.
func (f *Fake) subscribeJSON(s *Subscription) map[string]any {
	if s == nil {
		m := map[string]any{}
		for _, k := range subscribeFields {
			m[k] = nil
		}
		if f.opts.Version == V3 {
			m["media_source"], m["media_id"], m["completed_episode"], m["execution_status"] = nil, nil, nil, nil
		}
		return m
	}
	m := map[string]any{
		"id": nil, "name": nil, "year": nil, "type": nil, "keyword": nil, "tmdbid": nil,
		"doubanid": nil, "bangumiid": nil, "mediaid": nil, "season": nil, "poster": nil,
		"backdrop": nil, "vote": 0, "description": nil, "filter": nil, "include": nil,
		"exclude": nil, "quality": nil, "resolution": nil, "effect": nil, "total_episode": 0,
		"start_episode": 0, "lack_episode": 0, "note": nil, "state": nil, "last_update": nil,
		"username": nil, "sites": nil, "downloader": nil, "best_version": 0,
		"current_priority": nil, "save_path": nil, "search_imdbid": 0, "date": nil,
		"custom_words": nil, "media_category": nil, "filter_groups": nil,
		"episode_group": nil,
	}
	if f.opts.Version == V3 {
		m["media_source"], m["media_id"] = nil, nil
		m["completed_episode"], m["execution_status"] = 0, nil
	}
	m["id"], m["name"], m["year"], m["type"] = s.ID, s.Name, s.Year, s.Type
	m["tmdbid"], m["season"], m["state"], m["username"] = s.TMDBID, s.Season, s.State, s.Username
	m["total_episode"], m["start_episode"], m["lack_episode"] = s.TotalEpisode, s.StartEpisode, s.LackEpisode
	m["best_version"], m["quality"], m["resolution"], m["effect"] = s.BestVersion, s.Quality, s.Resolution, s.Effect
	m["date"] = s.Created.Format("2006-01-02 15:04:05")
	if f.opts.Version == V3 {
		m["media_source"], m["media_id"] = s.MediaSource, s.MediaID
		m["completed_episode"], m["execution_status"] = s.CompletedEpisode, s.ExecutionStatus
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

// subscribeFields are schemas.Subscribe's fields (2.5.6), in its order.
var subscribeFields = []string{"id", "name", "year", "type", "keyword", "tmdbid", "doubanid", "bangumiid", "mediaid",
	"season", "poster", "backdrop", "vote", "description", "filter", "include", "exclude", "quality", "resolution",
	"effect", "total_episode", "start_episode", "lack_episode", "note", "state", "last_update", "username", "sites",
	"downloader", "best_version", "current_priority", "save_path", "search_imdbid", "date", "custom_words",
	"media_category", "filter_groups", "episode_group"}
