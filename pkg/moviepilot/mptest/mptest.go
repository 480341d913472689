// Package mptest is a faithful in-process fake of MoviePilot's subscription API, for unit
// tests, end-to-end runs and a sandbox program.
//
// It reproduces the behaviour documented in shared/reference/moviepilot-facts.md, quirks
// included:
//
//   - POST /api/v1/login/access-token (form: username, password) issues HS256 JWTs signed
//     with a per-process secret; Restart rotates the secret, so every issued JWT then gets
//     403 {"detail":"token校验不通过"}. No credentials give 401 {"detail":"Not authenticated"};
//     a bad password gives 401 {"detail":"用户名或密码或二次校验码不正确"}.
//   - Create and lookup are JWT endpoints. With Options.AcceptAPIKey (v2.9+/v3 behaviour) the
//     API token also authorises them: header X-API-KEY, then ?apikey=, then ?token=.
//   - POST /api/v1/subscribe (no trailing slash) is answered 307 to /api/v1/subscribe/.
//   - A "type" other than 电影/电视剧/系列/未知 gives 500 with plain "Internal Server Error".
//   - A TV season that is missing or 0 is stored as season 1; movies never keep a season.
//   - A duplicate (same tmdbid+season, or tmdbid alone when there is no season) answers
//     success:true with the EXISTING id, exactly like a new creation.
//   - v2 lookup of something unknown answers 200 with an all-null Subscribe object (every
//     field null, those with defaults too).
//   - v3 wraps every answer in {"success","message","data"}, identifies media by
//     media_source+media_id (only one of them → success:false; neither → title recognition),
//     and answers 422 to a lookup without ?media_source=. Its identity includes the season,
//     so a movie and a show with one TMDB number are two rows; a duplicate answers
//     success:true, the existing id and "订阅已存在". List endpoints take page/count and send
//     X-Total-Count. Every auth failure is 401 (v2.5.6: a bad JWT is 403).
//   - GET /api/v1/subscribe/{id}: the row. A missing id: v2.5.6 returns None against a
//     non-optional response model, a plain-text 500 "Internal Server Error"; v3 an empty
//     object in the envelope. Id 0 answers the all-null object. DELETE removes the row (no
//     history), success whether it existed or not.
//   - v2 ids are sqlite's max(id)+1, so the id of a finished or deleted newest row is given
//     to the next subscription (seen on a real 2.5.6); v3 ids only grow.
//   - GET /api/v1/subscribe/history/{mtype}?page=1&count=30: finished subscriptions of that
//     type (电影/电视剧), newest first, as Subscribe rows with ids of their own and "date" the
//     completion time; other mtypes answer []. Finish moves a subscription there, as
//     MoviePilot does when it completes; Delete removes one without history, as a user does.
//     v3 lists also carry execution_status and completed_episode (SetProgress).
//   - PUT /api/v1/subscribe/ (update): v2.5.6 writes every non-null field, username
//     included, and fills fields left out with the schema defaults (total_episode 0 …);
//     v3 writes only the fields sent and always keeps the row's username.
//   - POST /api/v1/subscribe/seerr: raw Authorization == API_TOKEN (else v2 400, v3 401
//     "授权失败"); answers success before acting, then adds one row per movie or requested
//     season with requestedBy_username as the user (after Options.SeerrLag more requests).
//   - Create stores the signed-in user (the API token: SuperUser) as username, in both
//     versions, whatever the body says.
//   - v3 serves the MCP endpoint POST /api/v1/mcp (X-API-KEY or ?apikey= = API_TOKEN) with
//     the tool send_message, whose accepted notices Messages returns; v2 (2.5.6) answers 404
//     there. The source it follows is in mcp.go.
//
// Faults can be injected at run time, concurrently with requests: FailNext, RateLimitNext,
// BusinessFailNext, CreateThenFailNext, SetDown and SetLatency; Finish, Delete and
// SetProgress do what MoviePilot's jobs and users do to a subscription. Subscriptions, Calls,
// CreateCount and LoginCount let a test see what the fake received and stored.
//
// The package does not import testing: New starts an httptest.Server, NewHandler returns a
// plain http.Handler that a sandbox binary can serve on a real port.
package mptest

import (
	"net/http"
	"net/http/httptest"
	"time"
)

// Versions of MoviePilot's API the fake can speak.
const (
	V2 = "v2"
	V3 = "v3"
)

// Media types as MoviePilot spells them in the "type" field.
const (
	TypeMovie = "电影"
	TypeTV    = "电视剧"
)

// Options configure a fake MoviePilot. The zero value is a v2.5.6-like server with no
// users, no API token and no catalogue.
type Options struct {
	// Version is "v2" (default) or "v3".
	Version string
	// APIToken is MoviePilot's API_TOKEN setting.
	APIToken string
	// Users maps user names to passwords for the JWT login endpoint.
	Users map[string]string
	// AcceptAPIKey makes the API token authorise JWT endpoints too (v2.9+/v3). When false
	// (v2.5.6) create and lookup need a JWT.
	AcceptAPIKey bool
	// KnownTMDB is an optional catalogue standing in for TMDB. When set, an id it does not
	// hold fails with success:false "未识别到媒体信息", and name/year/type come from it.
	KnownTMDB map[int]Media
	// SuperUser is the user name recorded when the API token authorises a call
	// (default "admin").
	SuperUser string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// SeerrLag is how many further requests arrive before a POST /api/v1/subscribe/seerr's
	// background adds run. MoviePilot answers that endpoint before it acts; with 0 (the
	// default) the adds run just before the next request is handled.
	SeerrLag int
	// MCPSessions makes the v3 MCP endpoint keep sessions as its builds of Nov–Dec 2025 did
	// (Mcp-Session-Id from initialize, wanted back on every later call); see mcp.go.
	MCPSessions bool
}

// Media is one catalogue entry, standing in for TMDB's answer.
type Media struct {
	// Title and Year overwrite what the create request sent, as TMDB recognition does.
	Title string
	Year  string
	// Type is "movie" or "tv".
	Type string
	// Seasons maps a TV season number to its episode count. A season that is missing (or
	// has 0 episodes) fails a create without total_episode with
	// "未获取到第 N 季的总集数".
	Seasons map[int]int
}

// Subscription is one stored subscription row.
type Subscription struct {
	ID           int
	Name         string
	Year         string
	Type         string // 电影 or 电视剧
	TMDBID       int
	MediaSource  string // v3 only
	MediaID      string // v3 only
	Season       *int   // nil for movies
	StartEpisode int
	TotalEpisode int
	LackEpisode  int
	BestVersion  int
	Quality      string
	Resolution   string
	Effect       string
	Username     string
	State        string
	Created      time.Time
	// CompletedEpisode and ExecutionStatus are v3's progress fields (see SetProgress).
	CompletedEpisode int
	ExecutionStatus  string
}

// Call is one request the fake received.
type Call struct {
	Time   time.Time
	Method string
	Path   string
	// Query is the raw query with the values of token, apikey and password replaced.
	Query string
	// Op is "login", "create", "redirect", "lookup", "get", "update", "seerr", "list",
	// "list-token", "history", "mcp" or "unknown".
	Op string
	// Auth is how the request authenticated: "jwt", "x-api-key", "apikey-query",
	// "token-query", or "" when it did not (or the endpoint needs none).
	Auth string
	// Status is the HTTP status the fake answered.
	Status int
}

// CountStatus counts the calls the fake answered with status.
func CountStatus(calls []Call, status int) int {
	n := 0
	for _, c := range calls {
		if c.Status == status {
			n++
		}
	}
	return n
}

// Server is a Fake served by an httptest.Server.
type Server struct {
	*Fake
	srv *httptest.Server
}

// New starts a fake MoviePilot on a loopback port. Close it when done.
func New(opts Options) *Server {
	f := NewHandler(opts)
	return &Server{Fake: f, srv: httptest.NewServer(f)}
}

// URL is the base URL of the server, without a trailing slash.
func (s *Server) URL() string { return s.srv.URL }

// Client is an HTTP client suitable for talking to the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down and blocks until all requests have finished.
func (s *Server) Close() { s.srv.Close() }
