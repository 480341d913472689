package notify

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clean"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// maxReason bounds each "why" line: a notice is read on a phone.
const maxReason = 300

// section is how one event reads in a notice.
type section struct {
	one, many string // title for one item / for n items (%d)
	heading   string // list heading
	todo      string // what to do
}

var sections = map[Event]section{
	EventFailed: {one: "request failed", many: "%d requests failed", heading: "Failed (needs you)",
		todo: "What to do: read the reason, fix its cause, then retry the task (POST /api/v1/tasks/{id}/retry or the MCP tool retry_task). All failed tasks: GET /api/v1/tasks?status=failed."},
	EventPaused: {one: "MoviePilot sign-in failing", many: "MoviePilot sign-in failing", heading: "MoviePilot sign-in",
		todo: "What to do: check MP_TOKEN (or MP_USERNAME / MP_PASSWORD) and MP_AUTH_SCHEME; `seerrpilot doctor` says what is wrong."},
	EventUnreachable: {one: "MoviePilot unreachable", many: "MoviePilot unreachable", heading: "MoviePilot reachability",
		todo: "What to do: check that MoviePilot runs and that MP_URL reaches it; waiting tasks go as soon as it answers."},
	EventReconcile: {one: "reconcile failing", many: "reconcile failing", heading: "Reconcile",
		todo: "What to do: check that Seerr runs and JELLY_URL / JELLY_API_KEY; `seerrpilot doctor` says what is wrong."},
	EventDelivered:  {one: "subscribed in MoviePilot", many: "%d requests subscribed in MoviePilot", heading: "Subscribed in MoviePilot"},
	EventDownloaded: {one: "downloaded", many: "%d requests downloaded", heading: "Downloaded"},
}

// compose writes one notice for a batch: a short title and, per event in a fixed order, the
// items (at most maxListed, then "…and N more"), why, and what to do.
func compose(items []item, dropped map[Event]int, maxListed int) (title, body string) {
	byEvent := map[Event][]item{}
	var recovered []item
	for _, it := range items {
		if it.recovered {
			recovered = append(recovered, it)
			continue
		}
		byEvent[it.event] = append(byEvent[it.event], it)
	}
	var b strings.Builder
	var titles []string
	for _, ev := range AllEvents {
		list := byEvent[ev]
		total := len(list) + dropped[ev]
		if total == 0 {
			continue
		}
		sec := sections[ev]
		switch {
		case total == 1 && len(list) == 1 && list[0].id != "":
			titles = append(titles, sec.one+": "+list[0].head)
		case total == 1 || !strings.Contains(sec.many, "%d"):
			titles = append(titles, sec.one)
		default:
			titles = append(titles, fmt.Sprintf(sec.many, total))
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if total > 1 {
			fmt.Fprintf(&b, "%s (%d):\n", sec.heading, total)
		} else {
			b.WriteString(sec.heading + ":\n")
		}
		for i, it := range list {
			if i == maxListed {
				break
			}
			b.WriteString("• " + it.head)
			if it.id != "" {
				b.WriteString(" [" + it.id + "]")
			}
			b.WriteString("\n")
			if it.reason != "" {
				b.WriteString("  Why: " + oneLine(it.reason) + "\n")
			}
		}
		if more := total - min(len(list), maxListed); more > 0 {
			fmt.Fprintf(&b, "…and %d more.\n", more)
		}
		if sec.todo != "" {
			b.WriteString(sec.todo + "\n")
		}
	}
	if len(recovered) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("Back to normal:\n")
		for _, it := range recovered {
			b.WriteString("• " + it.head + "\n")
		}
		titles = append(titles, "back to normal")
	}
	return "seerrpilot: " + strings.Join(titles, "; "), strings.TrimRight(b.String(), "\n")
}

// describe names a task for a person: its title (or what it is), and who asked for it.
func describe(t task.Task) string {
	in := t.Input
	name := clean.Title(in.Title)
	if name == "" {
		kind := "movie"
		if in.MediaType == task.TypeTV {
			kind = "show"
		}
		name = kind + " TMDB " + strconv.Itoa(in.TMDBID)
	} else if in.Year > 0 {
		name += " (" + strconv.Itoa(in.Year) + ")"
	}
	name = trunc.Mark(name, 120)
	if by := clean.Title(in.RequestedBy); by != "" {
		name += ", requested by " + trunc.Mark(by, 60)
	}
	return name
}

// oneLine makes a reason fit one bounded line.
func oneLine(s string) string {
	return trunc.Mark(strings.Join(strings.Fields(clean.Title(s)), " "), maxReason)
}

func eventsOf(items []item) []Event {
	seen := map[Event]bool{}
	var out []Event
	for _, it := range items {
		if !seen[it.event] {
			seen[it.event] = true
			out = append(out, it.event)
		}
	}
	return out
}

// roundDur writes a duration for people: 40s, 12m, 1h5m, 2h.
func roundDur(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	s := d.Round(time.Minute).String() // "12m0s", "1h5m0s", "2h0m0s"
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
