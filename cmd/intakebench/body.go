package main

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/seerrpilot/seerrpilot/webhook/webhooktest"
)

// The body every sender posts is Seerr's default template rendered once by webhooktest with
// placeholder ids; per request only the ids are spliced in, so the load generator does not
// spend the shared cores re-rendering. checkBodies proves the splice equals a fresh render.
const (
	markRequest = 987654321
	markTMDB    = 876543219
	benchTitle  = "Intake Bench Movie"
	benchYear   = 2024
)

// tmdbFor gives every request its own movie, as distinct approvals would have.
func tmdbFor(id int) int { return 100000 + id }

type slot uint8

const (
	slotRequest slot = iota
	slotTMDB
)

// bodyTemplate is a rendered body cut at the id placeholders: lit[0] v0 lit[1] v1 ... lit[n].
type bodyTemplate struct {
	lit   [][]byte
	slots []slot
	size  int
}

func newBodyTemplate() (*bodyTemplate, error) {
	raw, err := webhooktest.Render(webhooktest.MovieApproved(markRequest, markTMDB, benchTitle, benchYear))
	if err != nil {
		return nil, err
	}
	req, tmdb := []byte(strconv.Itoa(markRequest)), []byte(strconv.Itoa(markTMDB))
	t := &bodyTemplate{}
	rest := raw
	for {
		i, j := bytes.Index(rest, req), bytes.Index(rest, tmdb)
		if i < 0 && j < 0 {
			break
		}
		if j < 0 || (i >= 0 && i < j) {
			t.lit = append(t.lit, rest[:i])
			t.slots = append(t.slots, slotRequest)
			rest = rest[i+len(req):]
		} else {
			t.lit = append(t.lit, rest[:j])
			t.slots = append(t.slots, slotTMDB)
			rest = rest[j+len(tmdb):]
		}
	}
	t.lit = append(t.lit, rest)
	if len(t.slots) == 0 {
		return nil, fmt.Errorf("rendered body holds no request id placeholder")
	}
	t.size = len(raw)
	return t, nil
}

// body returns the approval for request id (a fresh slice each time: the transport may keep it).
func (t *bodyTemplate) body(id int) []byte {
	b := make([]byte, 0, t.size+16)
	for i, s := range t.slots {
		b = append(b, t.lit[i]...)
		switch s {
		case slotRequest:
			b = strconv.AppendInt(b, int64(id), 10)
		case slotTMDB:
			b = strconv.AppendInt(b, int64(tmdbFor(id)), 10)
		}
	}
	return append(b, t.lit[len(t.lit)-1]...)
}

// check compares the splice with webhooktest.Render for a spread of ids.
func (t *bodyTemplate) check() error {
	for _, id := range []int{1, 9, 10, 99, 12345, 500000, 1 << 30} {
		want, err := webhooktest.Render(webhooktest.MovieApproved(id, tmdbFor(id), benchTitle, benchYear))
		if err != nil {
			return err
		}
		if got := t.body(id); !bytes.Equal(got, want) {
			return fmt.Errorf("spliced body for request %d differs from the rendered one:\n got %s\nwant %s", id, got, want)
		}
	}
	return nil
}
