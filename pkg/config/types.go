package config

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/notify"
	"github.com/seerrpilot/seerrpilot/pkg/plan"
	"github.com/seerrpilot/seerrpilot/pkg/since"
	"github.com/seerrpilot/seerrpilot/pkg/trunc"
)

// The types of the variables. Each is an envconfig.Decoder: it reads one value and answers a bad
// one with a *problem. A blank value counts as unset whatever the decoder says (Load sets it
// aside and envconfig gives the default), so a decoder that could take "" for a variable with a
// default refuses it with errBlank.

var errBlank = errors.New("blank")

// problem is a bad value: the message, with the value and limits as arguments so that Load can
// mask the value and leave the wording.
type problem struct {
	format string
	args   []any
}

func (p *problem) Error() string { return fmt.Sprintf(p.format, p.args...) }

func bad(format string, args ...any) error { return &problem{format: format, args: args} }

// oneOf sets *dst to the allowed value s names; case and surrounding spaces do not matter.
func oneOf[T ~string](dst *T, s string, allowed ...T) error {
	v := strings.TrimSpace(s)
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if T(strings.ToLower(v)) == a {
			*dst = a
			return nil
		}
		names[i] = string(a)
	}
	return bad("%q: allowed %s", s, strings.Join(names, " | "))
}

// AuthScheme is MP_AUTH_SCHEME. x-api-token is another name for x-api-key; auto is login when
// MP_USERNAME is set, x-api-key otherwise. Config.MPAuthScheme holds it resolved.
type AuthScheme string

// The auth schemes.
const (
	AuthAuto       AuthScheme = "auto"
	AuthXAPIKey    AuthScheme = "x-api-key"
	AuthXAPIToken  AuthScheme = "x-api-token"
	AuthBearer     AuthScheme = "bearer"
	AuthQueryToken AuthScheme = "query-token"
	AuthLogin      AuthScheme = "login"
)

// Decode implements envconfig.Decoder.
func (a *AuthScheme) Decode(s string) error {
	return oneOf(a, s, AuthAuto, AuthXAPIKey, AuthXAPIToken, AuthBearer, AuthQueryToken, AuthLogin)
}

// Filter is JELLY_FILTER, the filter= of Seerr's request list.
type Filter string

// Decode implements envconfig.Decoder.
func (f *Filter) Decode(s string) error {
	return oneOf(f, s, "all", "approved", "available", "pending", "processing", "unavailable", "failed", "deleted", "completed")
}

// APIVersion is MP_API_VERSION: auto (detect), v2 or v3.
type APIVersion string

// Decode implements envconfig.Decoder.
func (v *APIVersion) Decode(s string) error { return oneOf(v, s, "auto", "v2", "v3") }

// LogLevel is LOG_LEVEL.
type LogLevel string

// Decode implements envconfig.Decoder.
func (l *LogLevel) Decode(s string) error {
	return oneOf(l, s, "trace", "debug", "info", "warn", "error")
}

// LogFormat is LOG_FORMAT.
type LogFormat string

// Decode implements envconfig.Decoder.
func (f *LogFormat) Decode(s string) error { return oneOf(f, s, "json", "console") }

type episodeMode plan.EpisodeMode

func (m *episodeMode) Decode(s string) error {
	return oneOf(m, s, episodeMode(plan.EpisodeModeSeason), episodeMode(plan.EpisodeModeEpisode))
}

type specials plan.Specials

func (p *specials) Decode(s string) error {
	return oneOf(p, s, specials(plan.SpecialsExclude), specials(plan.SpecialsSeparate))
}

// flag is true or false (or 1, 0, t, f, ... as strconv.ParseBool reads them).
type flag bool

func (b *flag) Decode(s string) error {
	t, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return bad("%q: want true or false", s)
	}
	*b = flag(t)
	return nil
}

// intIn reads a whole number from lo to hi.
func intIn(dst *int, s string, lo, hi int) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		return bad("%q: want a whole number from %d to %d", s, lo, hi)
	}
	*dst = n
	return nil
}

type pageSize int

func (n *pageSize) Decode(s string) error { return intIn((*int)(n), s, 1, maxPageSize) }

type attempts int

func (n *attempts) Decode(s string) error { return intIn((*int)(n), s, 1, maxAttemptCap) }

// rate is calls per second.
type rate float64

func (r *rate) Decode(s string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(f > 0 && f <= maxRateLimit) {
		return bad("%q: want a number > 0 and ≤ %g (calls per second, e.g. 3 or 0.5)", s, maxRateLimit)
	}
	*r = rate(f)
	return nil
}

// limits is what a duration variable accepts: from min to max (no ceiling when 0), 0 itself
// when off is set (it turns something off), and whole days ("14d") besides Go durations when
// days is set. want is the message for anything else; its arguments are the value, min and max
// (%[1]q, %[2]v, %[3]v).
type limits struct {
	min, max  time.Duration
	off, days bool
	want      string
}

func (l limits) decode(dst *time.Duration, s string) error {
	v := strings.TrimSpace(s)
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(v, "d"); ok && l.days {
		var days int
		if days, err = strconv.Atoi(n); err == nil && days > maxDays {
			err = errors.New("too many days")
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil || !(d == 0 && l.off) && (d < l.min || l.max > 0 && d > l.max) {
		return bad(l.want, s, l.min, l.max)
	}
	*dst = d
	return nil
}

// maxDays keeps a count of days inside a time.Duration.
const maxDays = 100_000

type reconcileInterval time.Duration

func (d *reconcileInterval) Decode(s string) error {
	return limits{min: minReconcile, off: true,
		want: "%[1]q: want a duration of at least %[2]v like 30m or 1h, or 0 to disable the periodic pass"}.decode((*time.Duration)(d), s)
}

// unreachableAfter: shorter than a minute would announce every restart of MoviePilot.
type unreachableAfter time.Duration

func (d *unreachableAfter) Decode(s string) error {
	return limits{min: time.Minute, max: 24 * time.Hour,
		want: "%q: want a duration from %v to %v, e.g. 10m"}.decode((*time.Duration)(d), s)
}

type events notify.Events

func (e *events) Decode(s string) error {
	if strings.TrimSpace(s) == "" {
		return errBlank
	}
	ev, err := notify.ParseEvents(s)
	if err != nil {
		return bad("%v", err)
	}
	*e = events(ev)
	return nil
}

// instant is a time, or a duration counted back from when it is read (pkg/since).
type instant time.Time

func (t *instant) Decode(s string) error {
	v, err := since.Parse(s, time.Now())
	if err != nil {
		return bad("%v", err)
	}
	*t = instant(v)
	return nil
}

type trimmed string

func (t *trimmed) Decode(s string) error {
	if *t = trimmed(strings.TrimSpace(s)); *t == "" {
		return errBlank
	}
	return nil
}

// baseURL accepts http(s)://host[:port][/sub/path][/] and keeps it without the trailing slash.
type baseURL string

func (b *baseURL) Decode(s string) error {
	raw := strings.TrimSpace(s)
	u, err := url.Parse(raw)
	switch {
	case err != nil && strings.Contains(raw, "@"):
		// Not quoted: what looks like user info may be a password the guard cannot isolate.
		return bad("is not a URL (not shown: it seems to carry a user or password); want http(s)://host[:port][/path], credentials in their own variables")
	case err != nil:
		return bad("%q is not a URL; want http(s)://host[:port][/path]", raw)
	case u.User != nil:
		return bad("must not carry a user or password; use the credential variables instead")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("%q: want an http:// or https:// URL with a host", raw)
	case u.Host == "" || u.Hostname() == "":
		return bad("%q has no host; want http(s)://host[:port][/path]", raw)
	case u.RawQuery != "" || u.Fragment != "":
		// Not quoted: a query may hold a token.
		return bad("must not carry a query or fragment (a ?token= belongs in the credential variables): only scheme, host, port and path")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	*b = baseURL(u.String())
	return nil
}

// basePath accepts "", "/", "/seerrpilot" or "/a/b/" and keeps "" or "/a/b".
type basePath string

func (p *basePath) Decode(s string) error {
	v := strings.TrimRight(strings.TrimSpace(s), "/")
	if v != "" && (!strings.HasPrefix(v, "/") || strings.ContainsAny(v, "?#% \t") || strings.Contains(v, "//") ||
		strings.Contains(v, "/../") || strings.HasSuffix(v, "/..")) {
		return bad("%q: want a path like /seerrpilot (leading slash, no query, no ..)", s)
	}
	*p = basePath(v)
	return nil
}

// listenAddr is [host]:port.
type listenAddr string

func (a *listenAddr) Decode(s string) error {
	v := strings.TrimSpace(s)
	_, port, err := net.SplitHostPort(v)
	if p, perr := strconv.Atoi(port); err != nil || perr != nil || p < 0 || p > 65535 {
		return bad("%q: want [host]:port, e.g. :8770 or 127.0.0.1:8770", s)
	}
	*a = listenAddr(v)
	return nil
}

// maxHeaderName bounds WEBHOOK_SECRET_HEADER.
const maxHeaderName = 64

// headerName is an HTTP header name (an RFC 9110 token, at most maxHeaderName bytes), kept in
// canonical form ("x-seerrpilot-secret" → "X-Seerrpilot-Secret").
type headerName string

func (h *headerName) Decode(s string) error {
	v := strings.TrimSpace(s)
	ok := v != "" && len(v) <= maxHeaderName
	for i := 0; ok && i < len(v); i++ {
		ok = strings.IndexByte("!#$%&'*+-.^_`|~", v[i]) >= 0 ||
			v[i] >= '0' && v[i] <= '9' || v[i] >= 'a' && v[i] <= 'z' || v[i] >= 'A' && v[i] <= 'Z'
	}
	if !ok {
		return bad("%q: want an HTTP header name of at most %d letters, digits or -, e.g. Authorization or X-Seerrpilot-Secret",
			trunc.Mark(v, maxHeaderName), maxHeaderName)
	}
	*h = headerName(http.CanonicalHeaderKey(v))
	return nil
}

// userMap is "seerrName:mpName,..." (spaces around names are trimmed; a name may not be empty,
// and a Seerr name may appear once).
type userMap map[string]string

func (m *userMap) Decode(s string) error {
	if strings.TrimSpace(s) == "" {
		return errBlank
	}
	out := userMap{}
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		from, to, ok := strings.Cut(pair, ":")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		switch {
		case !ok || from == "" || to == "" || strings.Contains(to, ":"):
			return bad("%q: want seerrName:moviepilotName pairs separated by commas, e.g. alice:alice_mp,Bob Smith:bob", pair)
		case out[from] != "":
			return bad("maps %q twice", from)
		}
		out[from] = to
	}
	*m = out
	return nil
}
