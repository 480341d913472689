package seerr

import (
	"context"
	"errors"
	"fmt"
)

// Walk defaults.
const (
	DefaultWalkTake     = 50
	DefaultWalkMaxPages = 10000
)

// WalkOptions configure Walk.
type WalkOptions struct {
	// Filter is sent as filter= (empty: not sent, the server's default "all").
	Filter string
	// Take is the page size; zero means DefaultWalkTake.
	Take int
	// MaxPages is a hard guard on the number of pages; zero means DefaultWalkMaxPages.
	// Reaching it ends the walk with an error matching ErrPageLimit.
	MaxPages int
	// Features decide whether the walk asks for sort=added&sortDirection=asc.
	Features Features
	// OnPage, when set, is called after each page is fetched (before its rows go to fn)
	// with the list's total as the server reported it (pageInfo.results), e.g. to size a
	// progress bar.
	OnPage func(total int)
}

// WalkStats describe a finished (or aborted) walk.
type WalkStats struct {
	// Pages is the number of pages fetched successfully, re-reads included.
	Pages int
	// Seen is the number of distinct requests handed to fn.
	Seen int
	// Duplicates counts results skipped because their id was already seen in this walk,
	// e.g. rows pushed down by new requests (the anchor row each page re-reads on purpose
	// is not counted).
	Duplicates int
	// Invalid counts results skipped because they had no usable id.
	Invalid int
	// SortDropped is true when the server refused sort/sortDirection with a 400 and
	// the walk went on without them (newest first).
	SortDropped bool
	// Rereads counts pages fetched again from an earlier offset because rows before the
	// walk's position left the list (completed, declined, deleted) and later rows moved
	// up. They are included in Pages.
	Rereads int
	// Unordered is true when a page was not ordered by request id as asked; the walk then
	// went on by plain offsets and may have missed rows that moved up (the next pass
	// catches them).
	Unordered bool
}

// Walk lists every request matching opts.Filter and calls fn once per distinct request
// id, in the order the server returns them.
//
// The list is offset-paged and ordered by request id (sort=added&sortDirection=asc when
// Features.SortDirection, else the server's newest first), and it changes while it is
// read: a request that leaves it (completed by a library scan, declined, deleted) moves
// every later row up one place, a request that enters it moves them down. So each page
// after the first starts one row early, at the last row read (the anchor), and asks for
// take+1 rows. Because the rows are ordered by id, a page that starts at or before the
// anchor (in list order) holds, after the anchor, exactly the rows that follow it: nothing
// was skipped. A page that starts after the anchor means rows before the walk's position
// left the list; the walk then steps back a page and reads again (Rereads), down to offset
// 0 at worst. Every request that stays in the list for the whole walk is therefore read;
// one that enters or leaves mid-walk may or may not be. Ids are unique, so there are no
// ties. Rows read twice are dropped by id.
//
// It stops after a page with fewer rows than asked, when a page reaches the total that
// pageInfo.results reported with it, or at MaxPages (every fetch counts, re-reads too).
// If the server answers 400 to a page that carried sort parameters it drops them, sets
// SortDropped and starts again from offset 0 newest first (already seen ids are not
// handed to fn again). A Take of 1 is read as 2: the overlap needs two rows.
//
// Walk does not apply the approval rule: use Deliverable in fn. It does not retry; an
// error from the server ends the walk and is returned with the stats so far. If fn
// returns an error the walk ends and returns it, except ErrStopWalk, which ends it
// without error.
func (c *Client) Walk(ctx context.Context, opts WalkOptions, fn func(Request) error) (WalkStats, error) {
	var st WalkStats
	if fn == nil {
		return st, errors.New("seerr walk: nil callback")
	}
	take := opts.Take
	if take <= 0 {
		take = DefaultWalkTake
	}
	if take < 2 {
		take = 2
	}
	maxPages := opts.MaxPages
	if maxPages <= 0 {
		maxPages = DefaultWalkMaxPages
	}
	lo := ListOptions{Filter: opts.Filter}
	if opts.Features.SortDirection {
		lo.Sort, lo.SortDirection = "added", "asc"
	}
	seen := make(map[int]struct{})

	// cur is the walk's position: next is the offset of the first unread row as far as
	// the walk knows, anchor the id of the last row read (0: none yet, read from next).
	// before(a, b) reports whether id a comes before id b in the list's order.
	var (
		next, anchor int
		asc          = lo.SortDirection == "asc"
	)
	before := func(a, b int) bool {
		if asc {
			return a < b
		}
		return a > b
	}
	for fetches := 0; ; fetches++ {
		if fetches >= maxPages {
			return st, fmt.Errorf("seerr walk: %d pages fetched: %w", st.Pages, ErrPageLimit)
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		lo.Skip, lo.Take = next, take
		if anchor != 0 && next > 0 && !st.Unordered {
			lo.Skip, lo.Take = next-1, take+1
		}
		p, err := c.ListRequests(ctx, lo)
		if err != nil && errors.Is(err, ErrBadRequest) && (lo.Sort != "" || lo.SortDirection != "") {
			// Newest first from the start: the order changed, so the position means nothing.
			lo.Sort, lo.SortDirection = "", ""
			st.SortDropped = true
			asc, next, anchor = false, 0, 0
			lo.Skip, lo.Take = 0, take
			p, err = c.ListRequests(ctx, lo)
		}
		if err != nil {
			return st, err
		}
		st.Pages++
		if opts.OnPage != nil {
			opts.OnPage(p.PageInfo.Results)
		}

		ids := make([]int, 0, len(p.Results))
		for _, r := range p.Results {
			if r.ID > 0 {
				ids = append(ids, r.ID)
			}
		}
		if !st.Unordered && !ordered(ids, before) {
			if anchor == 0 && ordered(ids, func(a, b int) bool { return before(b, a) }) {
				// First page, the other way round (a server that ignores sortDirection).
				asc = !asc
			} else {
				// The server does not order by id: offsets are all there is.
				st.Unordered = true
			}
		}
		if !st.Unordered && lo.Skip > 0 && anchor != 0 &&
			(len(p.Results) == 0 || (len(ids) > 0 && before(anchor, ids[0]))) {
			// The page starts after the last row read, or past the end of a list that
			// got shorter: rows before the walk's position left the list and unread rows
			// may have moved up past the offset. Step back and read again.
			st.Rereads++
			next = lo.Skip - take
			if len(p.Results) == 0 && p.PageInfo.Results < lo.Skip {
				next = p.PageInfo.Results - take
			}
			if next < 0 {
				next = 0
			}
			continue
		}

		for _, r := range p.Results {
			if r.ID <= 0 {
				st.Invalid++
				continue
			}
			if _, dup := seen[r.ID]; dup {
				if r.ID != anchor { // the anchor is read twice by design
					st.Duplicates++
				}
				continue
			}
			seen[r.ID] = struct{}{}
			st.Seen++
			if err := fn(r); err != nil {
				if errors.Is(err, ErrStopWalk) {
					return st, nil
				}
				return st, err
			}
		}

		end := lo.Skip + len(p.Results)
		if len(p.Results) < lo.Take || (p.PageInfo.Results > 0 && end >= p.PageInfo.Results) {
			return st, nil
		}
		next = end
		if len(ids) > 0 && (anchor == 0 || before(anchor, ids[len(ids)-1])) {
			anchor = ids[len(ids)-1]
		}
	}
}

// ordered reports whether ids are strictly ordered by before.
func ordered(ids []int, before func(a, b int) bool) bool {
	for i := 1; i < len(ids); i++ {
		if !before(ids[i-1], ids[i]) {
			return false
		}
	}
	return true
}
