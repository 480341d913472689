package web

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

type fakeExtras struct {
	backlog *Backlog
	tracked map[string]int
}

func (e fakeExtras) Backlog() *Backlog       { return e.backlog }
func (e fakeExtras) Tracked() map[string]int { return e.tracked }

// TestTrackingOnThePage: each item's tracking in plain words (EN and 中文), the stalled flag,
// and the tracking counts.
func TestTrackingOnThePage(t *testing.T) {
	f := newFixture(t, fixtureOpts{token: testToken, extras: fakeExtras{tracked: map[string]int{"subscribed": 2, "stalled": 1, "downloaded": 5, "removed": 1}}})
	due := time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC)
	f.add(t, seed{in: task.Input{RequestID: 1, TMDBID: 95396, MediaType: task.TypeTV, Title: "Severance",
		Seasons: []task.SeasonRequest{{Season: 1}, {Season: 2}, {Season: 3}}}, status: task.StatusSuccess, items: []task.Item{
		{Season: ptr(1), State: task.ItemSubscribed, MPSubscriptionID: 13, Tracking: &task.Tracking{State: task.TrackDownloaded}},
		{Season: ptr(2), State: task.ItemSubscribed, MPSubscriptionID: 14, Tracking: &task.Tracking{State: task.TrackSubscribed,
			Stalled: true, StalledSince: &due, Progress: &task.TrackProgress{TotalEpisodes: 10, LackEpisodes: 3}}},
		{Season: ptr(3), State: task.ItemExisting, MPSubscriptionID: 15, Tracking: &task.Tracking{State: task.TrackRemoved}},
	}})
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	en := html.UnescapeString(f.do(t, req{path: "/", header: bearer}).body)
	for _, want := range []string{"S1 #13 · ", ">downloaded<", "subscribed · 3 of 10 episodes missing", "stalled since 2026-11-15",
		"removed in MoviePilot", `data-track="stalled"><span class="n">1</span> stalled`, `<span class="n">5</span> downloaded`} {
		if !strings.Contains(en, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	zh := html.UnescapeString(f.do(t, req{path: "/", header: map[string]string{"Authorization": "Bearer " + testToken, "Accept-Language": "zh"}}).body)
	for _, want := range []string{"已下载", "已订阅 · 10 集中缺 3 集", "自 2026-11-15 起停滞", "已在 MoviePilot 中删除", "在 MoviePilot 中"} {
		if !strings.Contains(zh, want) {
			t.Errorf("zh page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(en)
	}
}

// TestBacklogBanner: the first start's backlog shows while its requests are still waiting,
// and goes once nothing waits.
func TestBacklogBanner(t *testing.T) {
	ex := &fakeExtras{backlog: &Backlog{Found: 120, Queued: 97}}
	f := newFixture(t, fixtureOpts{token: testToken, extras: ex})
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	tk := f.add(t, seed{in: task.Input{RequestID: 1, TMDBID: 603, MediaType: task.TypeMovie, Title: "The Matrix"}})
	a := f.do(t, req{path: "/", header: bearer})
	if !strings.Contains(a.body, `id="backlog"`) || !strings.Contains(a.body, "found 120 approved requests in Seerr; 97 were queued for delivery to MoviePilot, 1 still waiting") {
		t.Fatalf("no backlog banner:\n%s", a.body)
	}
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ex.backlog.Since = &since
	if a := f.do(t, req{path: "/", header: map[string]string{"Authorization": "Bearer " + testToken, "Accept-Language": "zh"}}); !strings.Contains(a.body, "首次启动：在 Seerr 中找到 120 个自 2026-11-01 以来已批准的请求") {
		t.Fatalf("no zh banner:\n%s", a.body)
	}
	if _, err := f.store.Cancel(t.Context(), tk.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if a := f.do(t, req{path: "/", header: bearer}); strings.Contains(a.body, `id="backlog"`) {
		t.Fatal("the banner stays after the backlog is delivered")
	}
	ex.backlog, ex.tracked = nil, nil
	if a := f.do(t, req{path: "/", header: bearer}); strings.Contains(a.body, `id="tracked"`) {
		t.Fatal("tracking counts shown before any round")
	}
}
