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
}

// WalkStats describe a finished (or aborted) walk.
type WalkStats struct {
	// Pages is the number of pages fetched successfully.
	Pages int
	// Seen is the number of distinct requests handed to fn.
	Seen int
	// Duplicates counts results skipped because their id was already seen in this walk.
	Duplicates int
	// Invalid counts results skipped because they had no usable id.
	Invalid int
	// SortDropped is true when the server refused sort/sortDirection with a 400 and
	// the walk went on without them (newest first, so pages may shift).
	SortDropped bool
}

// Walk lists every request matching opts.Filter, page by page (skip += take), and
// calls fn once per distinct request id, in the order the server returns them.
//
// It stops after a page with fewer than take results, when the page number reaches
// pageInfo.pages, or at MaxPages. When Features.SortDirection is set it asks for
// sort=added&sortDirection=asc so that requests created during the walk land on later
// pages; if the server answers 400 to a page that carried those parameters it drops them,
// sets SortDropped and fetches the page again. Results are de-duplicated by id, since
// pages shift as requests are added or deleted while walking.
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
	maxPages := opts.MaxPages
	if maxPages <= 0 {
		maxPages = DefaultWalkMaxPages
	}
	lo := ListOptions{Filter: opts.Filter, Take: take}
	if opts.Features.SortDirection {
		lo.Sort, lo.SortDirection = "added", "asc"
	}
	seen := make(map[int]struct{})

	for page := 0; ; page++ {
		if page >= maxPages {
			return st, fmt.Errorf("seerr walk: %d pages fetched: %w", st.Pages, ErrPageLimit)
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		lo.Skip = page * take
		p, err := c.ListRequests(ctx, lo)
		if err != nil && errors.Is(err, ErrBadRequest) && (lo.Sort != "" || lo.SortDirection != "") {
			lo.Sort, lo.SortDirection = "", ""
			st.SortDropped = true
			p, err = c.ListRequests(ctx, lo)
		}
		if err != nil {
			return st, err
		}
		st.Pages++

		for _, r := range p.Results {
			if r.ID <= 0 {
				st.Invalid++
				continue
			}
			if _, dup := seen[r.ID]; dup {
				st.Duplicates++
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

		if len(p.Results) < take {
			return st, nil
		}
		if p.PageInfo.Pages > 0 && page+1 >= p.PageInfo.Pages {
			return st, nil
		}
	}
}
