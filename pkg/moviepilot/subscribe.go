package moviepilot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seerrpilot/seerrpilot/pkg/jsonx"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// Media types for SubscribeRequest.MediaType.
const (
	MediaMovie = "movie"
	MediaTV    = "tv"
)

// MoviePilot's own media type names, as its "type" field wants them.
const (
	typeMovie = "电影"
	typeTV    = "电视剧"
)

// notRecognised is MoviePilot's answer when TMDB recognition fails (SubscribeChain.add).
const notRecognised = "未识别到媒体信息"

const (
	subscribePath = "/api/v1/subscribe/" // with the slash: without it MoviePilot answers 307
	mediaPath     = "/api/v1/subscribe/media/"
	tmdbSource    = "themoviedb"
)

// SubscribeRequest is one subscription to create.
type SubscribeRequest struct {
	// Name is the title; always sent, it is MoviePilot's fallback for recognition.
	Name string
	// Year is the release year; 0 omits it.
	Year int
	// MediaType is MediaMovie or MediaTV.
	MediaType string
	// TMDBID is the TMDB id (> 0).
	TMDBID int
	// Season is required for TV and must be ≥ 1 (MoviePilot silently turns season 0 or a
	// missing season into season 1). It is ignored for movies.
	Season *int
	// StartEpisode and TotalEpisode are sent for TV when non-zero.
	StartEpisode, TotalEpisode int
	// BestVersion asks MoviePilot to keep upgrading ("洗版"). false leaves MoviePilot's
	// default subscribe config in charge.
	BestVersion bool
	// Quality, Resolution and Effect are MoviePilot filter values, sent when set.
	Quality, Resolution, Effect string
	// Username is who the subscription should belong to in MoviePilot (the Seerr requester,
	// mapped by MP_USER_MAP). Only Subscribe uses it; see there for how each version keeps it.
	Username string
}

// Subscription is a stored MoviePilot subscription, as far as seerrpilot needs it.
type Subscription struct {
	ID           int
	Name         string
	Year         string
	Type         string // MoviePilot's type: "电影" or "电视剧"
	Season       *int
	TMDBID       int
	MediaSource  string // v3
	MediaID      string // v3
	State        string // N new, R running, P pending, S paused
	Username     string
	StartEpisode int
	TotalEpisode int
	LackEpisode  int
	BestVersion  bool
	// CompletedEpisode and ExecutionStatus are v3's progress fields (0 and "" in v2).
	CompletedEpisode int
	ExecutionStatus  string
	// Date is MoviePilot's "date": in a subscribe history row, when it finished.
	Date string
}

// Version returns "v2" or "v3": the configured version, or the detected one (see the
// package doc). A failed detection is returned as an error and retried on the next call.
func (c *Client) Version(ctx context.Context) (string, error) {
	if c.fixedVer != "" {
		return c.fixedVer, nil
	}
	if v := c.cachedVersion(); v != "" {
		return v, nil
	}
	select {
	case c.detectSem <- struct{}{}:
	case <-ctx.Done():
		return "", &Error{Op: "detect", Class: ClassCanceled, Message: ctx.Err().Error(), cause: ctx.Err()}
	}
	defer func() { <-c.detectSem }()
	if v := c.cachedVersion(); v != "" {
		return v, nil
	}
	v, err := c.detect(ctx)
	if err != nil {
		return "", err
	}
	c.verMu.Lock()
	c.version = v
	c.verMu.Unlock()
	return v, nil
}

func (c *Client) cachedVersion() string {
	c.verMu.Lock()
	defer c.verMu.Unlock()
	return c.version
}

// detect sends GET /api/v1/subscribe/media/tmdb:0 and reads the version off the answer.
func (c *Client) detect(ctx context.Context) (v string, err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("detect", spent, err) }()
	rep, err := c.call(ctx, "detect", request{method: http.MethodGet, path: mediaPath + "tmdb:0"})
	if err != nil {
		return "", err
	}
	switch {
	case rep.status >= 300 && rep.status < 400, rep.status == http.StatusUnauthorized,
		rep.status == http.StatusForbidden, rep.status == http.StatusTooManyRequests,
		rep.status == http.StatusRequestTimeout, rep.status >= 500:
		return "", c.httpError("detect", rep)
	case rep.status == http.StatusUnprocessableEntity:
		return VersionV3, nil // v3 requires ?media_source=; v2 has no required parameter here
	}
	if _, env, ok := unwrap(rep.body); ok {
		if env.isEnvelope() {
			return VersionV3, nil
		}
		if rep.status == http.StatusOK {
			return VersionV2, nil
		}
	}
	if rep.status == http.StatusOK {
		return "", c.malformed("detect", rep, "cannot tell the API version: lookup answer is not a JSON object")
	}
	return "", c.httpError("detect", rep)
}

// Lookup returns the subscription for a TMDB id (and TV season), or (nil, nil) when there is
// none. For a movie pass season nil; MoviePilot then matches on the TMDB id alone, whatever
// the row's type, so check Subscription.Type. A TV season must be ≥ 1: MoviePilot treats
// season 0 as "no filter".
func (c *Client) Lookup(ctx context.Context, tmdbID int, season *int) (sub *Subscription, err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("lookup", spent, err) }()
	if tmdbID <= 0 {
		return nil, &Error{Op: "lookup", Class: ClassPermanent, Message: "invalid request: tmdb id must be > 0"}
	}
	if season != nil && *season < 1 {
		return nil, &Error{Op: "lookup", Class: ClassPermanent, Message: "invalid request: season must be ≥ 1"}
	}
	ver, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	path := mediaPath + "tmdb:" + strconv.Itoa(tmdbID)
	if ver == VersionV3 {
		path = mediaPath + strconv.Itoa(tmdbID)
		q.Set("media_source", tmdbSource)
	}
	if season != nil {
		q.Set("season", strconv.Itoa(*season))
	}
	rep, err := c.call(ctx, "lookup", request{method: http.MethodGet, path: path, query: q})
	if err != nil {
		return nil, err
	}
	if rep.status != http.StatusOK {
		return nil, c.httpError("lookup", rep)
	}
	obj, env, ok := unwrap(rep.body)
	if !ok {
		return nil, c.malformed("lookup", rep, "lookup answer is not a JSON object")
	}
	if env.isEnvelope() {
		if !env.success() {
			return nil, &Error{Op: "lookup", Status: rep.status, Class: ClassBusiness, Message: c.scrub(env.message())}
		}
		if env.noData() {
			return nil, nil
		}
	}
	w, ok := subscriptionOf(obj)
	if !ok {
		return nil, c.malformed("lookup", rep, "lookup answer's data is not an object")
	}
	if w.none() {
		return nil, nil // MoviePilot's "nothing found": every field null
	}
	id, ok := w.ID.Int()
	if !ok {
		return nil, c.malformed("lookup", rep, "lookup answer's id is not an integer")
	}
	sub = subscriptionFrom(id, w)
	if ver == VersionV3 && season == nil && sub.Season != nil {
		// v3 keeps a movie and a show with the same TMDB number apart, but its lookup cannot
		// ask for "no season" and answers the first row of that number: look for the movie
		// row in the list.
		return c.scanMovie(ctx, tmdbID)
	}
	return sub, nil
}

// listPage is how many subscriptions scanMovie asks for per page.
const listPage = 100

// scanMovie pages v3's GET /api/v1/subscribe/ (page, count; total in X-Total-Count) for the
// movie row (no season) of a TMDB id; nil when there is none.
func (c *Client) scanMovie(ctx context.Context, tmdbID int) (*Subscription, error) {
	for page := 1; ; page++ {
		q := url.Values{"page": {strconv.Itoa(page)}, "count": {strconv.Itoa(listPage)}}
		rep, err := c.call(ctx, "lookup", request{method: http.MethodGet, path: subscribePath, query: q})
		if err != nil {
			return nil, err
		}
		if rep.status != http.StatusOK {
			return nil, c.httpError("lookup", rep)
		}
		list, err := c.decodeList("lookup", rep)
		if err != nil {
			return nil, err
		}
		for _, w := range list {
			id, ok := w.ID.Int()
			if !ok {
				continue
			}
			s := subscriptionFrom(id, w)
			if s.TMDBID == tmdbID && s.Season == nil && s.Type == typeMovie {
				return s, nil
			}
		}
		total, err := strconv.Atoi(rep.header.Get("X-Total-Count"))
		if len(list) < listPage || (err == nil && page*listPage >= total) {
			return nil, nil
		}
	}
}

// decodeList reads a list answer: a bare array (v2) or an enveloped one (v3). Elements that
// are not objects are left out.
func (c *Client) decodeList(op string, rep *reply) ([]wireSubscription, error) {
	raw := json.RawMessage(trimSpace(rep.body))
	if !json.Valid(raw) {
		return nil, c.malformed(op, rep, "list answer is not JSON")
	}
	if jsonx.KindOf(raw) == jsonx.KindObject {
		_, env, _ := unwrap(raw)
		if !env.isEnvelope() {
			return nil, c.malformed(op, rep, "list answer is neither a list nor an envelope")
		}
		if !env.success() {
			return nil, &Error{Op: op, Status: rep.status, Class: ClassBusiness, Message: c.scrub(env.message())}
		}
		raw = env.Data
	}
	if jsonx.KindOf(raw) != jsonx.KindArray {
		return nil, c.malformed(op, rep, "list answer is not a list")
	}
	var list []jsonx.Object[wireSubscription]
	_ = jsonx.Unmarshal(raw, &list) // a valid array: cannot fail
	out := make([]wireSubscription, 0, len(list))
	for _, it := range list {
		if it.OK() {
			out = append(out, it.V)
		}
	}
	return out, nil
}

func subscriptionFrom(id int, w wireSubscription) *Subscription {
	s := &Subscription{
		ID:          id,
		Name:        textOf(w.Name),
		Year:        textOf(w.Year),
		Type:        textOf(w.Type),
		MediaSource: textOf(w.MediaSource),
		MediaID:     textOf(w.MediaID),
		State:       textOf(w.State),
		Username:    textOf(w.Username),
		BestVersion: w.BestVersion.Bool(),
		Date:        textOf(w.Date),
		// execution_status is a short code or word; bounded like every text shown to people.
		ExecutionStatus: trunc.Mark(textOf(w.ExecutionStatus), 40),
	}
	if n, ok := w.Season.Int(); ok {
		s.Season = &n
	}
	s.TMDBID, _ = w.TMDBID.Int()
	if s.TMDBID == 0 && s.MediaSource == tmdbSource {
		s.TMDBID, _ = jsonx.Value{Kind: jsonx.KindString, Text: s.MediaID}.Int()
	}
	s.StartEpisode, _ = w.StartEpisode.Int()
	s.TotalEpisode, _ = w.TotalEpisode.Int()
	s.LackEpisode, _ = w.LackEpisode.Int()
	s.CompletedEpisode, _ = w.CompletedEpisode.Int()
	return s
}

// createBody is the JSON Create sends; field names are MoviePilot's Subscribe schema.
type createBody struct {
	Name         string `json:"name"`
	Year         string `json:"year,omitempty"`
	Type         string `json:"type"`
	TMDBID       int    `json:"tmdbid,omitempty"`
	MediaSource  string `json:"media_source,omitempty"`
	MediaID      string `json:"media_id,omitempty"`
	Season       *int   `json:"season,omitempty"`
	StartEpisode int    `json:"start_episode,omitempty"`
	TotalEpisode int    `json:"total_episode,omitempty"`
	BestVersion  int    `json:"best_version,omitempty"`
	Quality      string `json:"quality,omitempty"`
	Resolution   string `json:"resolution,omitempty"`
	Effect       string `json:"effect,omitempty"`
}

// Payload returns exactly the JSON body Create would send for req under the resolved API
// version (so it may detect the version). It holds no secret and is meant for dry-run logs.
func (c *Client) Payload(ctx context.Context, req SubscribeRequest) ([]byte, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	ver, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	return buildBody(ver, req)
}

func validate(req SubscribeRequest) error {
	bad := func(format string, args ...any) error {
		return &Error{Op: "create", Class: ClassPermanent, Message: "invalid request: " + fmt.Sprintf(format, args...)}
	}
	switch {
	case req.Name == "":
		return bad("name is required")
	case req.TMDBID <= 0:
		return bad("tmdb id must be > 0")
	case req.Year < 0:
		return bad("year must not be negative")
	case req.MediaType != MediaMovie && req.MediaType != MediaTV:
		return bad("media type %q is neither %q nor %q", req.MediaType, MediaMovie, MediaTV)
	}
	if req.MediaType == MediaTV {
		switch {
		case req.Season == nil:
			return bad("a TV subscription needs a season (MoviePilot would silently use season 1)")
		case *req.Season < 1:
			return bad("season %d cannot be subscribed: MoviePilot stores season 0 as season 1", *req.Season)
		case req.StartEpisode < 0 || req.TotalEpisode < 0:
			return bad("episode numbers must not be negative")
		}
	}
	return nil
}

func buildBody(ver string, req SubscribeRequest) ([]byte, error) {
	b := createBody{
		Name:       req.Name,
		Type:       typeMovie,
		Quality:    req.Quality,
		Resolution: req.Resolution,
		Effect:     req.Effect,
	}
	if req.Year > 0 {
		b.Year = strconv.Itoa(req.Year)
	}
	if ver == VersionV3 {
		b.MediaSource, b.MediaID = tmdbSource, strconv.Itoa(req.TMDBID)
	} else {
		b.TMDBID = req.TMDBID
	}
	if req.MediaType == MediaTV {
		season := *req.Season
		b.Type, b.Season = typeTV, &season
		b.StartEpisode, b.TotalEpisode = req.StartEpisode, req.TotalEpisode
	}
	if req.BestVersion {
		b.BestVersion = 1
	}
	return json.Marshal(b)
}

// Create creates a subscription and returns its id. MoviePilot answers a duplicate with the
// EXISTING id, exactly like a new one: Lookup first to tell them apart. Success is HTTP 200
// with success:true and a non-null data.id; anything else is an *Error.
func (c *Client) Create(ctx context.Context, req SubscribeRequest) (id int, err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("create", spent, err) }()
	body, err := c.Payload(ctx, req)
	if err != nil {
		return 0, err
	}
	rep, err := c.call(ctx, "create", request{
		method: http.MethodPost, path: subscribePath, body: body, ctype: "application/json",
	})
	if err != nil {
		return 0, err
	}
	if rep.status != http.StatusOK {
		return 0, c.httpError("create", rep)
	}
	_, env, ok := unwrap(rep.body)
	if !ok {
		return 0, c.malformed("create", rep, "create answer is not a JSON object")
	}
	if !env.isEnvelope() {
		return 0, c.malformed("create", rep, "create answer has no boolean success")
	}
	if !env.success() {
		msg := c.scrub(trunc.Mark(env.message(), maxErrBody))
		if msg == "" {
			msg = "success:false without a message"
		}
		e := &Error{Op: "create", Status: rep.status, Class: ClassBusiness, Message: msg,
			Body: c.scrub(trunc.Mark(string(rep.body), maxErrBody))}
		if strings.Contains(env.message(), notRecognised) {
			// The id is not in MoviePilot's message, and the message has two causes.
			e.Reason = ReasonNotRecognised
			e.Message = fmt.Sprintf("MoviePilot could not recognise %s (%q): the id may not exist on TMDB, "+
				"or MoviePilot cannot reach TMDB right now (check its network/proxy)", what(req), msg)
		}
		return 0, e
	}
	var data struct {
		ID jsonx.Value `json:"id"`
	}
	_ = jsonx.Unmarshal(env.Data, &data) // not an object: no id
	id, ok = data.ID.Int()
	if !ok || id <= 0 {
		return 0, c.malformed("create", rep, "success:true without data.id")
	}
	return id, nil
}
