package mptest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// sameJSON fails unless got and want are the same JSON value.
func sameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: %q is not JSON: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// The answers of update_subscribe and seerr_subscribe, as a real MoviePilot v2.5.6 sent them
// (2026-12-05): schemas.Response with message None and data the schema default {}.
func TestV2ResponsesLikeReal256(t *testing.T) {
	s := newServer(t, Options{})
	auth := bearer(login(t, s))
	create(t, s, auth, `{"name":"绝命毒师","tmdbid":1396,"type":"电视剧","season":1,"total_episode":7}`)

	r := do(t, s, req{method: "PUT", path: "/api/v1/subscribe/", body: `{"id":1,"username":"bob","total_episode":7}`, ctype: "application/json", header: auth})
	sameJSON(t, "update", r.body, `{"success":true,"message":null,"data":{}}`)
	r = do(t, s, req{method: "PUT", path: "/api/v1/subscribe/", body: `{"id":42}`, ctype: "application/json", header: auth})
	sameJSON(t, "update of a missing id", r.body, `{"success":false,"message":"订阅不存在","data":{}}`)

	// POST /api/v1/subscribe/seerr with the API token as the raw Authorization header.
	seerr := `{"notification_type":"MEDIA_APPROVED","subject":"Stub Movie 108 (2020)","media":{"media_type":"movie","tmdbId":"108"},"request":{"request_id":"6","requestedBy_username":"friend"},"extra":[]}`
	r = do(t, s, req{method: "POST", path: "/api/v1/subscribe/seerr", body: seerr, ctype: "application/json", header: map[string]string{"Authorization": apiToken}})
	sameJSON(t, "seerr", r.body, `{"success":true,"message":null,"data":{}}`)
	r = do(t, s, req{method: "POST", path: "/api/v1/subscribe/seerr", body: seerr, ctype: "application/json", header: map[string]string{"Authorization": "wrong"}})
	if r.status != 400 {
		t.Fatalf("seerr with a wrong token: %d", r.status)
	}
	sameJSON(t, "seerr with a wrong token", r.body, `{"detail":"授权失败"}`)
}
