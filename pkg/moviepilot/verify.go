package moviepilot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

const seerrPath = "/api/v1/subscribe/seerr"

// ErrAccepted is what Subscribe returns when it handed the subscription to MoviePilot's
// /api/v1/subscribe/seerr endpoint (MoviePilot v3, to keep the requester as the owner). That
// endpoint answers before it acts and only logs a failure, so nothing is known yet: the
// caller must Lookup until a subscription of the right type and season appears, and must not
// record success before that.
var ErrAccepted = errors.New("moviepilot: accepted by /api/v1/subscribe/seerr; the subscription is added in the background, look it up to confirm")

// Created is a subscription Subscribe made (or found) and read back from MoviePilot.
type Created struct {
	Subscription
	// OwnerErr is set when the subscription is right but its owner could not be set to the
	// requested user (the subscription then belongs to the user seerrpilot signs in as).
	OwnerErr error
}

// Get reads one subscription by id (GET /api/v1/subscribe/{id}); (nil, nil) when the answer says
// there is none (v3's empty object). MoviePilot v2.5.6 cannot say so: for a missing id (deleted,
// or moved to the subscription history) it answers 500 "Internal Server Error", which Get
// returns as an *Error like any other server failure. Ids are reused on v2.5.6 (max(id)+1), so
// a row read by an old id may be another subscription: check it with Matches.
func (c *Client) Get(ctx context.Context, id int) (*Subscription, error) {
	raw, w, err := c.getObserved(ctx, id)
	if err != nil || raw == nil {
		return nil, err
	}
	sid, _ := w.ID.Int()
	return subscriptionFrom(sid, w), nil
}

// getObserved is getRaw reported to Observe as "get".
func (c *Client) getObserved(ctx context.Context, id int) (raw json.RawMessage, w wireSubscription, err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("get", spent, err) }()
	return c.getRaw(ctx, id)
}

// getRaw returns the subscription object as MoviePilot sent it (unwrapped from v3's envelope)
// and as read, or a nil raw when there is none.
func (c *Client) getRaw(ctx context.Context, id int) (json.RawMessage, wireSubscription, error) {
	var none wireSubscription
	if id <= 0 {
		return nil, none, &Error{Op: "get", Class: ClassPermanent, Message: "invalid request: id must be > 0"}
	}
	rep, err := c.call(ctx, "get", request{method: http.MethodGet, path: subscribePath + strconv.Itoa(id)})
	if err != nil {
		return nil, none, err
	}
	if rep.status != http.StatusOK {
		return nil, none, c.httpError("get", rep)
	}
	if string(trimSpace(rep.body)) == "null" {
		return nil, none, nil
	}
	obj, env, ok := unwrap(rep.body)
	if !ok {
		return nil, none, c.malformed("get", rep, "subscription answer is not a JSON object")
	}
	if env.isEnvelope() {
		if !env.success() {
			return nil, none, &Error{Op: "get", Status: rep.status, Class: ClassBusiness, Message: c.scrub(env.message())}
		}
		if env.noData() {
			return nil, none, nil
		}
	}
	w, ok := subscriptionOf(obj)
	if !ok {
		return nil, none, c.malformed("get", rep, "subscription answer's data is not an object")
	}
	if w.none() {
		return nil, none, nil
	}
	if _, ok := w.ID.Int(); !ok {
		return nil, none, c.malformed("get", rep, "subscription answer's id is not an integer")
	}
	return obj, w, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// Matches reports whether sub is the subscription req asks for: same TMDB id (when the row
// names one), same media type, and for TV the same season; a movie row has no season. It is
// false for a row of unknown type.
func Matches(sub *Subscription, req SubscribeRequest) bool {
	if sub == nil || sub.ID <= 0 {
		return false
	}
	if sub.TMDBID != 0 && sub.TMDBID != req.TMDBID {
		return false
	}
	switch req.MediaType {
	case MediaMovie:
		return sub.Type == typeMovie && (sub.Season == nil || *sub.Season == 0)
	case MediaTV:
		return sub.Type == typeTV && sub.Season != nil && req.Season != nil && *sub.Season == *req.Season
	}
	return false
}

// Describe names a subscription for people: "Breaking Bad S1" (#7), a TV subscription.
func Describe(sub *Subscription) string {
	name := sub.Name
	if name == "" {
		name = "tmdb:" + strconv.Itoa(sub.TMDBID)
	}
	kind := "a subscription of unknown type " + strconv.Quote(sub.Type)
	switch sub.Type {
	case typeMovie:
		kind = "a movie subscription"
	case typeTV:
		kind = "a TV subscription"
		if sub.Season != nil {
			name += " S" + strconv.Itoa(*sub.Season)
		}
	}
	return fmt.Sprintf("%q (#%d), %s", name, sub.ID, kind)
}

// what names the asked-for subscription: TMDB movie 1396, TMDB TV 1396 season 2.
func what(req SubscribeRequest) string {
	if req.MediaType == MediaTV && req.Season != nil {
		return fmt.Sprintf("TMDB TV %d season %d", req.TMDBID, *req.Season)
	}
	return fmt.Sprintf("TMDB %s %d", req.MediaType, req.TMDBID)
}

// mismatch is the permanent error for an answered id that is not what was asked for.
func mismatch(ver string, req SubscribeRequest, sub *Subscription) *Error {
	msg := fmt.Sprintf("MoviePilot answered success with the id of %s when asked for %s, and created nothing", Describe(sub), what(req))
	if req.MediaType == MediaMovie && ver == VersionV2 {
		msg += ": MoviePilot 2.x keys a movie subscription by its TMDB number alone, and TMDB movie and TV numbers overlap, " +
			"so it took that subscription for this movie. To get the movie: upgrade MoviePilot to v3 (it keys subscriptions by " +
			"type and season), or delete (or pause and re-add later) the other subscription, subscribe the movie by hand in " +
			"MoviePilot, then subscribe the other one again; then retry this task"
	} else {
		msg += ": subscribe it by hand in MoviePilot, then retry this task"
	}
	return &Error{Op: "create", Class: ClassPermanent, Message: msg}
}

// Subscribe creates the subscription req asks for and confirms it by reading it back: the
// answered id must be a subscription of the same TMDB id, media type and season (MoviePilot 2.x
// answers a movie with the id of a TV subscription that has the same TMDB number, and creates
// nothing). A mismatch is a ClassPermanent error that says what MoviePilot did.
//
// req.Username, when set, is who the subscription should belong to (the Seerr requester):
//
//   - v2: POST /api/v1/subscribe/ always stores the signed-in user, so Subscribe then writes
//     the owner with PUT /api/v1/subscribe/ (the full object as read back, username changed;
//     v2.5.6's update writes every non-null field, and fills missing ones with the schema's
//     defaults, so a partial object would reset total_episode) and reads it back. If that does
//     not stick, the subscription is still returned, with OwnerErr set.
//   - v3: the create and the update both ignore username; only /api/v1/subscribe/seerr keeps
//     it. With an API token configured (and no episode range, which that endpoint cannot
//     carry), Subscribe posts there and returns ErrAccepted: the caller looks the subscription
//     up until it appears. Without a token it creates normally and sets OwnerErr.
func (c *Client) Subscribe(ctx context.Context, req SubscribeRequest) (*Created, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	ver, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	if ver == VersionV3 && req.Username != "" && c.token != "" && req.StartEpisode == 0 && req.TotalEpisode == 0 {
		if err := c.seerrAdd(ctx, req); err != nil {
			return nil, err
		}
		return nil, ErrAccepted
	}
	id, err := c.Create(ctx, req)
	if err != nil {
		return nil, err
	}
	obj, w, err := c.getObserved(ctx, id)
	if err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, &Error{Op: "create", Class: ClassRetry, Message: fmt.Sprintf(
			"MoviePilot answered success with id %d for %s, but has no subscription %d when asked for it; will look again", id, what(req), id)}
	}
	sub := subscriptionFrom(id, w)
	if !Matches(sub, req) {
		return nil, mismatch(ver, req, sub)
	}
	out := &Created{Subscription: *sub}
	if req.Username == "" || sub.Username == req.Username {
		return out, nil
	}
	if ver == VersionV3 {
		out.OwnerErr = fmt.Errorf("MoviePilot v3 keeps the requester %q only through /api/v1/subscribe/seerr, which needs MP_TOKEN (its API token); the subscription belongs to %q", req.Username, sub.Username)
		return out, nil
	}
	if err := c.setOwner(ctx, obj, req.Username); err != nil {
		out.OwnerErr = fmt.Errorf("could not make %q the subscription's user (it belongs to %q): %w", req.Username, sub.Username, err)
		return out, nil
	}
	back, err := c.Get(ctx, id)
	switch {
	case err != nil:
		out.OwnerErr = fmt.Errorf("set the subscription's user to %q but could not read it back: %w", req.Username, err)
	case back == nil || !Matches(back, req):
		out.OwnerErr = fmt.Errorf("set the subscription's user to %q but subscription %d no longer reads back as %s", req.Username, id, what(req))
	case back.Username != req.Username:
		out.OwnerErr = fmt.Errorf("MoviePilot kept %q as the subscription's user after an update to %q", back.Username, req.Username)
	default:
		out.Subscription = *back
	}
	return out, nil
}

// setOwner writes raw, the subscription object as read, back with PUT /api/v1/subscribe/,
// username changed. Every other field goes back as it came (numbers unchanged): v2's update
// resets a missing field to the schema's default.
func (c *Client) setOwner(ctx context.Context, raw json.RawMessage, username string) (err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("update", spent, err) }()
	var cp map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&cp); err != nil {
		return &Error{Op: "update", Class: ClassPermanent, Message: "cannot read the subscription back: " + err.Error()}
	}
	cp["username"] = username
	body, err := json.Marshal(cp)
	if err != nil {
		return &Error{Op: "update", Class: ClassPermanent, Message: "cannot encode the subscription: " + err.Error()}
	}
	rep, err := c.call(ctx, "update", request{method: http.MethodPut, path: subscribePath, body: body, ctype: "application/json"})
	if err != nil {
		return err
	}
	return c.result("update", rep)
}

// result checks a schemas.Response answer: HTTP 200 with success:true.
func (c *Client) result(op string, rep *reply) error {
	if rep.status != http.StatusOK {
		return c.httpError(op, rep)
	}
	_, env, ok := unwrap(rep.body)
	if !ok {
		return c.malformed(op, rep, op+" answer is not a JSON object")
	}
	if !env.isEnvelope() {
		return c.malformed(op, rep, op+" answer has no boolean success")
	}
	if !env.success() {
		msg := c.scrub(trunc.Mark(env.message(), maxErrBody))
		if msg == "" {
			msg = "success:false without a message"
		}
		return &Error{Op: op, Status: rep.status, Class: ClassBusiness, Message: msg}
	}
	return nil
}

// seerrBody is the part of Seerr's webhook that /api/v1/subscribe/seerr reads.
type seerrBody struct {
	NotificationType string         `json:"notification_type"`
	Subject          string         `json:"subject"`
	Media            seerrMedia     `json:"media"`
	Request          seerrRequest   `json:"request"`
	Extra            []seerrExtraKV `json:"extra"`
}

type seerrMedia struct {
	MediaType string `json:"media_type"`
	TMDBID    string `json:"tmdbId"`
}

type seerrRequest struct {
	RequestedBy string `json:"requestedBy_username"`
}

type seerrExtraKV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// seerrAdd posts one subscription to /api/v1/subscribe/seerr, authorised by the raw API token.
func (c *Client) seerrAdd(ctx context.Context, req SubscribeRequest) (err error) {
	ctx, spent := track(ctx)
	defer func() { c.report("seerr", spent, err) }()
	b := seerrBody{
		NotificationType: "MEDIA_AUTO_APPROVED",
		Subject:          req.Name,
		Media:            seerrMedia{MediaType: req.MediaType, TMDBID: strconv.Itoa(req.TMDBID)},
		Request:          seerrRequest{RequestedBy: req.Username},
		Extra:            []seerrExtraKV{},
	}
	if req.MediaType == MediaTV {
		b.Extra = append(b.Extra, seerrExtraKV{Name: "Requested Seasons", Value: strconv.Itoa(*req.Season)})
	}
	body, err := json.Marshal(b)
	if err != nil {
		return &Error{Op: "seerr", Class: ClassPermanent, Message: "cannot encode the request: " + err.Error()}
	}
	rep, err := c.call(ctx, "seerr", request{method: http.MethodPost, path: seerrPath, body: body,
		ctype: "application/json", rawToken: true})
	if err != nil {
		return err
	}
	if rep.status == http.StatusBadRequest || rep.status == http.StatusUnauthorized {
		// Its own check (v2 400, v3 401 "授权失败"): the raw Authorization is not API_TOKEN.
		e := c.httpError("seerr", rep)
		e.Class = ClassAuth
		e.Message = "MoviePilot refused MP_TOKEN on /api/v1/subscribe/seerr (" + e.Message +
			"): set MP_TOKEN to MoviePilot's API_TOKEN; seerrpilot uses it there to keep the requester as the subscription's user"
		return e
	}
	return c.result("seerr", rep)
}
