package seerrtest

// AddSeasons adds seasons to an existing TV request the way an edit does on Seerr 3.1
// (PUT /request/{id} with more seasons, server/routes/request.ts): each new season is a
// SeasonRequest with status PENDING; the request itself keeps its status and its updatedAt
// (only the season rows are written), and no notification is sent. Seasons the request
// already has are left alone. It reports whether the request exists and is a TV request.
func (f *Fake) AddSeasons(id int, seasons ...int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests[id]
	if r == nil || r.typ != "tv" {
		return false
	}
	now := f.tick()
	for _, n := range seasons {
		known := false
		for _, s := range r.seasons {
			known = known || s.number == n
		}
		if !known {
			r.seasons = append(r.seasons, season{id: f.nextSeas, number: n, status: 1, created: now, updated: now})
			f.nextSeas++
		}
	}
	return true
}
