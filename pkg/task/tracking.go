package task

import (
	"fmt"
	"time"
)

// TrackState is where a delivered subscription stands in MoviePilot (MP_TRACK_INTERVAL).
type TrackState string

const (
	// TrackSubscribed: MoviePilot still has the subscription; nothing downloaded in full yet.
	TrackSubscribed TrackState = "subscribed"
	// TrackDownloaded: MoviePilot finished it (gone from the subscriptions, in the subscribe
	// history). Final.
	TrackDownloaded TrackState = "downloaded"
	// TrackRemoved: gone from MoviePilot without a history row (someone deleted it there).
	// Final: seerrpilot does not create it again.
	TrackRemoved TrackState = "removed"
)

// Final reports whether tracking stops at s.
func (s TrackState) Final() bool { return s == TrackDownloaded || s == TrackRemoved }

// Tracking is what the tracker last learned of an item's subscription in MoviePilot.
type Tracking struct {
	State TrackState `json:"state"`
	// Since is when the item entered State (for subscribed: when it was delivered).
	Since time.Time `json:"since"`
	// Stalled: still subscribed STALLED_AFTER after Since; StalledSince is when that came due.
	Stalled      bool       `json:"stalled"`
	StalledSince *time.Time `json:"stalledSince,omitempty"`
	// Progress is MoviePilot's own, where its version gives it.
	Progress *TrackProgress `json:"progress,omitempty"`
}

// TrackProgress is a subscribed item's progress as MoviePilot reports it.
type TrackProgress struct {
	// TotalEpisodes and LackEpisodes (missing) are a TV season's (both versions);
	// CompletedEpisodes and Status (execution_status) only v3 gives.
	TotalEpisodes     int    `json:"totalEpisodes,omitempty"`
	LackEpisodes      int    `json:"lackEpisodes"`
	CompletedEpisodes int    `json:"completedEpisodes,omitempty"`
	Status            string `json:"status,omitempty"`
}

// Clone deep-copies the tracking (nil stays nil).
func (tr *Tracking) Clone() *Tracking {
	if tr == nil {
		return nil
	}
	c := *tr
	if tr.StalledSince != nil {
		v := *tr.StalledSince
		c.StalledSince = &v
	}
	if tr.Progress != nil {
		p := *tr.Progress
		c.Progress = &p
	}
	return &c
}

// TrackSummary is a task's tracking at a glance (Task.Tracking): State is "subscribed" while
// any item is still waiting in MoviePilot, else "removed" if any was removed there, else
// "downloaded". Stalled: some item is stalled.
type TrackSummary struct {
	State      TrackState `json:"state"`
	Stalled    bool       `json:"stalled"`
	Subscribed int        `json:"subscribed"`
	Downloaded int        `json:"downloaded"`
	Removed    int        `json:"removed"`
}

// SummarizeTracking sums the items' tracking; nil when no item is tracked.
func SummarizeTracking(items []Item) *TrackSummary {
	var s TrackSummary
	tracked := false
	for _, it := range items {
		if it.Tracking == nil {
			continue
		}
		tracked = true
		switch it.Tracking.State {
		case TrackSubscribed:
			s.Subscribed++
			s.Stalled = s.Stalled || it.Tracking.Stalled
		case TrackDownloaded:
			s.Downloaded++
		case TrackRemoved:
			s.Removed++
		}
	}
	if !tracked {
		return nil
	}
	switch {
	case s.Subscribed > 0:
		s.State = TrackSubscribed
	case s.Removed > 0:
		s.State = TrackRemoved
	default:
		s.State = TrackDownloaded
	}
	return &s
}

// String says the summary in plain words: "downloaded", "removed in MoviePilot (1 of 2)",
// "subscribed (1 of 2 downloaded), stalled".
func (s *TrackSummary) String() string {
	if s == nil {
		return ""
	}
	n := s.Subscribed + s.Downloaded + s.Removed
	var out string
	switch s.State {
	case TrackDownloaded:
		out = "downloaded"
	case TrackRemoved:
		out = "removed in MoviePilot"
		if n > 1 {
			out += fmt.Sprintf(" (%d of %d)", s.Removed, n)
		}
	default:
		out = "subscribed"
		if s.Downloaded > 0 {
			out += fmt.Sprintf(" (%d of %d downloaded)", s.Downloaded, n)
		}
	}
	if s.Stalled {
		out += ", stalled"
	}
	return out
}
