package mptest

import (
	"net/http"
	"strconv"
	"strings"
)

// background is one add that POST /api/v1/subscribe/seerr queued: MoviePilot answers first
// and runs SubscribeChain.add afterwards (FastAPI BackgroundTasks, in memory).
type background struct {
	after int // requests still to arrive before it runs
	args  addArgs
}

// runBackground runs the queued Seerr adds that are due; f.mu is held. A failed add is only
// logged by MoviePilot, so it leaves no trace here either.
func (f *Fake) runBackground() {
	keep := f.background[:0]
	for _, b := range f.background {
		if b.after > 0 {
			b.after--
			keep = append(keep, b)
			continue
		}
		_, _, _ = f.add(b.args)
	}
	f.background = keep
}

// PendingSeerrAdds is how many /subscribe/seerr adds were answered but have not run yet.
func (f *Fake) PendingSeerrAdds() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.background)
}

// get is GET /api/v1/subscribe/{id}. v2.5.6 returns the row, or None for a missing id (rendered
// here as null); v3 returns the enveloped row, or an empty Subscribe object.
func (f *Fake) get(r *http.Request) answer {
	id := f.pathID(r)
	if id == 0 {
		return f.data(f.subscribeJSON(nil)) // `if not subscribe_id: return Subscribe()`
	}
	for i := range f.subs {
		if f.subs[i].ID == id {
			return f.data(f.subscribeJSON(&f.subs[i]))
		}
	}
	if f.opts.Version == V3 {
		return f.data(f.subscribeJSON(nil))
	}
	// v2.5.6's read_subscribe returns None against response_model=schemas.Subscribe: FastAPI's
	// response validation raises, an unhandled exception.
	return f.internalError()
}

// update is PUT /api/v1/subscribe/.
//
// v2.5.6 (update_subscribe): the body is parsed into the Subscribe schema, whose defaults fill
// what is missing (total_episode, start_episode, best_version … = 0), and every non-null value
// is written — username included, so an update can give a row its owner. lack_episode 0 is
// dropped. v3: only the fields that were sent are written, and username is always reset to the
// row's current owner: an update cannot change it.
func (f *Fake) update(body []byte) answer {
	raw, ok := decodeObject(body)
	if !ok {
		return f.validation([]issue{{Loc: []any{"body", 0}, Msg: "Expecting value", Type: "value_error.jsondecode"}})
	}
	id, _ := coerceInt(raw["id"])
	var row *Subscription
	for i := range f.subs {
		if id != nil && f.subs[i].ID == *id {
			row = &f.subs[i]
		}
	}
	if row == nil {
		return f.updateResult(false, "订阅不存在")
	}
	v3 := f.opts.Version == V3
	intField := func(k string, dst *int, dropZero bool) {
		v, present := raw[k]
		if !present {
			if !v3 && !dropZero {
				*dst = 0 // the schema default
			}
			return
		}
		n, ok := coerceInt(v)
		if !ok || n == nil || (dropZero && *n == 0) {
			return
		}
		*dst = *n
	}
	strField := func(k string, dst *string) {
		if s, ok := f.coerceStr(raw[k]); ok && s != "" {
			*dst = s
		}
	}
	intField("total_episode", &row.TotalEpisode, false)
	intField("start_episode", &row.StartEpisode, false)
	intField("best_version", &row.BestVersion, false)
	intField("lack_episode", &row.LackEpisode, true)
	strField("name", &row.Name)
	strField("quality", &row.Quality)
	strField("resolution", &row.Resolution)
	strField("effect", &row.Effect)
	strField("state", &row.State)
	if !v3 {
		strField("username", &row.Username)
	}
	return f.updateResult(true, "")
}

// updateResult is the schemas.Response of update_subscribe and seerr_subscribe. v2.5.6 leaves
// message (None) and data (the schema default, {}) unset: a success is
// {"success":true,"message":null,"data":{}}.
func (f *Fake) updateResult(success bool, msg string) answer {
	if f.opts.Version == V3 {
		return f.result(success, msg, nil)
	}
	var m any
	if msg != "" {
		m = msg
	}
	return jsonAnswer(http.StatusOK, map[string]any{"success": success, "message": m, "data": map[string]any{}})
}

// seerr is POST /api/v1/subscribe/seerr (seerr_subscribe): the raw Authorization header must
// equal API_TOKEN; it answers success at once and queues one add per movie or requested season
// with requestedBy_username as the subscription's user.
func (f *Fake) seerr(r *http.Request, body []byte, call *Call) answer {
	if f.opts.APIToken == "" || r.Header.Get("Authorization") != f.opts.APIToken {
		if f.opts.Version == V3 {
			a := f.detail(http.StatusUnauthorized, "授权失败")
			a.header.Set("WWW-Authenticate", "Bearer")
			return a
		}
		return f.detail(http.StatusBadRequest, "授权失败")
	}
	call.Auth = "authorization-raw"
	raw, ok := decodeObject(body)
	if !ok || len(raw) == 0 {
		if !ok && strings.TrimSpace(string(body)) != "{}" {
			return f.internalError()
		}
		return f.detail(http.StatusInternalServerError, "报文内容为空")
	}
	nt, _ := raw["notification_type"].(string)
	if nt != "MEDIA_APPROVED" && nt != "MEDIA_AUTO_APPROVED" {
		return f.result(false, "不支持的通知类型", nil)
	}
	subject, _ := raw["subject"].(string)
	media, _ := raw["media"].(map[string]any)
	req, _ := raw["request"].(map[string]any)
	var tmdbID int
	if media != nil {
		if n, ok := coerceInt(media["tmdbId"]); ok && n != nil {
			tmdbID = *n
		}
	}
	if subject == "" || tmdbID == 0 {
		return f.result(false, "请求参数不正确", nil)
	}
	user, _ := req["requestedBy_username"].(string)
	queue := func(a addArgs) {
		a.tmdbID, a.name, a.user = tmdbID, subject, user
		f.background = append(f.background, background{after: f.opts.SeerrLag, args: a})
	}
	if mt, _ := media["media_type"].(string); mt == "movie" {
		queue(addArgs{mtype: TypeMovie})
	} else {
		extra, _ := raw["extra"].([]any)
		for _, e := range extra {
			m, _ := e.(map[string]any)
			if m == nil || m["name"] != "Requested Seasons" {
				continue
			}
			value, _ := m["value"].(string)
			for _, part := range strings.Split(value, ", ") {
				n, err := strconv.Atoi(strings.TrimSpace(part))
				if err != nil || !isDigits(part) {
					continue
				}
				queue(addArgs{mtype: TypeTV, season: &n})
			}
			break
		}
	}
	return f.updateResult(true, "")
}
