package notify

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"
)

// SplitURLs splits NOTIFY_URLS: one or more notification URLs separated by spaces or line
// breaks (a URL may hold commas, e.g. telegram's chats=a,b, so commas do not separate).
func SplitURLs(raw string) []string {
	return strings.Fields(raw)
}

// Service names the shoutrrr service of a notification URL ("telegram", "generic", …) without
// anything else from the URL; "" when it has no scheme.
func Service(raw string) string {
	scheme, _, ok := strings.Cut(strings.TrimSpace(raw), "://")
	if !ok {
		return ""
	}
	scheme, _, _ = strings.Cut(scheme, "+") // generic+https
	scheme = strings.ToLower(scheme)
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return ""
		}
	}
	return scheme
}

// ErrBadURL is wrapped by every CheckURL error.
var ErrBadURL = errors.New("bad notification URL")

// MoviePilotService is the service of the URL moviepilot://: send through MoviePilot's own
// notification channels (Telegram, WeChat, … as configured in MoviePilot), using the
// MoviePilot of MP_URL and its API token. It is not a shoutrrr service.
const MoviePilotService = "moviepilot"

// checkMoviePilotURL accepts exactly moviepilot:// — everything comes from MP_URL and
// MP_TOKEN, and MoviePilot's send_message has no option to choose a channel.
func checkMoviePilotURL(raw string) error {
	if strings.TrimSpace(raw) != MoviePilotService+"://" {
		return fmt.Errorf("%w: write moviepilot:// with nothing after it: it sends through the MoviePilot of MP_URL "+
			"with MP_TOKEN, to every channel configured in MoviePilot", ErrBadURL)
	}
	return nil
}

// newService builds the shoutrrr service of one URL. Its errors never quote the URL: shoutrrr's
// own messages may (a parse error repeats it whole), so they are replaced by ours, and the
// service's own validation message is passed through red by the caller.
func newService(raw string) (types.Service, error) {
	name := Service(raw)
	if name == "" {
		return nil, fmt.Errorf("%w: want service://…, e.g. telegram://token@telegram?chats=@channel", ErrBadURL)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: a %s URL that does not parse (not shown: it may hold a token)", ErrBadURL, name)
	}
	if name == "http" || name == "https" {
		return nil, fmt.Errorf("%w: a plain %s:// address is not a notification URL; for a webhook write generic+%s://… (or generic://host/path?template=json)", ErrBadURL, name, name)
	}
	var r router.ServiceRouter
	svc, err := r.NewService(name)
	if err != nil {
		return nil, fmt.Errorf("%w: unknown service %q; see https://shoutrrr.nickfedor.com/services/overview/", ErrBadURL, name)
	}
	if u.Scheme != name {
		custom, ok := svc.(types.CustomURLService)
		if !ok {
			return nil, fmt.Errorf("%w: %s does not take a %s+ URL", ErrBadURL, name, name)
		}
		if u, err = custom.GetConfigURLFromCustom(u); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadURL, name, err)
		}
	}
	if err := svc.Initialize(u, nil); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadURL, name, err)
	}
	return svc, nil
}

// CheckURL reports whether shoutrrr accepts raw, naming the service. The error never holds the
// URL, but may hold the service's own validation message: pass it through a redactor that
// knows URLSecrets(raw).
func CheckURL(raw string) error {
	if Service(raw) == MoviePilotService {
		return checkMoviePilotURL(raw)
	}
	_, err := newService(raw)
	return err
}

// URLSecrets lists the parts of a notification URL that may be secret, for the redaction
// guard: the URL itself, its user info (bot tokens, passwords, device keys), long path
// segments and query values (webhook tokens, header values), and a host that is a key rather
// than a name (wecom://KEY). Short values ("json", "yes") are left out: masking them would
// mangle ordinary words in every log line.
func URLSecrets(raw string) []string {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == MoviePilotService+"://" { // moviepilot:// holds nothing secret
		return nil
	}
	out := []string{raw}
	keep := func(s string, min int) {
		if len(s) >= min {
			out = append(out, s)
		}
	}
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return out
	}
	hostPart := rest
	if i := strings.IndexAny(hostPart, "/?#"); i >= 0 {
		hostPart = hostPart[:i]
	}
	if at := strings.LastIndex(hostPart, "@"); at >= 0 {
		info := hostPart[:at]
		hostPart = hostPart[at+1:]
		keep(info, 4)
		user, pass, hasPass := strings.Cut(info, ":")
		keep(pass, 4)
		if !hasPass || pass == "" {
			keep(user, 4) // discord://token@id: the token is the user name
		} else {
			keep(user, 12)
		}
		if u, err := url.PathUnescape(info); err == nil && u != info {
			keep(u, 4)
		}
	}
	host := hostPart
	if i := strings.LastIndex(host, ":"); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	if Service(raw) == "wecom" || (!strings.Contains(host, ".") && len(host) >= 16) {
		keep(host, 4)
	}
	if u, err := url.Parse(raw); err == nil {
		for _, seg := range strings.Split(u.Path, "/") {
			keep(seg, 16)
		}
		for k, vs := range u.Query() {
			secretKey := strings.HasPrefix(k, "@") || containsAny(strings.ToLower(k), "token", "key", "auth", "pass", "secret")
			for _, v := range vs {
				if secretKey {
					keep(v, 4)
				} else {
					keep(v, 16)
				}
			}
		}
	}
	return out
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
