package moviepilot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// historyPath is the subscribe history: GET /api/v1/subscribe/history/{mtype}?page=&count=,
// mtype "电影" or "电视剧" (v2.5.6 and v3). MoviePilot moves a finished subscription there:
// it copies the row (without its id: a history row has an id of its own) with "date" set to
// the completion time, then deletes the subscription. Rows come newest first.
const historyPath = "/api/v1/subscribe/history/"

// MaxHistoryPage bounds the count History asks for in one page.
const MaxHistoryPage = 100

// Current reports whether MoviePilot still has the subscription with that id: the row when it
// does, (nil, nil) when it answered that it does not, an error when it could not tell. tmdbID
// and season (nil for a movie) are what the subscription was made for.
//
//   - v3: GET /api/v1/subscribe/{id} answers the row, or an empty one. A row of other media
//     means the id was given again (2.5.6's sqlite table reuses the highest id; v3 may too),
//     so ours is gone.
//   - v2.5.6 answers a missing id with a plain-text 500 (the endpoint returns None against a
//     non-optional response model), which cannot be told from a failure; so v2 looks the media
//     up instead (GET /api/v1/subscribe/media/tmdb:N?season=S, an all-null object when there is
//     none). A TV season's row with another id means ours is gone (one row per TMDB id and
//     season). For a movie, v2 answers the first row of that TMDB number whatever its type, so
//     a TV row there leaves the question open: an error.
func (c *Client) Current(ctx context.Context, id, tmdbID int, season *int) (*Subscription, error) {
	ver, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	if ver == VersionV3 {
		sub, err := c.Get(ctx, id)
		if err != nil || sub == nil {
			return nil, err
		}
		if sub.TMDBID != tmdbID || !sameSeason(sub.Season, season) {
			return nil, nil
		}
		return sub, nil
	}
	sub, err := c.Lookup(ctx, tmdbID, season)
	if err != nil || sub == nil || sub.ID == id {
		return sub, err
	}
	if season == nil && sub.Type != typeMovie {
		return nil, &Error{Op: "lookup", Class: ClassPermanent,
			Message: "cannot tell whether movie subscription #" + strconv.Itoa(id) + " still exists: MoviePilot 2.x answers the TV subscription " +
				Describe(sub) + " for that TMDB number"}
	}
	return nil, nil
}

// History reads one page of the subscribe history of a media type (MediaMovie or MediaTV),
// newest first. page counts from 1; count is 1..MaxHistoryPage. Each row's ID is the history
// row's own id, not the finished subscription's, and Date is when it finished (MoviePilot's
// local time, "2006-01-02 15:04:05"). A page shorter than count is the last.
func (c *Client) History(ctx context.Context, mediaType string, page, count int) (rows []Subscription, err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("history", spent, err) }()
	mtype := ""
	switch mediaType {
	case MediaMovie:
		mtype = typeMovie
	case MediaTV:
		mtype = typeTV
	}
	if mtype == "" || page < 1 || count < 1 || count > MaxHistoryPage {
		return nil, &Error{Op: "history", Class: ClassPermanent, Message: "invalid request: media type movie or tv, page ≥ 1, count 1.." + strconv.Itoa(MaxHistoryPage)}
	}
	q := url.Values{"page": {strconv.Itoa(page)}, "count": {strconv.Itoa(count)}}
	// The path is set unescaped: url.URL percent-encodes the Chinese type name when sending.
	rep, err := c.call(ctx, "history", request{method: http.MethodGet, path: historyPath + mtype, query: q})
	if err != nil {
		return nil, err
	}
	if rep.status != http.StatusOK {
		return nil, c.httpError("history", rep)
	}
	list, err := c.decodeList("history", rep)
	if err != nil {
		return nil, err
	}
	if len(list) > count {
		return nil, c.malformed("history", rep, "history answer holds more rows than asked for")
	}
	rows = make([]Subscription, 0, len(list))
	for _, w := range list {
		id, ok := w.ID.Int()
		if !ok {
			return nil, c.malformed("history", rep, "history row without an integer id")
		}
		rows = append(rows, *subscriptionFrom(id, w))
	}
	return rows, nil
}

// sameSeason: both absent (a movie; MoviePilot may say 0), or the same number.
func sameSeason(a, b *int) bool {
	if a == nil || b == nil {
		return (a == nil || *a == 0) && (b == nil || *b == 0)
	}
	return *a == *b
}
