package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cookie names. The session cookie never holds ADMIN_TOKEN: it holds an expiry, a random
// nonce and an HMAC over both under a key derived from the token, so changing ADMIN_TOKEN
// ends every session and a leaked cookie does not reveal the token.
const (
	sessionCookie = "seerrpilot_session"
	flashCookie   = "seerrpilot_flash"
	langCookie    = "seerrpilot_lang"
)

// keys are the HMAC keys derived from ADMIN_TOKEN, one per use.
type keys struct {
	session []byte
	csrf    []byte
	flash   []byte
	token   []byte // HMAC of the token itself, compared with the HMAC of what was typed
}

func deriveKeys(token string) keys {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, []byte(token))
		m.Write([]byte("seerrpilot web " + purpose + " v1"))
		return m.Sum(nil)
	}
	return keys{session: derive("session"), csrf: derive("csrf"), flash: derive("flash"), token: derive("token")}
}

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// auth checks sessions and CSRF tokens.
type auth struct {
	token string
	k     keys
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	revoked map[string]time.Time // nonce → expiry of sessions ended by logout
}

// maxRevoked bounds the logout list; expired entries are dropped first.
const maxRevoked = 10000

func newAuth(token string, ttl time.Duration, now func() time.Time) *auth {
	return &auth{token: token, k: deriveKeys(token), ttl: ttl, now: now, revoked: map[string]time.Time{}}
}

// tokenOK reports whether got is ADMIN_TOKEN (constant time; never true without a token).
func (a *auth) tokenOK(got string) bool {
	if a.token == "" || got == "" {
		return false
	}
	return hmac.Equal(mac(a.k.token, got), mac(a.k.token, a.token))
}

// bearerOK reports whether the request carries "Authorization: Bearer <ADMIN_TOKEN>".
func (a *auth) bearerOK(r *http.Request) bool {
	got := r.Header.Get("Authorization")
	if len(got) <= 7 || !strings.EqualFold(got[:7], "bearer ") {
		return false
	}
	return a.tokenOK(got[7:])
}

// newSession returns a fresh session value and its nonce.
func (a *auth) newSession() (value, nonce string) {
	b := make([]byte, 18)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	nonce = base64.RawURLEncoding.EncodeToString(b)
	exp := strconv.FormatInt(a.now().Add(a.ttl).Unix(), 10)
	sig := base64.RawURLEncoding.EncodeToString(mac(a.k.session, "session", exp, nonce))
	return "v1." + exp + "." + nonce + "." + sig, nonce
}

// session returns the nonce of a valid, unexpired, not logged-out session cookie.
func (a *auth) session(r *http.Request) (nonce string, ok bool) {
	if a.token == "" {
		return "", false
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) > 200 {
		return "", false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		return "", false
	}
	exp, nonce, sig := parts[1], parts[2], parts[3]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(a.k.session, "session", exp, nonce)) {
		return "", false
	}
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !a.now().Before(time.Unix(until, 0)) {
		return "", false
	}
	a.mu.Lock()
	_, out := a.revoked[nonce]
	a.mu.Unlock()
	if out {
		return "", false
	}
	return nonce, true
}

// revoke ends a session before its expiry (logout).
func (a *auth) revoke(nonce string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if len(a.revoked) >= maxRevoked {
		for n, exp := range a.revoked {
			if !now.Before(exp) {
				delete(a.revoked, n)
			}
		}
	}
	if len(a.revoked) < maxRevoked {
		a.revoked[nonce] = now.Add(a.ttl)
	}
}

// csrfToken is the form token of one session.
func (a *auth) csrfToken(nonce string) string {
	return hex.EncodeToString(mac(a.k.csrf, "csrf", nonce)[:16])
}

// csrfOK checks a submitted form token against the session's.
func (a *auth) csrfOK(nonce, got string) bool {
	want := a.csrfToken(nonce)
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// secure reports whether the browser reached us over TLS, directly or through a proxy that
// says so (X-Forwarded-Proto: https).
func secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto := r.Header.Get("X-Forwarded-Proto")
	if i := strings.IndexByte(proto, ','); i >= 0 {
		proto = proto[:i] // the first hop's scheme
	}
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// cookie builds a cookie of the page: HttpOnly, SameSite=Strict, limited to BASE_PATH, Secure
// over TLS. maxAge < 0 deletes it.
func (h *Handler) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: h.base + "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r),
	}
}

// flash is the outcome of an action, carried across the redirect in a short-lived signed
// cookie so a reload does not repeat the action.
type flash struct {
	Action string
	OK     bool
	ID     string
	Msg    string
}

func (a *auth) encodeFlash(f flash) string {
	ok := "0"
	if f.OK {
		ok = "1"
	}
	enc := base64.RawURLEncoding.EncodeToString
	fields := []string{enc([]byte(f.Action)), ok, enc([]byte(f.ID)), enc([]byte(f.Msg))}
	body := strings.Join(fields, ".")
	return body + "." + enc(mac(a.k.flash, body)[:16])
}

func (a *auth) decodeFlash(v string) (flash, bool) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 || len(v) > 3000 {
		return flash{}, false
	}
	body, sig := v[:i], v[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(a.k.flash, body)[:16]) {
		return flash{}, false
	}
	parts := strings.Split(body, ".")
	if len(parts) != 4 {
		return flash{}, false
	}
	dec := func(s string) string {
		b, _ := base64.RawURLEncoding.DecodeString(s)
		return string(b)
	}
	return flash{Action: dec(parts[0]), OK: parts[1] == "1", ID: dec(parts[2]), Msg: dec(parts[3])}, true
}
