// Package plan holds the core mapping rules from a Seerr request (task.Input) to the
// MoviePilot subscriptions that deliver it (task.Item). It is pure: no I/O, no clock, no globals.
//
// MoviePilot keys subscriptions by (tmdbid, season): a movie is one subscription, a show is one
// subscription per season. So one item per season is the finest grain this package plans.
package plan

import (
	"errors"
	"fmt"
	"sort"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// Specials says what to do with season 0 (TV_SPECIALS).
type Specials string

const (
	// SpecialsExclude (the default) plans season 0 as a skipped item: MoviePilot v2 cannot
	// subscribe season 0 and silently stores it as season 1.
	SpecialsExclude Specials = "exclude"
	// SpecialsSeparate plans season 0 as its own pending item, independent of the others.
	SpecialsSeparate Specials = "separate"
)

// EpisodeMode says how episode-level requests are delivered (MP_TV_EPISODE_MODE).
type EpisodeMode string

const (
	// EpisodeModeSeason (the default) subscribes the whole season, ignoring the episode list.
	EpisodeModeSeason EpisodeMode = "season"
	// EpisodeModeEpisode limits the season's subscription to the requested episode range.
	EpisodeModeEpisode EpisodeMode = "episode"
)

// Policy is the operator's choice of mapping rules. Zero-value fields mean the defaults
// (SpecialsExclude, EpisodeModeSeason).
type Policy struct {
	Specials    Specials
	EpisodeMode EpisodeMode
}

// ReasonSpecialsExcluded is the Reason of a season 0 item skipped under SpecialsExclude.
const ReasonSpecialsExcluded = "specials (season 0) excluded by TV_SPECIALS=exclude: MoviePilot cannot subscribe season 0 (v2 stores it as season 1)"

// Errors returned by this package. Check them with errors.Is.
var (
	// ErrNoSeasons is a TV input without seasons. Never guess which seasons were meant: the
	// caller waits and asks Seerr for the request's seasons.
	ErrNoSeasons = errors.New("tv request has no seasons")
	// ErrInvalidPolicy is a Policy with an unknown value.
	ErrInvalidPolicy = errors.New("invalid plan policy")
)

// Validate reports an unknown Specials or EpisodeMode. Empty values are valid (the defaults).
func (p Policy) Validate() error {
	var errs []error
	switch p.Specials {
	case "", SpecialsExclude, SpecialsSeparate:
	default:
		errs = append(errs, fmt.Errorf("%w: specials %q must be %q or %q", ErrInvalidPolicy, p.Specials, SpecialsExclude, SpecialsSeparate))
	}
	switch p.EpisodeMode {
	case "", EpisodeModeSeason, EpisodeModeEpisode:
	default:
		errs = append(errs, fmt.Errorf("%w: episode mode %q must be %q or %q", ErrInvalidPolicy, p.EpisodeMode, EpisodeModeSeason, EpisodeModeEpisode))
	}
	return errors.Join(errs...)
}

func (p Policy) withDefaults() Policy {
	if p.Specials == "" {
		p.Specials = SpecialsExclude
	}
	if p.EpisodeMode == "" {
		p.EpisodeMode = EpisodeModeSeason
	}
	return p
}

// Items plans the MoviePilot subscriptions for in.
//
// A movie is exactly one pending item with a nil Season; a movie with seasons is an error.
// A show is one item per distinct requested season, sorted by season; duplicate seasons
// collapse (their episode lists are united, and a whole-season request covers every episode).
// A show without seasons returns ErrNoSeasons.
//
// Season 0 (specials): under SpecialsExclude it is a skipped item with ReasonSpecialsExcluded;
// under SpecialsSeparate it is its own pending item. Items are independent: one failing never
// blocks another.
//
// Episode-level requests (SeasonRequest.Episodes non-empty; Seerr does not send them yet, forks
// may): under EpisodeModeSeason the season is subscribed whole (no range). Under
// EpisodeModeEpisode the item gets StartEpisode = lowest and TotalEpisode = highest requested
// episode. MoviePilot keeps one subscription per (tmdbid, season), so a non-contiguous list
// such as [2, 5, 9] is widened to its range 2..9.
//
// 4K requests plan exactly like the others: they are delivered the same way and the task
// records is4k (in.Is4K is deliberately not read here).
//
// Malformed input (negative season, non-positive episode, unknown media type) and an invalid
// Policy are errors, never panics; input errors match task.ErrInvalid.
func Items(in task.Input, p Policy) ([]task.Item, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.withDefaults()
	// Hook: if 4K ever needs different delivery (e.g. a separate MoviePilot profile), branch on
	// in.Is4K here. Today it does not change the plan.
	switch in.MediaType {
	case task.TypeMovie:
		if len(in.Seasons) > 0 {
			return nil, fmt.Errorf("%w: a movie has no seasons (got %d)", task.ErrInvalid, len(in.Seasons))
		}
		return []task.Item{{State: task.ItemPending}}, nil
	case task.TypeTV:
		return tvItems(in.Seasons, p)
	default:
		return nil, fmt.Errorf("%w: mediaType %q must be %q or %q", task.ErrInvalid, in.MediaType, task.TypeMovie, task.TypeTV)
	}
}

// season is one collapsed season: whole, or limited to episodes lo..hi.
type season struct {
	whole  bool
	lo, hi int
}

func tvItems(reqs []task.SeasonRequest, p Policy) ([]task.Item, error) {
	if len(reqs) == 0 {
		return nil, ErrNoSeasons
	}
	bySeason := make(map[int]season, len(reqs))
	for _, r := range reqs {
		if r.Season < 0 {
			return nil, fmt.Errorf("%w: season %d must not be negative", task.ErrInvalid, r.Season)
		}
		cur, seen := bySeason[r.Season]
		if len(r.Episodes) == 0 {
			bySeason[r.Season] = season{whole: true}
			continue
		}
		lo, hi := r.Episodes[0], r.Episodes[0]
		for _, e := range r.Episodes {
			if e <= 0 {
				return nil, fmt.Errorf("%w: episode %d of season %d must be positive", task.ErrInvalid, e, r.Season)
			}
			lo, hi = min(lo, e), max(hi, e)
		}
		switch {
		case !seen:
			bySeason[r.Season] = season{lo: lo, hi: hi}
		case !cur.whole:
			bySeason[r.Season] = season{lo: min(cur.lo, lo), hi: max(cur.hi, hi)}
		}
	}
	numbers := make([]int, 0, len(bySeason))
	for n := range bySeason {
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	items := make([]task.Item, 0, len(numbers))
	for _, n := range numbers {
		it := task.Item{Season: intPtr(n), State: task.ItemPending}
		if n == 0 && p.Specials == SpecialsExclude {
			it.State = task.ItemSkipped
			it.Reason = ReasonSpecialsExcluded
			items = append(items, it)
			continue
		}
		if s := bySeason[n]; !s.whole && p.EpisodeMode == EpisodeModeEpisode {
			it.StartEpisode, it.TotalEpisode = s.lo, s.hi
		}
		items = append(items, it)
	}
	return items, nil
}

// Merge folds a fresh plan into a task's existing items, matching them by Item.Key():
//   - an existing item that is Done (subscribed, existing, skipped) or failed is kept as it is:
//     state, MoviePilot id, reason, error and episode range;
//   - an existing pending item (any other state) has not been sent yet, so the new plan governs
//     it: it takes the plan's episode range, and the plan's state and reason (so a pending
//     season 0 becomes skipped if the policy now excludes specials); its LastError is kept
//     unless the plan skips it;
//   - a planned key not in existing is appended as planned;
//   - an existing item missing from the plan is kept: work already done is never dropped.
//
// If existing holds one key twice, the most advanced copy (Done, then failed, then pending) wins.
// Merge returns a new, sorted list (movie, then seasons ascending) sharing no memory with its
// arguments, and how many items the plan added.
func Merge(existing, planned []task.Item) ([]task.Item, int) {
	byKey := make(map[string]task.Item, len(existing)+len(planned))
	for _, it := range existing {
		k := it.Key()
		if old, ok := byKey[k]; ok && rank(old.State) >= rank(it.State) {
			continue
		}
		byKey[k] = cloneItem(it)
	}
	added := 0
	for _, pl := range planned {
		k := pl.Key()
		old, ok := byKey[k]
		if !ok {
			byKey[k] = cloneItem(pl)
			added++
			continue
		}
		if rank(old.State) > 0 {
			continue // done or failed: keep
		}
		old.StartEpisode, old.TotalEpisode = pl.StartEpisode, pl.TotalEpisode
		old.State, old.Reason = pl.State, pl.Reason
		if pl.State.Done() || pl.State == task.ItemFailed {
			old.LastError = pl.LastError
		}
		byKey[k] = old
	}
	out := make([]task.Item, 0, len(byKey))
	for _, it := range byKey {
		out = append(out, it)
	}
	sortItems(out)
	return out, added
}

// rank orders states by how much work they record: pending (or unknown) < failed < Done.
func rank(s task.ItemState) int {
	switch {
	case s.Done():
		return 2
	case s == task.ItemFailed:
		return 1
	default:
		return 0
	}
}

// isPending reports whether an item still has to be sent. An unknown or empty state counts as
// pending, so a malformed item is retried rather than silently treated as finished.
func isPending(s task.ItemState) bool { return rank(s) == 0 }

// Pending returns the indexes of the items still to be sent, in order.
func Pending(items []task.Item) []int {
	var idx []int
	for i, it := range items {
		if isPending(it.State) {
			idx = append(idx, i)
		}
	}
	return idx
}

// Result is the overall state of a task's items.
type Result string

const (
	ResultDone    Result = "done"    // every item is Done
	ResultFailed  Result = "failed"  // nothing pending, at least one failed
	ResultPending Result = "pending" // something still to send (or nothing planned yet)
)

// Summary is what Outcome reports: the result and the count of items in each state.
type Summary struct {
	Result     Result
	Subscribed int
	Existing   int
	Skipped    int
	Failed     int
	Pending    int
}

// NothingSent reports a done task where every item was skipped (e.g. only specials under
// SpecialsExclude): the task is finished, but MoviePilot was given nothing.
func (s Summary) NothingSent() bool {
	return s.Result == ResultDone && s.Subscribed == 0 && s.Existing == 0
}

// Outcome summarises items: ResultDone if all are Done, ResultFailed if any failed and none is
// pending, ResultPending otherwise. An empty list is ResultPending: a task with nothing planned
// is never reported as done.
func Outcome(items []task.Item) Summary {
	var s Summary
	for _, it := range items {
		switch {
		case it.State == task.ItemSubscribed:
			s.Subscribed++
		case it.State == task.ItemExisting:
			s.Existing++
		case it.State == task.ItemSkipped:
			s.Skipped++
		case it.State == task.ItemFailed:
			s.Failed++
		default:
			s.Pending++
		}
	}
	switch {
	case len(items) == 0 || s.Pending > 0:
		s.Result = ResultPending
	case s.Failed > 0:
		s.Result = ResultFailed
	default:
		s.Result = ResultDone
	}
	return s
}

// sortItems orders items movie first, then seasons ascending.
func sortItems(items []task.Item) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i].Season, items[j].Season
		if a == nil || b == nil {
			return a == nil && b != nil
		}
		return *a < *b
	})
}

func cloneItem(it task.Item) task.Item {
	if it.Season != nil {
		it.Season = intPtr(*it.Season)
	}
	it.Tracking = it.Tracking.Clone()
	return it
}

func intPtr(n int) *int { return &n }
