package task

import "testing"

func TestSummarizeTracking(t *testing.T) {
	tr := func(s TrackState, stalled bool) Item { return Item{Tracking: &Tracking{State: s, Stalled: stalled}} }
	for _, c := range []struct {
		items []Item
		want  string
	}{
		{[]Item{{}}, ""},
		{[]Item{tr(TrackDownloaded, false)}, "downloaded"},
		{[]Item{tr(TrackDownloaded, false), tr(TrackSubscribed, true)}, "subscribed (1 of 2 downloaded), stalled"},
		{[]Item{tr(TrackDownloaded, false), tr(TrackRemoved, false)}, "removed in MoviePilot (1 of 2)"},
		{[]Item{tr(TrackRemoved, false), {}}, "removed in MoviePilot"},
	} {
		if got := SummarizeTracking(c.items).String(); got != c.want {
			t.Errorf("%d items: %q, want %q", len(c.items), got, c.want)
		}
	}
}
