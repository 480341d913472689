package notify

import (
	"fmt"
	"sort"
	"strings"
)

// Event is a kind of notice (NOTIFY_EVENTS values; also the metric's event label).
type Event string

// The events. Failed, Paused, Unreachable and Reconcile are on by default; Delivered and
// Downloaded are opt-in (they fire for every request).
const (
	EventFailed      Event = "failed"      // a task failed: it needs a person
	EventPaused      Event = "paused"      // the worker paused: MoviePilot auth failing
	EventUnreachable Event = "unreachable" // MoviePilot unreachable for longer than NOTIFY_UNREACHABLE_AFTER
	EventReconcile   Event = "reconcile"   // reconcile passes with Seerr failing
	EventDelivered   Event = "delivered"   // a task succeeded: MoviePilot has the subscription
	EventDownloaded  Event = "downloaded"  // MoviePilot finished the download (fed by Downloaded)
	eventTest        Event = "test"        // a test notice (metric label only)
)

// AllEvents lists every event NOTIFY_EVENTS accepts, in message order.
var AllEvents = []Event{EventFailed, EventPaused, EventUnreachable, EventReconcile, EventDelivered, EventDownloaded}

// DefaultEvents is NOTIFY_EVENTS' default.
const DefaultEvents = "failed,paused,unreachable,reconcile"

// Events is a set of enabled events.
type Events map[Event]bool

// ParseEvents reads NOTIFY_EVENTS: a comma-separated list of event names, "all" (every event)
// or "none". Case and spaces do not matter; an unknown name is an error that lists the allowed.
func ParseEvents(raw string) (Events, error) {
	out := Events{}
	for _, part := range strings.Split(raw, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		switch name {
		case "":
			continue
		case "all":
			for _, e := range AllEvents {
				out[e] = true
			}
			continue
		case "none":
			continue
		}
		known := false
		for _, e := range AllEvents {
			if Event(name) == e {
				out[e], known = true, true
			}
		}
		if !known {
			names := make([]string, len(AllEvents))
			for i, e := range AllEvents {
				names[i] = string(e)
			}
			return nil, fmt.Errorf("unknown event %q: allowed %s, all, none (comma-separated)", part, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// String lists the enabled events in a stable order.
func (e Events) String() string {
	var names []string
	for ev, on := range e {
		if on {
			names = append(names, string(ev))
		}
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}
