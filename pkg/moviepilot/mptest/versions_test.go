package mptest

import (
	"encoding/json"
	"strings"
	"testing"
)

// Both versions deduplicate TV on (tmdbid, season). v2 finds a movie by tmdbid alone (so a
// show with that number answers for it); v3's identity includes the season, and a duplicate
// says 订阅已存在.
func TestDuplicatesAndNumberCollisionPerVersion(t *testing.T) {
	for _, v := range []string{V2, V3} {
		t.Run(v, func(t *testing.T) {
			s := newServer(t, Options{Version: v, AcceptAPIKey: true})
			key := map[string]string{"X-API-KEY": apiToken}
			show := `{"name":"Breaking Bad","type":"电视剧","tmdbid":1396,"media_source":"themoviedb","media_id":"1396","season":1}`
			movie := `{"name":"Mirror","type":"电影","tmdbid":1396,"media_source":"themoviedb","media_id":"1396"}`
			if v == V2 {
				show = strings.Replace(show, `,"media_source":"themoviedb","media_id":"1396"`, "", 1)
				movie = strings.Replace(movie, `,"media_source":"themoviedb","media_id":"1396"`, "", 1)
			}
			first := create(t, s, key, show).json(t)
			again := create(t, s, key, show).json(t)
			m := create(t, s, key, movie).json(t)
			id := func(m map[string]any) any { return m["data"].(map[string]any)["id"] }
			if id(first) != id(again) || again["success"] != true {
				t.Fatalf("duplicate: %v then %v", first, again)
			}
			wantMsg := map[string]string{V2: "", V3: "订阅已存在"}[v]
			if again["message"] != wantMsg {
				t.Fatalf("duplicate message %q, want %q", again["message"], wantMsg)
			}
			rows := s.Subscriptions()
			if v == V2 {
				if id(m) != id(first) || len(rows) != 1 {
					t.Fatalf("v2 movie: %v, rows %+v", m, rows)
				}
			} else if id(m) == id(first) || len(rows) != 2 || rows[1].Type != TypeMovie || rows[1].Season != nil {
				t.Fatalf("v3 movie: %v, rows %+v", m, rows)
			}
		})
	}
}

// GET /subscribe/{id}: v2 answers the row or a plain-text 500; v3 the enveloped row or an empty object.
// PUT /subscribe/: v2 writes username (and fills fields the body leaves out with the schema's
// defaults); v3 never changes username and writes only what was sent.
func TestGetAndUpdatePerVersion(t *testing.T) {
	for _, v := range []string{V2, V3} {
		t.Run(v, func(t *testing.T) {
			s := newServer(t, Options{Version: v, AcceptAPIKey: true})
			key := map[string]string{"X-API-KEY": apiToken}
			create(t, s, key, `{"name":"BB","type":"电视剧","tmdbid":7,"media_source":"themoviedb","media_id":"7","season":1,"total_episode":8}`)
			got := do(t, s, req{method: "GET", path: "/api/v1/subscribe/1", header: key}).json(t)
			if v == V3 {
				if got["success"] != true {
					t.Fatalf("v3 get not enveloped: %v", got)
				}
				got = got["data"].(map[string]any)
			}
			if got["username"] != "admin" || got["id"] != float64(1) {
				t.Fatalf("get: %v", got)
			}
			missing := do(t, s, req{method: "GET", path: "/api/v1/subscribe/99", header: key})
			if (v == V2 && (missing.status != 500 || missing.body != "Internal Server Error")) || (v == V3 && !strings.Contains(missing.body, `"id":null`)) {
				t.Fatalf("missing id: %s", missing.body)
			}
			up := do(t, s, req{method: "PUT", path: "/api/v1/subscribe/", body: `{"id":1,"username":"alice"}`, ctype: "application/json", header: key}).json(t)
			if up["success"] != true {
				t.Fatalf("update: %v", up)
			}
			row := s.Subscriptions()[0]
			switch v {
			case V2:
				if row.Username != "alice" || row.TotalEpisode != 0 {
					t.Fatalf("v2 update: %+v (username written, total_episode reset to the default)", row)
				}
			case V3:
				if row.Username != "admin" || row.TotalEpisode != 8 {
					t.Fatalf("v3 update: %+v (username kept, unsent fields kept)", row)
				}
			}
			if r := do(t, s, req{method: "PUT", path: "/api/v1/subscribe/", body: `{"id":42}`, ctype: "application/json", header: key}).json(t); r["success"] != false {
				t.Fatalf("update of a missing id: %v", r)
			}
		})
	}
}

// POST /subscribe/seerr: raw API token (v2 400, v3 401 otherwise); success before acting; one
// add per requested season, season 0 as 1, none without "Requested Seasons"; the requester
// owns the rows.
func TestSeerrEndpoint(t *testing.T) {
	for _, v := range []string{V2, V3} {
		t.Run(v, func(t *testing.T) {
			s := newServer(t, Options{Version: v, SeerrLag: 2})
			post := func(auth, body string) resp {
				return do(t, s, req{method: "POST", path: "/api/v1/subscribe/seerr", body: body, ctype: "application/json",
					header: map[string]string{"Authorization": auth}})
			}
			tv := `{"notification_type":"MEDIA_APPROVED","subject":"BB","media":{"media_type":"tv","tmdbId":"1396"},` +
				`"request":{"requestedBy_username":"bob"},"extra":[{"name":"Requested Seasons","value":"0, 2"}]}`
			if r := post("Bearer "+apiToken, tv); r.status != map[string]int{V2: 400, V3: 401}[v] || !strings.Contains(r.body, "授权失败") {
				t.Fatalf("bearer form: %d %s", r.status, r.body)
			}
			r := post(apiToken, tv)
			if r.status != 200 || r.json(t)["success"] != true || len(s.Subscriptions()) != 0 {
				t.Fatalf("answer %d %s, rows %+v (must answer before acting)", r.status, r.body, s.Subscriptions())
			}
			noSeasons := strings.Replace(tv, `"Requested Seasons"`, `"Requested Episodes"`, 1)
			if r := post(apiToken, noSeasons); r.json(t)["success"] != true {
				t.Fatalf("no seasons: %s", r.body)
			}
			do(t, s, req{method: "GET", path: "/api/v1/nope"}) // the second request after the add: not yet
			if n := len(s.Subscriptions()); n != 0 || s.PendingSeerrAdds() != 2 {
				t.Fatalf("ran early: %d rows, %d pending", n, s.PendingSeerrAdds())
			}
			do(t, s, req{method: "GET", path: "/api/v1/nope"})
			rows := s.Subscriptions()
			if len(rows) != 2 || *rows[0].Season != 1 || *rows[1].Season != 2 || rows[0].Username != "bob" {
				t.Fatalf("rows %+v", rows)
			}
		})
	}
}

// v3: list endpoints page with page/count and send X-Total-Count; auth failures are 401.
func TestV3ListPagingAndAuth(t *testing.T) {
	s := newServer(t, Options{Version: V3, AcceptAPIKey: true})
	key := map[string]string{"X-API-KEY": apiToken}
	for _, id := range []string{"1", "2", "3"} {
		create(t, s, key, `{"name":"M`+id+`","type":"电影","media_source":"themoviedb","media_id":"`+id+`"}`)
	}
	r := do(t, s, req{method: "GET", path: "/api/v1/subscribe/", query: "page=2&count=2", header: key})
	m := r.json(t)
	data, _ := m["data"].([]any)
	if r.header.Get("X-Total-Count") != "3" || len(data) != 1 || data[0].(map[string]any)["media_id"] != "3" {
		t.Fatalf("page 2: %s %s", r.header.Get("X-Total-Count"), r.body)
	}
	for _, h := range []map[string]string{{"X-API-KEY": "wrong"}, {"Authorization": "Bearer not.a.jwt"}, nil} {
		if r := do(t, s, req{method: "GET", path: "/api/v1/subscribe/", header: h}); r.status != 401 || r.json(t)["success"] != false {
			t.Fatalf("%v: %d %s", h, r.status, r.body)
		}
	}
	// The old tmdb:123 form without media_source is a 422 (in an envelope).
	if r := do(t, s, req{method: "GET", path: "/api/v1/subscribe/media/tmdb:1", header: key}); r.status != 422 || r.json(t)["success"] != false {
		t.Fatalf("old lookup form: %d %s", r.status, r.body)
	}
}

// TestFinishAndDeletePerVersion: Finish moves a subscription to the history of its type (a row
// with an id of its own, the completion date, lack_episode 0), Delete leaves none; the history
// pages with page/count (v3 enveloped, with X-Total-Count).
func TestFinishAndDeletePerVersion(t *testing.T) {
	for _, v := range []string{V2, V3} {
		t.Run(v, func(t *testing.T) {
			s := newServer(t, Options{Version: v, AcceptAPIKey: true})
			key := map[string]string{"X-API-KEY": apiToken}
			create(t, s, key, `{"name":"Heat","type":"电影","tmdbid":949,"media_source":"themoviedb","media_id":"949"}`)
			create(t, s, key, `{"name":"BB","type":"电视剧","tmdbid":7,"media_source":"themoviedb","media_id":"7","season":1,"total_episode":8}`)
			if !s.Finish(1) || !s.Delete(2) || s.Finish(1) || s.Delete(99) {
				t.Fatal("Finish/Delete report the wrong existence")
			}
			if n := len(s.Subscriptions()); n != 0 {
				t.Fatalf("%d rows left", n)
			}
			hist := func(mtype, query string) (resp, []any) {
				r := do(t, s, req{method: "GET", path: "/api/v1/subscribe/history/" + mtype, query: query, header: key})
				var list []any
				if r.status != 200 {
					return r, nil
				}
				if v == V3 {
					list, _ = r.json(t)["data"].([]any)
				} else if err := json.Unmarshal([]byte(r.body), &list); err != nil {
					t.Fatalf("v2 history is not a bare list: %s", r.body)
				}
				return r, list
			}
			r, movies := hist("电影", "page=1&count=30")
			if r.status != 200 || len(movies) != 1 {
				t.Fatalf("movie history: %d %s", r.status, r.body)
			}
			row := movies[0].(map[string]any)
			if row["tmdbid"] != float64(949) || row["id"] != float64(1) || row["lack_episode"] != float64(0) || row["date"] == nil || row["state"] != nil {
				t.Fatalf("history row: %v", row)
			}
			if v == V3 && r.header.Get("X-Total-Count") != "1" {
				t.Fatalf("v3 history total: %q", r.header.Get("X-Total-Count"))
			}
			if _, tv := hist("电视剧", ""); len(tv) != 0 {
				t.Fatalf("a deleted subscription left history: %v", tv)
			}
			if _, none := hist("电影", "page=2&count=30"); len(none) != 0 {
				t.Fatalf("page 2: %v", none)
			}
			if r, _ := hist("电影", "page=x"); r.status != 422 {
				t.Fatalf("bad page: %d", r.status)
			}
		})
	}
}

// TestV2ReusesIDs: 2.5.6 gives the next subscription max(id)+1, so the id of a finished newest
// row names another subscription afterwards; v3 ids only grow. GET of id 0 is the all-null
// object; DELETE answers success with or without the row.
func TestV2ReusesIDs(t *testing.T) {
	for _, v := range []string{V2, V3} {
		t.Run(v, func(t *testing.T) {
			s := newServer(t, Options{Version: v, AcceptAPIKey: true})
			key := map[string]string{"X-API-KEY": apiToken}
			create(t, s, key, `{"name":"A","type":"电影","tmdbid":603,"media_source":"themoviedb","media_id":"603"}`)
			create(t, s, key, `{"name":"B","type":"电影","tmdbid":604,"media_source":"themoviedb","media_id":"604"}`)
			s.Finish(2)
			create(t, s, key, `{"name":"C","type":"电影","tmdbid":680,"media_source":"themoviedb","media_id":"680"}`)
			subs := s.Subscriptions()
			want := 3
			if v == V2 {
				want = 2
			}
			if subs[len(subs)-1].ID != want {
				t.Fatalf("new id %d, want %d", subs[len(subs)-1].ID, want)
			}
			zero := do(t, s, req{method: "GET", path: "/api/v1/subscribe/0", header: key})
			if zero.status != 200 || !strings.Contains(zero.body, `"id":null`) || !strings.Contains(zero.body, `"total_episode":null`) {
				t.Fatalf("id 0: %d %s", zero.status, zero.body)
			}
			for i := 0; i < 2; i++ {
				del := do(t, s, req{method: "DELETE", path: "/api/v1/subscribe/1", header: key})
				// Real 2.5.6: {"success":true,"message":null,"data":{}}.
				if del.status != 200 || !strings.Contains(del.body, `"success":true`) || (v == V2 && !strings.Contains(del.body, `"message":null,`)) {
					t.Fatalf("delete: %d %s", del.status, del.body)
				}
			}
			if len(s.Subscriptions()) != 1 {
				t.Fatalf("after delete: %+v", s.Subscriptions())
			}
		})
	}
}
