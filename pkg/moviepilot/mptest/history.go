package mptest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// historyRow is one subscribe history row: SubscribeOper.add_history copies the finished
// subscription's fields (minus its id: the row gets an id of its own) and sets "date" to the
// completion time; lack_episode, state and the v3 progress fields are not in the table.
type historyRow struct {
	id  int
	sub Subscription
	at  string // "2006-01-02 15:04:05", MoviePilot's local time
}

// Finish does what MoviePilot does when a subscription completes (SubscribeChain's
// __finish_subscribe): the row moves to the subscribe history, stamped with the fake's clock,
// and leaves the subscription table. It reports whether the id existed.
func (f *Fake) Finish(id int) bool {
	return f.withRow(id, func(i int) {
		f.nextHistID++
		f.history = append(f.history, historyRow{id: f.nextHistID, sub: f.subs[i].clone(),
			at: f.opts.Now().Format("2006-01-02 15:04:05")})
		f.subs = append(f.subs[:i], f.subs[i+1:]...)
	})
}

// Delete removes a subscription without a history row, as a user deleting it in MoviePilot
// (DELETE /api/v1/subscribe/{id}) does. It reports whether the id existed.
func (f *Fake) Delete(id int) bool {
	return f.withRow(id, func(i int) { f.subs = append(f.subs[:i], f.subs[i+1:]...) })
}

// SetProgress sets a subscription's missing episodes (lack_episode, both versions) and v3's
// completed_episode and execution_status, as MoviePilot's search and download jobs do.
func (f *Fake) SetProgress(id, lack, completed int, status string) bool {
	return f.withRow(id, func(i int) {
		f.subs[i].LackEpisode, f.subs[i].CompletedEpisode, f.subs[i].ExecutionStatus = lack, completed, status
	})
}

// withRow runs fn on the position of subscription id under the lock; false: no such id.
func (f *Fake) withRow(id int, fn func(i int)) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.index(id)
	if i < 0 {
		return false
	}
	fn(i)
	return true
}

// pathID is the id at the end of /api/v1/subscribe/{id}.
func (f *Fake) pathID(r *http.Request) int {
	id, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/api/v1/subscribe/"))
	return id
}

// index finds a subscription's position; f.mu is held.
func (f *Fake) index(id int) int {
	for i := range f.subs {
		if f.subs[i].ID == id {
			return i
		}
	}
	return -1
}

// subscribeHistory is GET /api/v1/subscribe/history/{mtype}?page=1&count=30
// (SubscribeHistory.list_by_type): the rows whose type equals mtype, newest date first,
// offset (page-1)*count, limit count, rendered as schemas.Subscribe. v3 envelopes the list and
// sends the total in X-Total-Count.
func (f *Fake) subscribeHistory(r *http.Request) answer {
	mtype := strings.TrimPrefix(r.URL.Path, historyPrefix)
	q := r.URL.Query()
	page, count := 1, 30
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"count", &count}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return f.validation([]issue{{Loc: []any{"query", p.name}, Msg: "value is not a valid integer", Type: "type_error.integer"}})
			}
			*p.dst = n
		}
	}
	var rows []historyRow
	for _, h := range f.history {
		if h.sub.Type == mtype {
			rows = append(rows, h)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		return rows[i].at > rows[j].at || (rows[i].at == rows[j].at && rows[i].id > rows[j].id)
	})
	total := len(rows)
	// OFFSET (page-1)*count LIMIT count in sqlite: a negative offset is 0, a negative limit
	// none.
	start := min(max((page-1)*count, 0), len(rows))
	end := len(rows)
	if count >= 0 {
		end = min(start+count, len(rows))
	}
	rows = rows[start:end]
	out := make([]map[string]any, 0, len(rows))
	for _, h := range rows {
		s := h.sub
		s.ID, s.LackEpisode, s.State = h.id, 0, ""
		s.CompletedEpisode, s.ExecutionStatus = 0, ""
		m := f.subscribeJSON(&s)
		m["date"], m["state"] = h.at, nil
		if f.opts.Version == V3 {
			m["execution_status"], m["completed_episode"] = nil, 0
		}
		out = append(out, m)
	}
	a := f.data(out)
	if f.opts.Version == V3 {
		a.header.Set("X-Total-Count", strconv.Itoa(total))
	}
	return a
}

// historyPrefix is the subscribe history route, before the media type.
const historyPrefix = "/api/v1/subscribe/history/"
