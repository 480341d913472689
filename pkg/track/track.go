// Package track follows delivered subscriptions in MoviePilot until they are downloaded
// (MP_TRACK_INTERVAL).
//
// Every interval the Tracker walks the delivered tasks (success, and failed ones that got
// some items through) whose items carry a MoviePilot subscription id and are not in a final
// tracking state, and asks MoviePilot about each (moviepilot.Client.Current):
//
//   - still there → "subscribed", with MoviePilot's progress where its version gives it
//     (missing episodes; v3 also completed episodes and execution_status);
//   - gone, and a matching row in MoviePilot's subscribe history → "downloaded" (final);
//   - gone, and no history row → "removed" (final; seerrpilot never creates it again).
//
// A subscribed item still not downloaded STALLED_AFTER after it was delivered is flagged
// stalled. Only answers decide: a failed call leaves the item as it was, and a MoviePilot that
// cannot be reached (or refuses the credentials) ends the round early, changing nothing
// more. The calls go through the same client as the worker's, so MP_RATE_LIMIT_PER_SEC paces
// them together with everything else.
package track

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// Store is the task store as the tracker uses it.
type Store interface {
	List(ctx context.Context, opts taskdb.ListOptions) ([]task.Task, int, error)
	Update(ctx context.Context, id string, fn func(*task.Task) error) (task.Task, error)
}

// MoviePilot is the MoviePilot client as the tracker uses it.
type MoviePilot interface {
	// Current answers the subscription when MoviePilot still has it, (nil, nil) when it
	// answered that it has not, an error when it could not tell.
	Current(ctx context.Context, id, tmdbID int, season *int) (*moviepilot.Subscription, error)
	// History reads one page (newest first) of the subscribe history of a media type.
	History(ctx context.Context, mediaType string, page, count int) ([]moviepilot.Subscription, error)
}

// Defaults.
const (
	DefaultInterval     = 30 * time.Minute
	DefaultStalledAfter = 14 * 24 * time.Hour
	defaultCallTimeout  = time.Minute // the rate limit's wait is inside it
	defaultMaxTasks     = 5000
	defaultHistoryPages = 20
	historyPage         = moviepilot.MaxHistoryPage
	// historySlack: a history row dated this long before the task was created cannot be its
	// subscription's (MoviePilot writes local time, of an unknown zone: ±14h at most).
	historySlack = 48 * time.Hour
	historyDate  = "2006-01-02 15:04:05"
)

// Options are the tracker's dependencies and settings.
type Options struct {
	Store      Store
	MoviePilot MoviePilot
	// Interval between rounds (default 30m); the first round runs one Interval after Run
	// starts, so a start does not add MoviePilot calls to the worker's.
	Interval time.Duration
	// StalledAfter flags an item still subscribed this long after delivery (default 14
	// days); negative: never.
	StalledAfter time.Duration
	// CallTimeout bounds each MoviePilot call, the wait for the rate limit included (default 1m).
	CallTimeout time.Duration
	// MaxTasks bounds the tasks of each status one round reads (default 5000, newest first).
	MaxTasks int
	// HistoryPages bounds the history pages (of 100) one round reads per media type (default 20).
	HistoryPages int
	Log          zerolog.Logger
	Now          func() time.Time
	Sleep        func(ctx context.Context, d time.Duration) bool
	// OnDownloaded is called once for each task an item of which turned downloaded in a round.
	OnDownloaded func(t task.Task)
	// OnRound is called after every round with what it counted.
	OnRound func(r Round)
}

// Round is what one round found.
type Round struct {
	// Counts of tracked items by state: subscribed (not stalled), stalled, downloaded, removed.
	Counts map[string]int
	// Checked is how many items MoviePilot was asked about, Changed how many changed, and
	// Undecided how many it could not answer for (left as they were).
	Checked, Changed, Undecided int
	// Err is why the round ended early (MoviePilot unreachable, throttling or refusing the
	// credentials; the store failing; shutdown); nil: the round asked about every item.
	Err error
	At  time.Time
}

// Count labels (the metric's state label).
const (
	CountSubscribed = "subscribed"
	CountStalled    = "stalled"
	CountDownloaded = "downloaded"
	CountRemoved    = "removed"
)

// Tracker follows delivered subscriptions. Run it once.
type Tracker struct {
	o Options
}

// New checks o and fills its defaults.
func New(o Options) (*Tracker, error) {
	if o.Store == nil || o.MoviePilot == nil {
		return nil, errors.New("track: a store and a MoviePilot client are required")
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.StalledAfter == 0 {
		o.StalledAfter = DefaultStalledAfter
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = defaultCallTimeout
	}
	if o.MaxTasks <= 0 {
		o.MaxTasks = defaultMaxTasks
	}
	if o.HistoryPages <= 0 {
		o.HistoryPages = defaultHistoryPages
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = clock.Sleep
	}
	return &Tracker{o: o}, nil
}

// Run tracks every Interval until ctx ends.
func (tr *Tracker) Run(ctx context.Context) error {
	for tr.o.Sleep(ctx, tr.o.Interval) {
		r := tr.Round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if tr.o.OnRound != nil {
			tr.o.OnRound(r)
		}
	}
	return nil
}

// check is one item to ask about.
type check struct {
	key     string // Item.Key()
	id      int    // MoviePilot subscription id
	season  *int
	since   time.Time // when it was delivered, for a first sighting
	created time.Time // the task's creation: history rows older than this (less slack) are not it
}

// Round runs one tracking round.
func (tr *Tracker) Round(ctx context.Context) Round {
	r := Round{Counts: map[string]int{CountSubscribed: 0, CountStalled: 0, CountDownloaded: 0, CountRemoved: 0}, At: tr.o.Now()}
	hist := newHistory(tr)
	stop := false
	for _, st := range []task.Status{task.StatusSuccess, task.StatusFailed} {
		tasks, _, err := tr.o.Store.List(ctx, taskdb.ListOptions{Status: st, Limit: tr.o.MaxTasks})
		if err != nil {
			r.Err = fmt.Errorf("list %s tasks: %w", st, err)
			return r
		}
		for _, t := range tasks {
			found := map[string]answer{}
			for _, it := range t.Items {
				if it.MPSubscriptionID <= 0 || (it.State != task.ItemSubscribed && it.State != task.ItemExisting) {
					continue
				}
				if it.Tracking != nil && it.Tracking.State.Final() {
					continue
				}
				if stop {
					continue
				}
				c := check{key: it.Key(), id: it.MPSubscriptionID, season: it.Season, since: t.UpdatedAt, created: t.CreatedAt}
				r.Checked++
				got, err := tr.ask(ctx, hist, t, c)
				if err != nil {
					switch moviepilot.Classify(err) {
					case moviepilot.ClassPermanent, moviepilot.ClassBusiness:
						r.Undecided++
						tr.o.Log.Debug().Err(err).Str("task_id", t.ID).Str("item", c.key).Msg("cannot tell this subscription's state yet")
					default:
						// MoviePilot down, throttling, refusing the credentials, or shutdown:
						// nothing more this round.
						stop, r.Err = true, err
						tr.o.Log.Warn().Err(err).Msg("tracking round ended early; nothing was changed for the items not checked")
					}
					continue
				}
				found[c.key] = answer{id: c.id, next: got}
			}
			out := t
			if len(found) > 0 {
				var changed []task.Item
				out, changed = tr.apply(ctx, t, found)
				r.Changed += len(changed)
			}
			// Count the store's (or the listed) view, after this round's change.
			for _, it := range out.Items {
				if it.Tracking == nil {
					continue
				}
				switch {
				case it.Tracking.State == task.TrackDownloaded:
					r.Counts[CountDownloaded]++
				case it.Tracking.State == task.TrackRemoved:
					r.Counts[CountRemoved]++
				case it.Tracking.Stalled:
					r.Counts[CountStalled]++
				default:
					r.Counts[CountSubscribed]++
				}
			}
		}
	}
	return r
}

// ask decides one item: its next tracking (State and Progress set; Since and the stall are
// settled in apply).
func (tr *Tracker) ask(ctx context.Context, hist *history, t task.Task, c check) (*task.Tracking, error) {
	cctx, cancel := context.WithTimeout(ctx, tr.o.CallTimeout)
	defer cancel()
	sub, err := tr.o.MoviePilot.Current(cctx, c.id, t.Input.TMDBID, c.season)
	if err != nil {
		return nil, err
	}
	if sub != nil {
		return &task.Tracking{State: task.TrackSubscribed, Progress: progressOf(t.Type, sub)}, nil
	}
	done, err := hist.has(ctx, string(t.Type), t.Input.TMDBID, c.season, c.created.Add(-historySlack))
	if err != nil {
		return nil, err
	}
	if done {
		return &task.Tracking{State: task.TrackDownloaded}, nil
	}
	return &task.Tracking{State: task.TrackRemoved}, nil
}

// progressOf is MoviePilot's progress, where it says something.
func progressOf(typ task.Type, sub *moviepilot.Subscription) *task.TrackProgress {
	p := task.TrackProgress{CompletedEpisodes: sub.CompletedEpisode, Status: sub.ExecutionStatus}
	if typ == task.TypeTV && sub.TotalEpisode > 0 {
		p.TotalEpisodes, p.LackEpisodes = sub.TotalEpisode, sub.LackEpisode
	}
	if p == (task.TrackProgress{}) {
		return nil
	}
	return &p
}

// answer is what MoviePilot said of one item's subscription.
type answer struct {
	id   int // the subscription asked about
	next *task.Tracking
}

// apply writes what the round found into the task, when anything changed, and says the
// transitions: a notice for downloaded, a warning for removed and stalled (once each).
func (tr *Tracker) apply(ctx context.Context, listed task.Task, found map[string]answer) (task.Task, []task.Item) {
	now := tr.o.Now().UTC()
	var changed []task.Item
	write := func(t *task.Task) {
		changed = changed[:0]
		for i := range t.Items {
			it := &t.Items[i]
			a, ok := found[it.Key()]
			if !ok || a.id != it.MPSubscriptionID || (it.Tracking != nil && it.Tracking.State.Final()) {
				continue // not asked, changed since, or already final
			}
			n := *a.next
			n.Since = t.UpdatedAt.UTC() // first sighting: delivered when the task last changed
			if it.Tracking != nil {
				n.Since = it.Tracking.Since
			}
			if it.Tracking == nil || it.Tracking.State != n.State {
				if it.Tracking != nil || n.State != task.TrackSubscribed {
					n.Since = now
				}
			}
			if n.State == task.TrackSubscribed && tr.o.StalledAfter > 0 && !now.Before(n.Since.Add(tr.o.StalledAfter)) {
				at := n.Since.Add(tr.o.StalledAfter)
				n.Stalled, n.StalledSince = true, &at
			}
			if same(it.Tracking, &n) {
				continue
			}
			it.Tracking = &n
			changed = append(changed, *it)
		}
		if len(changed) > 0 {
			t.Tracking = task.SummarizeTracking(t.Items)
		}
	}
	// A dry run on the listed copy first: most rounds change nothing and write nothing.
	probe := listed
	probe.Items = append([]task.Item(nil), listed.Items...)
	write(&probe)
	if len(changed) == 0 {
		return listed, nil
	}
	wasFinal := map[string]bool{}
	wasStalled := map[string]bool{}
	out, err := tr.o.Store.Update(ctx, listed.ID, func(t *task.Task) error {
		for _, it := range t.Items {
			if it.Tracking != nil {
				wasFinal[it.Key()] = it.Tracking.State.Final()
				wasStalled[it.Key()] = it.Tracking.Stalled
			}
		}
		write(t)
		if len(changed) == 0 {
			return errUnchanged
		}
		return nil
	})
	if err != nil {
		if !errors.Is(err, errUnchanged) {
			tr.o.Log.Warn().Err(err).Str("task_id", listed.ID).Msg("could not record tracking")
		}
		return listed, nil
	}
	downloaded := false
	for _, it := range changed {
		log := tr.o.Log.With().Str("task_id", out.ID).Str("title", out.Input.Title).Str("item", it.Key()).
			Int("mp_subscription_id", it.MPSubscriptionID).Logger()
		switch {
		case it.Tracking.State == task.TrackDownloaded && !wasFinal[it.Key()]:
			downloaded = true
			log.Info().Msg("downloaded: MoviePilot finished the subscription (it is in its subscribe history)")
		case it.Tracking.State == task.TrackRemoved && !wasFinal[it.Key()]:
			log.Warn().Msg("removed in MoviePilot: the subscription is gone and not in its subscribe history; seerrpilot does not create it again (subscribe again in MoviePilot, or ask in Seerr, if it is still wanted)")
		case it.Tracking.Stalled && !wasStalled[it.Key()]:
			log.Warn().Time("since", it.Tracking.Since).Msg("stalled: still not downloaded after STALLED_AFTER; check the subscription in MoviePilot (sites, filters, whether the release exists)")
		}
	}
	if downloaded && tr.o.OnDownloaded != nil {
		tr.o.OnDownloaded(out)
	}
	return out, changed
}

// errUnchanged aborts an Update that turned out to change nothing.
var errUnchanged = errors.New("tracking unchanged")

// same compares what a round may change.
func same(a, b *task.Tracking) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.State != b.State || a.Stalled != b.Stalled || !a.Since.Equal(b.Since) {
		return false
	}
	if (a.Progress == nil) != (b.Progress == nil) {
		return false
	}
	return a.Progress == nil || *a.Progress == *b.Progress
}

// history reads MoviePilot's subscribe history lazily, once per round and media type.
type history struct {
	tr    *Tracker
	pages map[string]*scan
}

type scan struct {
	rows []moviepilot.Subscription
	next int  // next page to read
	end  bool // the last page was read
}

func newHistory(tr *Tracker) *history { return &history{tr: tr, pages: map[string]*scan{}} }

// has reports whether the history holds a row of that media, finished no earlier than
// notBefore. It reads pages only as far as needed: rows come newest first, so a page whose
// last row is older than notBefore ends the search.
func (h *history) has(ctx context.Context, mediaType string, tmdbID int, season *int, notBefore time.Time) (bool, error) {
	s := h.pages[mediaType]
	if s == nil {
		s = &scan{next: 1}
		h.pages[mediaType] = s
	}
	for i := 0; ; i++ {
		for ; i < len(s.rows); i++ {
			row := s.rows[i]
			if matches(row, mediaType, tmdbID, season) && !older(row, notBefore) {
				return true, nil
			}
		}
		if s.end || (len(s.rows) > 0 && older(s.rows[len(s.rows)-1], notBefore)) {
			return false, nil
		}
		if s.next > h.tr.o.HistoryPages {
			return false, fmt.Errorf("not in the newest %d rows of MoviePilot's %s history; cannot tell downloaded from removed",
				h.tr.o.HistoryPages*historyPage, mediaType)
		}
		cctx, cancel := context.WithTimeout(ctx, h.tr.o.CallTimeout)
		rows, err := h.tr.o.MoviePilot.History(cctx, mediaType, s.next, historyPage)
		cancel()
		if err != nil {
			return false, err
		}
		s.next++
		s.rows = append(s.rows, rows...)
		s.end = len(rows) < historyPage
		i = len(s.rows) - len(rows) - 1 // the loop's i++ lands on the first new row
	}
}

// matches: same TMDB id and type, and for TV the same season.
func matches(row moviepilot.Subscription, mediaType string, tmdbID int, season *int) bool {
	if row.TMDBID != tmdbID {
		return false
	}
	if mediaType == moviepilot.MediaMovie {
		return row.Type == "电影" && (row.Season == nil || *row.Season == 0)
	}
	return row.Type == "电视剧" && season != nil && row.Season != nil && *row.Season == *season
}

// older reports whether the row finished before t; a date that does not parse is not older.
func older(row moviepilot.Subscription, t time.Time) bool {
	at, err := time.ParseInLocation(historyDate, row.Date, time.UTC)
	return err == nil && at.Before(t)
}
