package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStartServesBothFakes(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	}()

	resp, err := http.Get(s.SeerrURL + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"version":"3.1.0"`) {
		t.Fatalf("seerr status: %s", body)
	}

	resp, err = http.Get(s.MPURL + "/_sandbox/subscriptions")
	if err != nil {
		t.Fatal(err)
	}
	var subs []Sub
	err = json.NewDecoder(resp.Body).Decode(&subs)
	resp.Body.Close()
	if err != nil || subs == nil || len(subs) != 0 {
		t.Fatalf("subscriptions: %v %v", subs, err)
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	if _, err := Start(Options{SeerrAddr: "0.0.0.0:0"}); err == nil {
		t.Fatal("listened on a non-loopback address")
	}
}

// TestFinishAndDelete: the sandbox lets a caller finish or delete a subscription, as MoviePilot
// (or its user) would, to watch seerrpilot's tracking.
func TestFinishAndDelete(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close(context.Background()) }()
	for _, body := range []string{`{"name":"Heat","type":"电影","tmdbid":949}`, `{"name":"BB","type":"电视剧","tmdbid":7,"season":1,"total_episode":8}`} {
		req, _ := http.NewRequest(http.MethodPost, s.MPURL+"/api/v1/subscribe/", strings.NewReader(body))
		req.Header.Set("X-API-KEY", s.MPToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	post := func(path string) int {
		resp, err := http.Post(s.MPURL+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if a, b, c := post("/_sandbox/subscriptions/1/finish"), post("/_sandbox/subscriptions/2/delete"), post("/_sandbox/subscriptions/2/delete"); a != 204 || b != 204 || c != 404 {
		t.Fatalf("finish %d, delete %d, delete again %d", a, b, c)
	}
	if subs := s.Subscriptions(); len(subs) != 0 {
		t.Fatalf("left: %+v", subs)
	}
	req, _ := http.NewRequest(http.MethodGet, s.MPURL+"/api/v1/subscribe/history/%E7%94%B5%E5%BD%B1", nil)
	req.Header.Set("X-API-KEY", s.MPToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"tmdbid":949`) {
		t.Fatalf("history: %s", body)
	}
}
