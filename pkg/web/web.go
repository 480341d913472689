// Package web is seerrpilot's status page: one server-rendered HTML page at BASE_PATH/ that
// shows the queue (counts, the requests newest first and why each stands where it does), the
// worker and the last reconcile pass, and offers the operator actions (retry, cancel,
// reconcile now, test notification). No build step and no JavaScript framework: html/template
// and embedded files, plus a few lines of plain JavaScript.
//
// Access is ADMIN_TOKEN, as for the operator API: a login form sets an HttpOnly,
// SameSite=Strict session cookie that holds an HMAC-signed nonce, never the token itself;
// "Authorization: Bearer <ADMIN_TOKEN>" works too. State-changing forms are guarded by
// net/http.CrossOriginProtection and, for cookie sessions, a per-session form token.
//
// The actions run through the operator API's service layer (pkg/api), so a retry from the
// page and a retry from REST or MCP give the same answer.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// Tasks lists tasks newest first; *taskdb.Store satisfies it.
type Tasks interface {
	List(ctx context.Context, opts taskdb.ListOptions) ([]task.Task, int, error)
}

// Operator runs the operator actions; *api.API satisfies it. Every action of the page goes
// through it, so the page answers exactly as the REST API does.
type Operator interface {
	Stats(ctx context.Context) api.Result
	RetryTask(ctx context.Context, id string) api.Result
	CancelTask(ctx context.Context, id, reason string) api.Result
	StartReconcile(ctx context.Context) api.Result
}

// Notifier sends a test notification (pkg/notify). Leave Options.Notifier nil (an untyped
// nil, not a nil pointer) when notifications are not configured.
type Notifier interface {
	Test(ctx context.Context) error
}

// Options are the page's dependencies. Tasks and Operator are required.
type Options struct {
	// Token is ADMIN_TOKEN. Empty: the page only says how to set it.
	Token string
	// BasePath is BASE_PATH ("" or "/sub/path"); every link, form and cookie carries it.
	BasePath string
	Tasks    Tasks
	Operator Operator
	Notifier Notifier
	// Scrub removes secrets from text shown on the page (errors, reasons); nil: none.
	Scrub func(string) string
	Log   zerolog.Logger
	// Now is the clock (default time.Now); relative times ("in 3 min") are computed from it.
	Now func() time.Time
	// SessionTTL is how long a sign-in lasts (default 7 days).
	SessionTTL time.Duration
	// Version is shown in the footer.
	Version string
	// Extras, when set, adds the first start's backlog and the tracking counts (extras.go).
	Extras Extras
}

// Limits of the page's input.
const (
	maxSearch     = 100  // characters of the title search
	searchScan    = 2000 // a search looks at this many of the newest tasks (of the state shown)
	defaultLimit  = 50
	maxFormBytes  = 8 << 10
	notifyTimeout = 20 * time.Second
	maxShownError = 600 // bytes of an error or reason shown on a request
	maxFlashMsg   = 1000
	actionTimeout = 30 * time.Second
)

// pageSizes are the page sizes the page offers; anything else falls back to defaultLimit.
var pageSizes = []int{25, 50, 100, 200}

//go:embed templates/*.html static/*
var files embed.FS

// Handler serves the status page.
type Handler struct {
	o     Options
	base  string
	auth  *auth
	pages map[string]*template.Template
	// asset versions, appended to the static links so a new build is never served stale
	cssV, jsV string
	cop       *http.CrossOriginProtection
}

// New builds the page. It panics when Tasks or Operator is nil: a wiring bug.
func New(o Options) *Handler {
	if o.Tasks == nil || o.Operator == nil {
		panic("web.New: Options.Tasks and Options.Operator are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 7 * 24 * time.Hour
	}
	if o.Scrub == nil {
		o.Scrub = func(s string) string { return s }
	}
	h := &Handler{o: o, base: strings.TrimRight(o.BasePath, "/"), auth: newAuth(o.Token, o.SessionTTL, o.Now),
		pages: map[string]*template.Template{}}
	for _, name := range []string{"dashboard", "login", "setup", "message"} {
		h.pages[name] = template.Must(template.New("base.html").Funcs(template.FuncMap{}).
			ParseFS(files, "templates/base.html", "templates/"+name+".html"))
	}
	h.cssV, h.jsV = assetVersion("static/style.css"), assetVersion("static/app.js")
	h.cop = http.NewCrossOriginProtection()
	h.cop.SetDenyHandler(http.HandlerFunc(h.refused))
	return h
}

func assetVersion(name string) string {
	b, err := fs.ReadFile(files, name)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:4])
}

// Routes mounts the page on r (the router inside BASE_PATH): GET / and everything under /ui/.
// It needs no outer auth: the page does its own.
func (h *Handler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.cop.Handler)
		r.Get("/", h.page)
		r.Post("/ui/login", h.login)
		r.Post("/ui/logout", h.logout)
		r.Post("/ui/tasks/{id}/retry", h.action("retry", h.retry))
		r.Post("/ui/tasks/{id}/cancel", h.action("cancel", h.cancel))
		r.Post("/ui/reconcile", h.action("reconcile", h.reconcile))
		r.Post("/ui/notify-test", h.action("notify", h.notify))
	})
	// One route per file, so any other path under /ui/ gets the router's JSON 404.
	for name, ctype := range staticFiles {
		r.Get("/ui/static/"+name, h.static(name, ctype))
	}
}

// staticFiles are the page's files and their types.
var staticFiles = map[string]string{
	"style.css":   "text/css; charset=utf-8",
	"app.js":      "text/javascript; charset=utf-8",
	"favicon.svg": "image/svg+xml",
}

// static serves one embedded file.
func (h *Handler) static(name, ctype string) http.HandlerFunc {
	b, err := fs.ReadFile(files, "static/"+name)
	if err != nil {
		panic(err) // embedded at build time: missing is a build bug
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, _ = w.Write(b)
	}
}

// securityHeaders are set on every HTML answer. The policy allows only our own stylesheet and
// script, so even a title that got past escaping could not run.
func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// common is what every page template needs.
type common struct {
	Lang     string
	Base     string
	CSSV     string
	JSV      string
	LangHref string
	Version  string
	// SignedIn shows the sign-out button (cookie sessions only; Bearer has nothing to end).
	SignedIn bool
	CSRF     string
}

// T is the page's text in its language.
func (c common) T(key string, args ...any) string { return text(c.Lang, key, args...) }

// Home is the page's own address, with a trailing slash (the cookie's path).
func (c common) Home() string { return c.Base + "/" }

func (h *Handler) common(r *http.Request, lang string) common {
	q := r.URL.Query()
	other := langZH
	if lang == langZH {
		other = langEN
	}
	keep := listQuery(q)
	keep.Set("lang", other)
	return common{Lang: lang, Base: h.base, CSSV: h.cssV, JSV: h.jsV, Version: h.o.Version,
		LangHref: h.base + "/?" + keep.Encode()}
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	securityHeaders(w)
	var b strings.Builder
	if err := h.pages[name].ExecuteTemplate(&b, "base.html", data); err != nil {
		h.o.Log.Error().Err(err).Str("template", name).Msg("status page template failed")
		http.Error(w, "the status page could not be rendered; see the log", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

type loginView struct {
	common
	Wrong bool
}

type messageView struct {
	common
	Heading string
	Body    string
}

// who says how a request is signed in: a cookie session (nonce set), Bearer, or not at all.
type who struct {
	nonce  string
	bearer bool
}

func (w who) ok() bool { return w.nonce != "" || w.bearer }

func (h *Handler) who(r *http.Request) who {
	if n, ok := h.auth.session(r); ok {
		return who{nonce: n}
	}
	return who{bearer: h.auth.bearerOK(r)}
}

// lang picks the language and remembers a switch in a cookie.
func (h *Handler) lang(w http.ResponseWriter, r *http.Request) string {
	lang, switched := pickLang(r)
	if switched {
		http.SetCookie(w, h.cookie(r, langCookie, lang, 365*24*3600))
	}
	return lang
}

// page serves GET /: the setup note without a token, the login form without a session, the
// status otherwise.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	if h.base != "" && r.URL.Path == h.base {
		// The cookie's path is BASE_PATH/: without the slash the browser would not send it.
		target := h.base + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return
	}
	lang := h.lang(w, r)
	c := h.common(r, lang)
	if h.o.Token == "" {
		h.render(w, http.StatusOK, "setup", c)
		return
	}
	me := h.who(r)
	if !me.ok() {
		status := http.StatusOK
		if r.Header.Get("Authorization") != "" {
			status = http.StatusUnauthorized
		}
		h.render(w, status, "login", loginView{common: c, Wrong: status == http.StatusUnauthorized})
		return
	}
	c.SignedIn = me.nonce != ""
	if c.SignedIn {
		c.CSRF = h.auth.csrfToken(me.nonce)
	}
	v, status := h.dashboard(r, c)
	if f, ok := h.takeFlash(w, r); ok {
		v.Flash = h.flashView(lang, f)
	}
	h.render(w, status, "dashboard", v)
}

// login serves POST /ui/login.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	lang := h.lang(w, r)
	c := h.common(r, lang)
	if h.o.Token == "" {
		h.render(w, http.StatusUnauthorized, "setup", c)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || !h.auth.tokenOK(r.PostForm.Get("token")) {
		h.o.Log.Warn().Str("remote", r.RemoteAddr).Msg("status page: sign-in with a wrong token")
		h.render(w, http.StatusUnauthorized, "login", loginView{common: c, Wrong: true})
		return
	}
	value, _ := h.auth.newSession()
	http.SetCookie(w, h.cookie(r, sessionCookie, value, int(h.o.SessionTTL/time.Second)))
	h.o.Log.Info().Str("remote", r.RemoteAddr).Msg("status page: signed in")
	http.Redirect(w, r, h.base+"/", http.StatusSeeOther)
}

// logout serves POST /ui/logout: the session ends here too, not only in the browser.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_ = r.ParseForm()
	if n, ok := h.auth.session(r); ok && h.auth.csrfOK(n, r.PostForm.Get("csrf")) {
		h.auth.revoke(n)
	}
	http.SetCookie(w, h.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, h.base+"/", http.StatusSeeOther)
}

// refused answers a cross-site POST (CrossOriginProtection) or a form with a wrong token.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request) {
	lang, _ := pickLang(r)
	c := h.common(r, lang)
	h.render(w, http.StatusForbidden, "message", messageView{common: c, Heading: c.T("refused"), Body: c.T("flash.csrf")})
}

// action wraps a state-changing form: signed in (session + form token, or Bearer), a bounded
// form, the operation, then a redirect back to the page (and filter) it came from with the
// outcome in a flash cookie, so a reload never repeats it.
func (h *Handler) action(name string, run func(ctx context.Context, r *http.Request) flash) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang, _ := pickLang(r)
		c := h.common(r, lang)
		if h.o.Token == "" {
			h.render(w, http.StatusUnauthorized, "setup", c)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.render(w, http.StatusBadRequest, "message", messageView{common: c, Heading: c.T("refused"), Body: "the form could not be read"})
			return
		}
		me := h.who(r)
		switch {
		case !me.ok():
			h.render(w, http.StatusUnauthorized, "login", loginView{common: c, Wrong: r.Header.Get("Authorization") != ""})
			return
		case me.nonce != "" && !h.auth.csrfOK(me.nonce, r.PostForm.Get("csrf")):
			h.refused(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
		defer cancel()
		f := run(ctx, r)
		f.Action = name
		f.Msg = trunc.String(h.o.Scrub(f.Msg), maxFlashMsg)
		http.SetCookie(w, h.cookie(r, flashCookie, h.auth.encodeFlash(f), 60))
		http.Redirect(w, r, h.back(r.PostForm.Get("back")), http.StatusSeeOther)
	}
}

// back is the page to return to after an action: the same filter, search and size, nothing
// else from the form.
func (h *Handler) back(raw string) string {
	q, err := url.ParseQuery(raw)
	if err != nil || len(raw) > 1000 {
		return h.base + "/"
	}
	keep := listQuery(q)
	if len(keep) == 0 {
		return h.base + "/"
	}
	return h.base + "/?" + keep.Encode()
}

// listQuery keeps the page's own list parameters, valid and bounded.
func listQuery(q url.Values) url.Values {
	out := url.Values{}
	if s := q.Get("state"); task.Status(s).Valid() {
		out.Set("state", s)
	}
	if s := strings.TrimSpace(q.Get("q")); s != "" {
		out.Set("q", cut(s, maxSearch))
	}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && validSize(n) {
		out.Set("n", strconv.Itoa(n))
	}
	return out
}

func validSize(n int) bool {
	for _, s := range pageSizes {
		if n == s {
			return true
		}
	}
	return false
}

// cut keeps at most n characters (runes) of s.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (h *Handler) retry(ctx context.Context, r *http.Request) flash {
	id := chi.URLParam(r, "id")
	res := h.o.Operator.RetryTask(ctx, id)
	return flash{OK: res.OK(), ID: id, Msg: res.Msg}
}

func (h *Handler) cancel(ctx context.Context, r *http.Request) flash {
	id := chi.URLParam(r, "id")
	res := h.o.Operator.CancelTask(ctx, id, "cancelled on the status page")
	return flash{OK: res.OK(), ID: id, Msg: res.Msg}
}

func (h *Handler) reconcile(ctx context.Context, _ *http.Request) flash {
	res := h.o.Operator.StartReconcile(ctx)
	f := flash{OK: res.OK(), Msg: res.Msg}
	if m, ok := res.Data.(map[string]string); ok {
		f.ID = m["runId"]
	}
	return f
}

func (h *Handler) notify(ctx context.Context, _ *http.Request) flash {
	if h.o.Notifier == nil {
		return flash{Msg: text(langEN, "notify.off")}
	}
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	if err := h.o.Notifier.Test(ctx); err != nil {
		h.o.Log.Warn().Str("error", h.o.Scrub(err.Error())).Msg("status page: test notification failed")
		return flash{Msg: err.Error()}
	}
	h.o.Log.Info().Msg("status page: test notification sent")
	return flash{OK: true}
}

// takeFlash reads and deletes the outcome of the last action.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) (flash, bool) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return flash{}, false
	}
	http.SetCookie(w, h.cookie(r, flashCookie, "", -1))
	return h.auth.decodeFlash(c.Value)
}

type flashView struct {
	OK       bool
	Headline string
	Detail   string
}

func (h *Handler) flashView(lang string, f flash) *flashView {
	key := "flash." + f.Action + ".no"
	if f.OK {
		key = "flash." + f.Action + ".ok"
	}
	if _, known := messages[key]; !known {
		return nil
	}
	v := &flashView{OK: f.OK}
	switch f.Action {
	case "retry", "cancel", "reconcile":
		v.Headline = text(lang, key, f.ID)
		if f.Action == "reconcile" && !f.OK {
			v.Headline = text(lang, key)
		}
	default:
		v.Headline = text(lang, key)
	}
	if !f.OK || f.Action == "retry" {
		v.Detail = f.Msg
	}
	return v
}
