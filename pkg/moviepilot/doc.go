// Package moviepilot is seerrpilot's HTTP client for MoviePilot's subscription API.
//
// It looks subscriptions up (Lookup, Get), follows them after they are made (Current, and
// History: the finished ones MoviePilot moved to its subscribe history) and creates them: Subscribe creates, reads the
// answered id back and refuses a row of another type or season (MoviePilot 2.x answers a
// movie with the id of a show that shares its TMDB number), and makes the requester its owner
// (see Subscribe); Create is the bare POST, and Payload gives its exact JSON body for dry
// runs. SendMessage hands a notice to MoviePilot's own notification channels through its MCP
// server (message.go). It works under one of four auth schemes:
//
//   - AuthXAPIKey:    header "X-API-KEY: <token>" (MoviePilot v2.9+ and v3)
//   - AuthBearer:     header "Authorization: Bearer <token>"
//   - AuthQueryToken: "?token=<token>" on every request URL (v2.9+ and v3 for JWT endpoints)
//   - AuthLogin:      POST /api/v1/login/access-token (form username, password), then
//     "Authorization: Bearer <jwt>". The JWT is cached; on a 401 or 403 the client logs in
//     again once and repeats the call once, because MoviePilot's JWTs die when it restarts.
//
// # API version detection
//
// MoviePilot v2 identifies media by "tmdbid"; v3 by "media_source" + "media_id" and wraps
// every answer in {"success","message","data"}. With APIVersion "auto" (or empty) the client
// detects the version once, lazily, on the first call that needs it, by sending the harmless
// read
//
//	GET /api/v1/subscribe/media/tmdb:0
//
// (a lookup of a TMDB id that does not exist, with no query parameters; it changes nothing):
//
//   - v2 answers 200 with the bare, all-null Subscribe object → "v2";
//   - v3 answers with an envelope (an object with a "success" key) → "v3". v3 requires
//     ?media_source= on this route, so in practice it answers 422 inside an envelope; any 422
//     also counts as v3, since v2 has no required parameter there.
//
// 3xx, 401/403, 429 and 5xx answers, network errors and anything else are returned as errors
// and not cached, so the next call detects again. A successful detection is cached for the
// life of the Client. Version reports the result; APIVersion "v2" or "v3" skips detection.
//
// # Errors
//
// Every failure is an *Error whose Class tells the caller what to do: ClassRetry (network,
// timeout, 408, 429, 5xx; RetryAfter is set from Retry-After on 429/503), ClassPermanent (3xx,
// other 4xx, undecodable answers, a 200 without data.id, invalid requests, an answered id
// that is another subscription), ClassBusiness (HTTP 200 with success:false; MoviePilot's
// message is kept; Reason ReasonNotRecognised marks "未识别到媒体信息", rewritten to name the
// TMDB id and its two causes), ClassAuth (401/403 that
// survived a re-login, or any 401/403 under a static token) and ClassCanceled (the caller's
// context ended; the outcome of a create is then unknown). Classify works through wrapping.
//
// No secret (token, password, JWT) appears in an error string, in Error.Body, or in the URL of
// a wrapped *url.Error: they are replaced by "REDACTED".
package moviepilot
