// Package seerrtest is an in-memory fake of the Seerr request API (Overseerr 1.34,
// Jellyseerr 2.7.3 and Seerr 3.1 behaviour) for tests and sandboxes.
//
// It serves GET /api/v1/status, GET /api/v1/request, GET /api/v1/request/{id}, GET
// /api/v1/settings/notifications/webhook (see SetWebhookAgent) and the
// title/date part of GET /api/v1/movie/{tmdbId} and /api/v1/tv/{tmdbId} (see SetMedia) with
// the JSON shapes, query validation, filter semantics, ordering, paging and errors of
// the real servers, as recorded in shared/reference/seerr-facts.md. Its responses are
// validated against the real OpenAPI specs by this package's contract test.
//
// Use New for an httptest server, or NewHandler for a bare http.Handler (e.g. in a
// sandbox binary). The package does not import "testing".
package seerrtest

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
)

// DefaultAPIKey is the API key of a fake whose Options.APIKey is empty.
const DefaultAPIKey = "seerrtest-api-key"

// DefaultVersion is the version of a fake whose Options.Version is empty.
const DefaultVersion = "3.1.0"

// Options configure a fake.
type Options struct {
	// Version is what /status reports and selects the behaviour: "1.34.0" (Overseerr),
	// "2.7.3" (Jellyseerr), "3.1.0" (Seerr). Other 1.x/2.x/3.x versions get the
	// behaviour of their feature thresholds (sortDirection >= 2.2.0; COMPLETED,
	// completed/deleted filters and mediaType >= 2.6.0). An unparsable version behaves
	// like 3.1.0. Empty means DefaultVersion.
	Version string
	// APIKey is the key the fake accepts in X-Api-Key. Empty means DefaultAPIKey.
	APIKey string
	// IgnoreFilter makes the list ignore filter= (a broken or proxied server that
	// returns every request whatever the filter says).
	IgnoreFilter bool
	// RejectUnknownQuery answers 400 to a query parameter the version's spec does not
	// list (express-openapi-validator's default). Nil means the version's default,
	// which is true for every version: all three run the validator with
	// validateRequests enabled. Out-of-enum values are always rejected.
	RejectUnknownQuery *bool
	// BasePath serves the API under a sub-path such as "/seerr" (reverse proxy).
	BasePath string
	// Hook, when set, runs on every API call after it is logged and before it is
	// answered, outside the fake's lock: it may add, change or delete requests, e.g. to
	// shift pages between two page fetches.
	Hook func(f *Fake, c Call)
}

// Bool returns a pointer to v, for Options.RejectUnknownQuery.
func Bool(v bool) *bool { return &v }

// Call is one logged HTTP call. The API key is never recorded: if it appears in the
// path or query it is replaced by "[REDACTED]".
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Time   time.Time
	// Status is the HTTP status the fake answered (0 when the connection was dropped).
	Status int
	// KeyOK is true when the call carried the right X-Api-Key.
	KeyOK bool
}

// profile is what a version supports.
type profile struct {
	version       string
	major, minor  int
	patch         int
	sortDirection bool // >= 2.2.0
	modern        bool // >= 2.6.0: COMPLETED, DELETED, completed/deleted filters, mediaType
	serviceErrors bool // >= 3.0.0
	canRemove     bool // >= 2.5.2
	jellyfin      bool // >= 2.0.0
	// frozenUpdated (>= 2.6.0): updatedAt of requests, season requests and media is a plain
	// column with onUpdate: 'CURRENT_TIMESTAMP', which TypeORM applies on MySQL only, so on
	// SQLite and Postgres it keeps the creation time: approve, decline and status changes
	// leave it alone (before 2.6.0 it was an @UpdateDateColumn, set on every save).
	frozenUpdated bool
}

func newProfile(v string) profile {
	p := profile{version: v}
	major, minor, patch, ok := parseVersion(v)
	if !ok || major < 1 {
		major, minor, patch = 3, 1, 0
	}
	p.major, p.minor, p.patch = major, minor, patch
	atLeast := func(a, b, c int) bool {
		if major != a {
			return major > a
		}
		if minor != b {
			return minor > b
		}
		return patch >= c
	}
	p.sortDirection = atLeast(2, 2, 0)
	p.modern = atLeast(2, 6, 0)
	p.serviceErrors = atLeast(3, 0, 0)
	p.canRemove = atLeast(2, 5, 2)
	p.jellyfin = atLeast(2, 0, 0)
	p.frozenUpdated = atLeast(2, 6, 0)
	return p
}

func parseVersion(v string) (major, minor, patch int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, s := range parts {
		x, err := strconv.Atoi(s)
		if err != nil || x < 0 {
			return 0, 0, 0, false
		}
		n[i] = x
	}
	return n[0], n[1], n[2], true
}

func (p profile) filters() []string {
	f := []string{"all", "approved", "available", "pending", "processing", "unavailable", "failed"}
	if p.modern {
		f = append(f, "deleted", "completed")
	}
	return f
}

func (p profile) queryParams() map[string]bool {
	m := map[string]bool{"take": true, "skip": true, "filter": true, "sort": true, "requestedBy": true}
	if p.sortDirection {
		m["sortDirection"] = true
	}
	if p.modern {
		m["mediaType"] = true
	}
	return m
}

type user struct {
	id               int
	email            string
	username         string
	plexUsername     string
	jellyfinUsername string
	userType         int
	permissions      int
	created, updated time.Time
}

type media struct {
	id               int
	mediaType        string
	tmdbID           int
	tvdbID           *int
	imdbID           string
	status, status4k int
	created, updated time.Time
}

type season struct {
	id, number, status int
	created, updated   time.Time
}

type request struct {
	id, status       int
	typ              string
	is4k             bool
	mediaID          int
	seasons          []season
	userID           int
	modifiedBy       int // 0: null
	created, updated time.Time
}

// stateMu guards a Fake's state and counts its changes. Lock is the default and assumes
// the holder may change requests, media or users: it advances gen, which drops every
// cached list (see listRows). lockRead is for holders that leave requests, media and
// users alone (list and detail answers, Len, the call log, the down/drop switches).
// Forgetting lockRead only costs a cache rebuild; forgetting to advance gen is not
// possible with Lock.
type stateMu struct {
	mu  sync.Mutex
	gen uint64 // changes since NewHandler; read and written with mu held
}

// Lock locks the state for a change and advances gen.
func (m *stateMu) Lock() {
	m.mu.Lock()
	m.gen++
}

// lockRead locks the state for a holder that changes no request, media or user.
func (m *stateMu) lockRead() { m.mu.Lock() }

// Unlock unlocks the state.
func (m *stateMu) Unlock() { m.mu.Unlock() }

// listKey is the shape of a list query: everything that selects and orders rows (paging
// aside), after the version's and Options' adjustments.
type listKey struct {
	filter      string
	requestedBy int
	mediaType   string
	desc        bool
	byModified  bool
}

// maxListShapes bounds the list cache; a fake asked more distinct shapes starts over.
const maxListShapes = 64

// checkListCache makes every list answer also filter and sort from scratch and panic if
// the cached rows differ. This package's tests turn it on.
var checkListCache atomic.Bool

// Fake is the fake server's state and http.Handler. It is safe for concurrent use.
type Fake struct {
	opts   Options
	prof   profile
	key    string
	reject bool

	mu       stateMu
	clock    time.Time
	nextID   int
	nextMed  int
	nextSeas int
	requests map[int]*request
	media    map[int]*media
	users    map[int]*user
	catalog  map[catalogKey]catalogEntry
	titles   map[catalogKey]*media // media by (type, TMDB id); one row per title
	calls    []Call
	down     bool
	drop     bool
	webhook  WebhookAgent // settings.notifications.agents.webhook

	// lists caches the filtered, sorted rows of each list query shape; they are valid
	// while listsGen equals mu.gen. Pages slice them and never change them.
	lists      map[listKey][]*request
	listsGen   uint64
	listBuilds int // rows filtered and sorted from scratch (for tests)
}

// epoch is where the fake's clock starts; every change advances it by one second.
func epoch() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }

// NewHandler returns a fake with no requests and one admin user (id 1).
func NewHandler(opts Options) *Fake {
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	f := &Fake{
		opts:     opts,
		prof:     newProfile(opts.Version),
		key:      opts.APIKey,
		reject:   true,
		clock:    epoch(),
		nextID:   1,
		nextMed:  1,
		nextSeas: 1,
		requests: map[int]*request{},
		media:    map[int]*media{},
		users:    map[int]*user{},
		catalog:  map[catalogKey]catalogEntry{},
		titles:   map[catalogKey]*media{},
	}
	if f.key == "" {
		f.key = DefaultAPIKey
	}
	if opts.RejectUnknownQuery != nil {
		f.reject = *opts.RejectUnknownQuery
	}
	f.opts.BasePath = strings.TrimRight(opts.BasePath, "/")
	admin := &user{id: 1, email: "admin@example.com", permissions: 2, created: epoch(), updated: epoch()}
	if f.prof.jellyfin {
		admin.jellyfinUsername, admin.userType = "admin", 3
	} else {
		admin.plexUsername, admin.userType = "admin", 1
	}
	f.users[1] = admin
	return f
}

// APIKey returns the key the fake accepts.
func (f *Fake) APIKey() string { return f.key }

// Version returns the version the fake reports.
func (f *Fake) Version() string { return f.opts.Version }

// tick advances the fake's clock by one second and returns it. Callers hold f.mu.
func (f *Fake) tick() time.Time {
	f.clock = f.clock.Add(time.Second)
	return f.clock
}

// AddRequest stores a request shaped like the client's model and returns its id.
//
// Zero values get defaults: ID the next free id (an id already in use is replaced by
// the next free one), Status PENDING, Type from Media.MediaType or "movie", TMDBID
// 1000+id, CreatedAt/UpdatedAt the fake's clock, RequestedBy the admin (id 1), TV
// seasons [1]. Media are shared per (type, TMDB id) like the real media table: adding
// a request for a known title reuses its media row and, when Media.Status or
// Media.Status4K is non-zero, overwrites them. A new media row defaults to PENDING for
// the requested quality and UNKNOWN for the other. TV season requests take the
// request's status unless they carry their own. Statuses are stored as given: the fake
// does not refuse values the version lacks (e.g. COMPLETED on 1.34.0).
func (f *Fake) AddRequest(r seerr.Request) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.tick()

	id := r.ID
	if _, used := f.requests[id]; id <= 0 || used {
		id = f.nextID
		for f.requests[id] != nil {
			id++
		}
	}
	if id >= f.nextID {
		f.nextID = id + 1
	}
	typ := r.Type
	if typ == "" {
		typ = r.Media.MediaType
	}
	if typ == "" {
		typ = seerr.TypeMovie
	}
	status := r.Status
	if status == 0 {
		status = seerr.RequestPending
	}
	created, updated := r.CreatedAt, r.UpdatedAt
	if created.IsZero() {
		created = now
	}
	if updated.IsZero() {
		updated = created
	}

	tmdb := r.Media.TMDBID
	if tmdb == 0 {
		tmdb = 1000 + id
	}
	m := f.titles[catalogKey{typ, tmdb}]
	if m == nil {
		m = &media{id: f.nextMed, mediaType: typ, tmdbID: tmdb, status: seerr.MediaUnknown,
			status4k: seerr.MediaUnknown, created: created, updated: created}
		f.nextMed++
		if r.Is4K {
			m.status4k = seerr.MediaPending
		} else {
			m.status = seerr.MediaPending
		}
		f.media[m.id] = m
		f.titles[catalogKey{typ, tmdb}] = m
	}
	if r.Media.TVDBID != nil {
		v := *r.Media.TVDBID
		m.tvdbID = &v
	}
	if r.Media.IMDBID != "" {
		m.imdbID = r.Media.IMDBID
	}
	if r.Media.Status != 0 {
		m.status = r.Media.Status
	}
	if r.Media.Status4K != 0 {
		m.status4k = r.Media.Status4K
	}

	uid := 1
	if r.RequestedBy != nil && r.RequestedBy.ID > 0 {
		uid = r.RequestedBy.ID
		if f.users[uid] == nil {
			u := &user{id: uid, email: r.RequestedBy.Email, username: r.RequestedBy.Username,
				permissions: 32, created: now, updated: now}
			if u.email == "" {
				u.email = "user" + strconv.Itoa(uid) + "@example.com"
			}
			name := r.RequestedBy.DisplayName
			if name == "" {
				name = "user" + strconv.Itoa(uid)
			}
			if f.prof.jellyfin {
				u.jellyfinUsername, u.userType = name, 3
			} else {
				u.plexUsername, u.userType = name, 1
			}
			f.users[uid] = u
		}
	}

	req := &request{id: id, status: status, typ: typ, is4k: r.Is4K, mediaID: m.id, userID: uid,
		created: created, updated: updated}
	if status != seerr.RequestPending {
		req.modifiedBy = 1
	}
	if typ == seerr.TypeTV {
		seasons := r.Seasons
		if len(seasons) == 0 {
			seasons = []seerr.SeasonRequest{{SeasonNumber: 1}}
		}
		for _, s := range seasons {
			st := s.Status
			if st == 0 {
				st = status
			}
			req.seasons = append(req.seasons, season{id: f.nextSeas, number: s.SeasonNumber,
				status: st, created: created, updated: updated})
			f.nextSeas++
		}
	}
	f.requests[id] = req
	return id
}

// SetStatus sets a request's status (and its seasons'), as approve/decline do; from 2.6.0 on
// updatedAt stays as it was (see profile.frozenUpdated). It
// reports whether the request exists.
func (f *Fake) SetStatus(id, status int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests[id]
	if r == nil {
		return false
	}
	now := f.tick()
	r.status = status
	if status != seerr.RequestPending {
		r.modifiedBy = 1
	}
	for i := range r.seasons {
		r.seasons[i].status = status
	}
	f.touch(r, now)
	return true
}

// touch sets the updatedAt of r and its seasons to now, on versions that change it on a save.
// Callers hold f.mu.
func (f *Fake) touch(r *request, now time.Time) {
	if f.prof.frozenUpdated {
		return
	}
	r.updated = now
	for i := range r.seasons {
		r.seasons[i].updated = now
	}
}

// SetMediaStatus sets status and status4k of the media row of request id; 0 leaves a
// value unchanged. The change affects every request for that title. On versions
// >= 2.6.0 APPROVED requests whose media (status4k for 4K requests) became AVAILABLE or
// DELETED move to COMPLETED, as MediaSubscriber does (a TV title's media status stands
// for all of its seasons here). It reports whether the request exists.
func (f *Fake) SetMediaStatus(id, status, status4k int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests[id]
	if r == nil {
		return false
	}
	now := f.tick()
	m := f.media[r.mediaID]
	if status != 0 {
		m.status = status
	}
	if status4k != 0 {
		m.status4k = status4k
	}
	if !f.prof.frozenUpdated {
		m.updated = now
	}
	if !f.prof.modern {
		return true
	}
	for _, o := range f.requests {
		if o.mediaID != m.id || o.status != seerr.RequestApproved {
			continue
		}
		st := m.status
		if o.is4k {
			st = m.status4k
		}
		if st == seerr.MediaAvailable || st == seerr.MediaDeleted {
			o.status = seerr.RequestCompleted
			for i := range o.seasons {
				o.seasons[i].status = seerr.RequestCompleted
			}
			f.touch(o, now)
		}
	}
	return true
}

// Delete removes a request (its media row stays). It reports whether it existed.
func (f *Fake) Delete(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.requests[id] == nil {
		return false
	}
	delete(f.requests, id)
	return true
}

// Len returns the number of stored requests.
func (f *Fake) Len() int {
	f.mu.lockRead()
	defer f.mu.Unlock()
	return len(f.requests)
}

// SetDown makes every call (including /status) answer 503, like a reverse proxy in
// front of a stopped server.
func (f *Fake) SetDown(down bool) {
	f.mu.lockRead()
	f.down = down
	f.mu.Unlock()
}

// SetDropConnections makes every call end with a closed connection and no answer.
func (f *Fake) SetDropConnections(drop bool) {
	f.mu.lockRead()
	f.drop = drop
	f.mu.Unlock()
}

// Calls returns a copy of the call log, oldest first.
func (f *Fake) Calls() []Call {
	f.mu.lockRead()
	defer f.mu.Unlock()
	out := make([]Call, len(f.calls))
	for i, c := range f.calls {
		c.Query = cloneValues(c.Query)
		out[i] = c
	}
	return out
}

// ResetCalls empties the call log.
func (f *Fake) ResetCalls() {
	f.mu.lockRead()
	f.calls = nil
	f.mu.Unlock()
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if f.opts.BasePath != "" {
		if path != f.opts.BasePath && !strings.HasPrefix(path, f.opts.BasePath+"/") {
			writeHTML404(w)
			return
		}
		path = strings.TrimPrefix(path, f.opts.BasePath)
	}
	if !strings.HasPrefix(path, "/api/v1/") {
		writeHTML404(w)
		return
	}
	call := Call{
		Method: r.Method,
		Path:   f.redact(r.URL.Path),
		Time:   time.Now(),
		KeyOK:  r.Header.Get("X-Api-Key") == f.key,
	}
	if q, err := url.ParseQuery(f.redact(r.URL.RawQuery)); err == nil {
		call.Query = q
	} else {
		call.Query = url.Values{}
	}
	if f.opts.Hook != nil {
		f.opts.Hook(f, call)
	}
	f.mu.lockRead()
	down, drop := f.down, f.drop
	f.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		call.Status = rec.status
		f.mu.lockRead()
		f.calls = append(f.calls, call)
		f.mu.Unlock()
	}()
	switch {
	case drop:
		// Closes the connection without an answer; net/http recovers this panic
		// without logging it. The deferred log entry records Status 0.
		panic(http.ErrAbortHandler)
	case down:
		rec.Header().Set("Content-Type", "text/html")
		rec.WriteHeader(http.StatusServiceUnavailable)
		_, _ = rec.Write([]byte("<html><body><h1>503 Service Unavailable</h1></body></html>\n"))
		return
	}
	f.route(rec, r, strings.TrimPrefix(path, "/api/v1"))
}

func (f *Fake) redact(s string) string {
	if f.key == "" {
		return s
	}
	s = strings.ReplaceAll(s, f.key, "[REDACTED]")
	return strings.ReplaceAll(s, url.QueryEscape(f.key), "[REDACTED]")
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func writeHTML404(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<!DOCTYPE html><html><body><h1>404 - This page could not be found.</h1></body></html>\n"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// validationError answers like express-openapi-validator through Seerr's error handler.
func validationError(w http.ResponseWriter, path, msg, code string) {
	e := map[string]any{"path": path, "message": msg}
	if code != "" {
		e["errorCode"] = code
	}
	full := msg
	if code != "" {
		full = "request" + path + " " + msg
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"message": full, "errors": []any{e}})
}

// forbidden is isAuthenticated()'s answer (server/middleware/auth.ts).
func forbidden(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, map[string]any{
		"status": 403, "error": "You do not have permission to access this endpoint"})
}

func (f *Fake) route(w http.ResponseWriter, r *http.Request, p string) {
	switch {
	case p == "/status":
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": r.Method + " method not allowed"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"version": f.opts.Version, "commitTag": "local", "updateAvailable": false,
			"commitsBehind": 0, "restartRequired": false,
		})
	case p == "/request" || p == "/request/":
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": r.Method + " method not allowed"})
			return
		}
		f.list(w, r)
	case strings.HasPrefix(p, "/request/") && !strings.Contains(p[len("/request/"):], "/"):
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": r.Method + " method not allowed"})
			return
		}
		if r.Header.Get("X-Api-Key") != f.key {
			forbidden(w)
			return
		}
		f.getOne(w, p[len("/request/"):])
	case strings.HasPrefix(p, "/movie/") || strings.HasPrefix(p, "/tv/"):
		f.details(w, r, p)
	case p == "/settings/notifications/webhook":
		f.webhookSettings(w, r)
	case p == "/settings/notifications/webhook/test":
		f.webhookTest(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "not found", "errors": []any{
			map[string]any{"path": r.URL.Path, "message": "not found"}}})
	}
}

// validateList mirrors the request validator for GET /request. It returns false after
// answering 400.
func (f *Fake) validateList(w http.ResponseWriter, q url.Values) bool {
	known := f.prof.queryParams()
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	enums := map[string][]string{
		"filter":        f.prof.filters(),
		"sort":          {"added", "modified"},
		"sortDirection": {"asc", "desc"},
		"mediaType":     {"movie", "tv", "all"},
	}
	for _, k := range names {
		vs := q[k]
		if !known[k] {
			if f.reject {
				validationError(w, "/query/"+k, "Unknown query parameter '"+k+"'", "")
				return false
			}
			continue
		}
		if len(vs) > 1 {
			validationError(w, "/query/"+k, "must be "+typeOf(k), "type.openapi.validation")
			return false
		}
		v := vs[0]
		if allowed, ok := enums[k]; ok {
			if v == "" && k != "sort" {
				continue // nullable
			}
			if !contains(allowed, v) {
				validationError(w, "/query/"+k, "must be equal to one of the allowed values: "+
					strings.Join(allowed, ", "), "enum.openapi.validation")
				return false
			}
			continue
		}
		if v == "" {
			continue // nullable number
		}
		if x, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			validationError(w, "/query/"+k, "must be number", "type.openapi.validation")
			return false
		}
	}
	return true
}

func typeOf(k string) string {
	switch k {
	case "take", "skip", "requestedBy":
		return "number"
	}
	return "string"
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// filterSets returns the request-status and media-status sets of a filter for this
// version (seerr-facts.md §2, filter table).
func (p profile) filterSets(filter string) (rs, ms []int) {
	if p.modern {
		all := []int{1, 2, 3, 4, 5, 7} // 6 BLOCKLISTED is never listed
		switch filter {
		case "approved":
			return []int{2}, all
		case "processing":
			return []int{2}, []int{1, 2, 3, 4}
		case "pending":
			return []int{1}, all
		case "unavailable":
			return []int{1, 2}, []int{1, 2, 3, 4}
		case "failed":
			return []int{4}, all
		case "available":
			return []int{5}, []int{5}
		case "completed":
			return []int{5}, all
		case "deleted":
			return []int{5}, []int{7}
		}
		return []int{1, 2, 3, 4, 5}, all
	}
	all := []int{1, 2, 3, 4, 5}
	switch filter {
	case "approved":
		return []int{2}, all
	case "processing":
		return []int{2}, []int{1, 2, 3, 4}
	case "pending":
		return []int{1}, all
	case "unavailable":
		return []int{1, 2}, []int{1, 2, 3, 4}
	case "failed":
		return []int{4}, all
	case "available":
		return []int{2}, []int{5}
	}
	return []int{1, 2, 3, 4}, all
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (f *Fake) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !f.validateList(w, q) {
		return
	}
	if r.Header.Get("X-Api-Key") != f.key {
		forbidden(w)
		return
	}
	num := func(k string, def float64) float64 {
		if v := q.Get(k); v != "" {
			x, _ := strconv.ParseFloat(v, 64)
			return x
		}
		return def
	}
	take, skip := num("take", 10), num("skip", 0)
	if take < 0 || skip < 0 || take != math.Trunc(take) || skip != math.Trunc(skip) {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"message": "invalid take or skip"})
		return
	}
	requestedBy := int(num("requestedBy", 0))
	filter := q.Get("filter")
	if f.opts.IgnoreFilter {
		filter = ""
	}
	mediaType := q.Get("mediaType")
	if !f.prof.modern {
		mediaType = ""
	}
	desc := true
	if f.prof.sortDirection && q.Get("sortDirection") == "asc" {
		desc = false
	}
	key := listKey{filter: filter, requestedBy: requestedBy, mediaType: mediaType, desc: desc,
		byModified: q.Get("sort") == "modified"}

	f.mu.lockRead()
	rows := f.listRows(key)
	stale := ""
	if checkListCache.Load() {
		stale = f.staleRows(key, rows)
	}
	total := len(rows)
	var pages, page any
	if take == 0 {
		// TypeORM take(0) means no limit; ceil(n/0) is Infinity (or NaN), which
		// JSON.stringify writes as null.
		pages, page = nil, nil
		if int(skip) < len(rows) {
			rows = rows[int(skip):]
		} else {
			rows = nil
		}
	} else {
		pages = int(math.Ceil(float64(total) / take))
		page = int(math.Ceil(skip/take)) + 1
		lo := int(math.Min(skip, float64(len(rows))))
		hi := int(math.Min(skip+take, float64(len(rows))))
		rows = rows[lo:hi]
	}
	results := make([]any, 0, len(rows))
	for _, req := range rows {
		results = append(results, f.renderRequest(req, true))
	}
	f.mu.Unlock()
	if stale != "" {
		panic(stale) // after Unlock: ServeHTTP's deferred call logging takes the lock
	}

	body := map[string]any{
		"pageInfo": map[string]any{"pages": pages, "pageSize": int(take), "results": total, "page": page},
		"results":  results,
	}
	if f.prof.serviceErrors {
		body["serviceErrors"] = map[string]any{"radarr": []any{}, "sonarr": []any{}}
	}
	writeJSON(w, http.StatusOK, body)
}

// listRows returns the rows of a list query shape, filtered and sorted, from the cache
// when nothing changed since they were built. Callers hold f.mu and must not change the
// returned slice (sub-slicing is fine).
func (f *Fake) listRows(key listKey) []*request {
	if f.listsGen != f.mu.gen || len(f.lists) >= maxListShapes {
		f.lists, f.listsGen = nil, f.mu.gen
	}
	rows, ok := f.lists[key]
	if !ok {
		rows = f.filterRows(key)
		f.listBuilds++
		if f.lists == nil {
			f.lists = map[listKey][]*request{}
		}
		f.lists[key] = rows
	}
	return rows
}

// staleRows returns why rows differ from the rows of key filtered and sorted from scratch,
// or "" when they match. Callers hold f.mu.
func (f *Fake) staleRows(key listKey, rows []*request) string {
	fresh := f.filterRows(key)
	if len(fresh) != len(rows) {
		return "seerrtest: stale list cache: " + strconv.Itoa(len(rows)) + " cached rows, " +
			strconv.Itoa(len(fresh)) + " current"
	}
	for i := range fresh {
		if fresh[i] != rows[i] {
			return "seerrtest: stale list cache at row " + strconv.Itoa(i)
		}
	}
	return ""
}

// filterRows selects and orders the requests of a list query shape. Callers hold f.mu.
func (f *Fake) filterRows(key listKey) []*request {
	rs, ms := f.prof.filterSets(key.filter)
	if f.opts.IgnoreFilter {
		rs, ms = []int{1, 2, 3, 4, 5}, []int{1, 2, 3, 4, 5, 6, 7}
	}
	var rows []*request
	for _, req := range f.requests {
		m := f.media[req.mediaID]
		st := m.status
		if req.is4k {
			st = m.status4k
		}
		if !containsInt(rs, req.status) || !containsInt(ms, st) {
			continue
		}
		if key.requestedBy != 0 && req.userID != key.requestedBy {
			continue
		}
		if key.mediaType != "" && key.mediaType != "all" && req.typ != key.mediaType {
			continue
		}
		rows = append(rows, req)
	}
	desc := key.desc
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if key.byModified && !a.updated.Equal(b.updated) {
			if desc {
				return a.updated.After(b.updated)
			}
			return a.updated.Before(b.updated)
		}
		if desc {
			return a.id > b.id
		}
		return a.id < b.id
	})
	return rows
}

// getOne answers GET /request/{id}: any failure is a 404 "Request not found.".
func (f *Fake) getOne(w http.ResponseWriter, raw string) {
	id, err := strconv.Atoi(raw)
	f.mu.lockRead()
	req := f.requests[id]
	var body map[string]any
	if err == nil && req != nil {
		body = f.renderRequest(req, false)
	}
	f.mu.Unlock()
	if body == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Request not found."})
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func nullableString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// renderRequest builds the MediaRequest JSON. Callers hold f.mu. inList selects the
// list shape (no media.seasons, no user settings, canRemove on >= 2.5.2) versus the
// GET /request/{id} shape (eager relations loaded).
func (f *Fake) renderRequest(r *request, inList bool) map[string]any {
	m := f.media[r.mediaID]
	seasons := make([]any, 0, len(r.seasons))
	for _, s := range r.seasons {
		seasons = append(seasons, map[string]any{
			"id": s.id, "seasonNumber": s.number, "status": s.status,
			"createdAt": isoTime(s.created), "updatedAt": isoTime(s.updated),
		})
	}
	out := map[string]any{
		"id":                r.id,
		"status":            r.status,
		"createdAt":         isoTime(r.created),
		"updatedAt":         isoTime(r.updated),
		"type":              r.typ,
		"is4k":              r.is4k,
		"serverId":          nil,
		"profileId":         nil,
		"rootFolder":        nil,
		"languageProfileId": nil,
		"tags":              nil,
		"isAutoRequest":     false,
		"media":             f.renderMedia(m, !inList),
		"seasons":           seasons,
		"requestedBy":       f.renderUser(f.users[r.userID], !inList),
		"modifiedBy":        nil,
	}
	if r.modifiedBy != 0 {
		out["modifiedBy"] = f.renderUser(f.users[r.modifiedBy], !inList)
	}
	if f.prof.jellyfin {
		// @RelationCount of the request's seasons: 0 for a movie (seen on a real 3.1.0).
		out["seasonCount"] = len(r.seasons)
	}
	if inList && f.prof.canRemove {
		// No Radarr/Sonarr is configured in the fake, so no server can remove it.
		out["canRemove"] = false
	}
	return out
}

func (f *Fake) renderMedia(m *media, withSeasons bool) map[string]any {
	out := map[string]any{
		"downloadStatus":        []any{},
		"downloadStatus4k":      []any{},
		"id":                    m.id,
		"mediaType":             m.mediaType,
		"tmdbId":                m.tmdbID,
		"tvdbId":                nil,
		"imdbId":                nullableString(m.imdbID),
		"status":                m.status,
		"status4k":              m.status4k,
		"createdAt":             isoTime(m.created),
		"updatedAt":             isoTime(m.updated),
		"lastSeasonChange":      isoTime(m.created),
		"mediaAddedAt":          nil,
		"serviceId":             nil,
		"serviceId4k":           nil,
		"externalServiceId":     nil,
		"externalServiceId4k":   nil,
		"externalServiceSlug":   nil,
		"externalServiceSlug4k": nil,
		"ratingKey":             nil,
		"ratingKey4k":           nil,
	}
	if m.tvdbID != nil {
		out["tvdbId"] = *m.tvdbID
	}
	if m.status == seerr.MediaAvailable || m.status == seerr.MediaPartiallyAvailable {
		out["mediaAddedAt"] = isoTime(m.updated)
	}
	if f.prof.jellyfin {
		out["jellyfinMediaId"] = nil
		out["jellyfinMediaId4k"] = nil
	}
	if withSeasons {
		seasons := []any{}
		if m.mediaType == seerr.TypeTV {
			nums := map[int]bool{}
			for _, r := range f.requests {
				if r.mediaID == m.id {
					for _, s := range r.seasons {
						nums[s.number] = true
					}
				}
			}
			keys := make([]int, 0, len(nums))
			for n := range nums {
				keys = append(keys, n)
			}
			sort.Ints(keys)
			for i, n := range keys {
				seasons = append(seasons, map[string]any{
					"id": m.id*1000 + i + 1, "seasonNumber": n, "status": m.status, "status4k": m.status4k,
					"createdAt": isoTime(m.created), "updatedAt": isoTime(m.updated),
				})
			}
		}
		out["seasons"] = seasons
	}
	return out
}

func (f *Fake) renderUser(u *user, withSettings bool) map[string]any {
	if u == nil {
		return nil
	}
	display := u.username
	for _, v := range []string{u.plexUsername, u.jellyfinUsername, u.email} {
		if display == "" {
			display = v
		}
	}
	out := map[string]any{
		"permissions":                u.permissions,
		"id":                         u.id,
		"email":                      u.email,
		"plexUsername":               nullableString(u.plexUsername),
		"username":                   nullableString(u.username),
		"recoveryLinkExpirationDate": nil,
		"userType":                   u.userType,
		"plexId":                     nil,
		"avatar":                     "/avatarproxy/" + strconv.Itoa(u.id),
		"movieQuotaLimit":            nil,
		"movieQuotaDays":             nil,
		"tvQuotaLimit":               nil,
		"tvQuotaDays":                nil,
		"createdAt":                  isoTime(u.created),
		"updatedAt":                  isoTime(u.updated),
		"displayName":                display,
	}
	if u.userType == 1 {
		out["plexId"] = 100000 + u.id
	}
	if f.prof.jellyfin {
		// @RelationCount of the user's requests, and the (unused) warnings list.
		n := 0
		for _, r := range f.requests {
			if r.userID == u.id {
				n++
			}
		}
		out["requestCount"], out["warnings"] = n, []any{}
	}
	if f.prof.jellyfin {
		out["jellyfinUsername"] = nullableString(u.jellyfinUsername)
		out["jellyfinUserId"] = nil
		if u.jellyfinUsername != "" {
			out["jellyfinUserId"] = "0000000000000000000000000000000" + strconv.Itoa(u.id%10)
		}
	}
	if withSettings {
		out["settings"] = map[string]any{
			"id": u.id, "locale": "", "discoverRegion": nil, "streamingRegion": nil,
			"originalLanguage": nil, "discordId": nil, "telegramChatId": nil,
			"notificationTypes": map[string]any{},
		}
	}
	return out
}
