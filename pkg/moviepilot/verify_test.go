package moviepilot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

func mirror() SubscribeRequest {
	return SubscribeRequest{Name: "Mirror", Year: 1975, MediaType: MediaMovie, TMDBID: 1396}
}

// v2 answers a movie with the id of a show that has the same TMDB number: Subscribe reads the
// id back and refuses it, saying what MoviePilot did and what to do.
func TestSubscribeRefusesAnotherRowsID(t *testing.T) {
	s := fake(t, mptest.Options{AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey, APIVersion: "v2"})
	ctx := context.Background()
	show, err := c.Subscribe(ctx, SubscribeRequest{Name: "Breaking Bad", MediaType: MediaTV, TMDBID: 1396, Season: intp(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Subscribe(ctx, mirror())
	e := asError(t, err)
	if e.Class != ClassPermanent || !strings.Contains(e.Message, `"Breaking Bad S1" (#`+strconv.Itoa(show.ID)+`), a TV subscription`) ||
		!strings.Contains(e.Message, "TMDB movie 1396") || !strings.Contains(e.Message, "MoviePilot 2.x") {
		t.Fatalf("%v", err)
	}
	if n := len(s.Subscriptions()); n != 1 {
		t.Fatalf("%d rows", n)
	}
}

// v3 answers a duplicate success:true with the existing id and 订阅已存在: Subscribe confirms
// that id like any other and returns it.
func TestSubscribeV3DuplicateIsConfirmedExisting(t *testing.T) {
	s := fake(t, mptest.Options{Version: mptest.V3, AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	first, err := c.Subscribe(context.Background(), tvReq(2))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Subscribe(context.Background(), tvReq(2))
	if err != nil || again.ID != first.ID || *again.Season != 2 || again.MediaID != "95396" {
		t.Fatalf("%+v %v (first #%d)", again, err, first.ID)
	}
	if n := len(s.Subscriptions()); n != 1 {
		t.Fatalf("%d rows", n)
	}
}

// v2: the owner is written with an update of the whole row and read back; nothing else moves.
func TestSubscribeV2SetsOwner(t *testing.T) {
	s := fake(t, mptest.Options{})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthLogin, APIVersion: "v2"})
	req := tvReq(1)
	req.TotalEpisode, req.Username = 9, "bob"
	got, err := c.Subscribe(context.Background(), req)
	if err != nil || got.OwnerErr != nil || got.Username != "bob" {
		t.Fatalf("%+v %v", got, err)
	}
	row := s.Subscriptions()[0]
	if row.Username != "bob" || row.TotalEpisode != 9 || row.LackEpisode != 9 {
		t.Fatalf("row %+v", row)
	}
	var ops []string
	for _, call := range s.Calls() {
		ops = append(ops, call.Op)
	}
	if strings.Join(ops, ",") != "login,create,get,update,get" {
		t.Fatalf("calls %v", ops)
	}
}

// v3: with the API token the subscription goes through /subscribe/seerr (raw Authorization)
// and the caller is told to confirm; without one it is created normally and OwnerErr says why
// the owner is the signed-in user.
func TestSubscribeV3Requester(t *testing.T) {
	s := fake(t, mptest.Options{Version: mptest.V3, AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	req := mirror()
	req.Username = "bob"
	if _, err := c.Subscribe(context.Background(), req); !errors.Is(err, ErrAccepted) {
		t.Fatalf("err = %v", err)
	}
	calls := s.Calls()
	last := calls[len(calls)-1]
	if last.Op != "seerr" || last.Auth != "authorization-raw" || last.Status != 200 {
		t.Fatalf("last call %+v", last)
	}
	sub, err := c.Lookup(context.Background(), 1396, nil)
	if err != nil || sub == nil || sub.Username != "bob" || sub.Type != "电影" {
		t.Fatalf("%+v %v", sub, err)
	}

	login := client(t, Config{BaseURL: s.URL(), Scheme: AuthLogin})
	req2 := tvReq(3)
	req2.Username = "carol"
	got, err := login.Subscribe(context.Background(), req2)
	if err != nil || got.OwnerErr == nil || !strings.Contains(got.OwnerErr.Error(), "MP_TOKEN") || got.Username != fakeUser {
		t.Fatalf("%+v %v", got, err)
	}
}

// A wrong token on /subscribe/seerr is an auth error that names MP_TOKEN and never the token.
func TestSeerrEndpointRefusesToken(t *testing.T) {
	s := fake(t, mptest.Options{Version: mptest.V3, AcceptAPIKey: true})
	req := mirror()
	req.Username = "bob"
	// The version probe would fail first with a wrong query token: give the version.
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthQueryToken, Token: "WRONG-token-abcdef12", APIVersion: "v3"})
	_, err := c.Subscribe(context.Background(), req)
	e := asError(t, err)
	if e.Class != ClassAuth || !strings.Contains(e.Message, "MP_TOKEN") || strings.Contains(err.Error(), "WRONG-token") {
		t.Fatalf("%v", err)
	}
}

// v3's lookup cannot ask for "no season": with a show and a movie of one number, a movie
// lookup pages the list for the movie row.
func TestV3MovieLookupPagesTheList(t *testing.T) {
	s := fake(t, mptest.Options{Version: mptest.V3, AcceptAPIKey: true})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey})
	ctx := context.Background()
	if _, err := c.Subscribe(ctx, SubscribeRequest{Name: "Breaking Bad", MediaType: MediaTV, TMDBID: 1396, Season: intp(1)}); err != nil {
		t.Fatal(err)
	}
	if sub, err := c.Lookup(ctx, 1396, nil); err != nil || sub != nil {
		t.Fatalf("no movie yet: %+v %v", sub, err)
	}
	for i := 0; i < listPage+5; i++ { // more than one page
		if _, err := c.Subscribe(ctx, SubscribeRequest{Name: "x", MediaType: MediaMovie, TMDBID: 5000 + i}); err != nil {
			t.Fatal(err)
		}
	}
	movie, err := c.Subscribe(ctx, mirror())
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Lookup(ctx, 1396, nil)
	if err != nil || sub == nil || sub.ID != movie.ID {
		t.Fatalf("%+v %v, want #%d", sub, err, movie.ID)
	}
}

// "未识别到媒体信息" is classified (Reason, through errors.As) and explained with the id.
func TestNotRecognisedIsTyped(t *testing.T) {
	s := fake(t, mptest.Options{AcceptAPIKey: true, KnownTMDB: map[int]mptest.Media{1: {Title: "x", Type: "movie"}}})
	c := client(t, Config{BaseURL: s.URL(), Scheme: AuthXAPIKey, APIVersion: "v2"})
	_, err := c.Subscribe(context.Background(), tvReq(2))
	var e *Error
	if !errors.As(fmt.Errorf("wrapped: %w", err), &e) || e.Class != ClassBusiness || e.Reason != ReasonNotRecognised ||
		!strings.Contains(e.Message, `TMDB TV 95396 season 2 ("未识别到媒体信息")`) {
		t.Fatalf("%#v", err)
	}
	s.BusinessFailNext(1, "未获取到第 2 季的总集数")
	_, err = c.Subscribe(context.Background(), SubscribeRequest{Name: "x", MediaType: MediaMovie, TMDBID: 1})
	if e := asError(t, err); e.Reason != ReasonNone {
		t.Fatalf("%#v", err)
	}
}
