package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/config"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// doctorTimeout bounds every network call doctor makes.
const doctorTimeout = 5 * time.Second

// doctorLockTimeout is how long doctor waits for the database lock before saying it is held.
const doctorLockTimeout = 500 * time.Millisecond

// secretVars are the variables whose values doctor must never print, read straight from the
// environment so they are masked even when the configuration does not load.
var secretVars = []string{"JELLY_API_KEY", "MP_TOKEN", "MP_PASSWORD", "WEBHOOK_SECRET", "ADMIN_TOKEN"}

// report collects the check lines; every line goes through the redactor before printing.
type report struct {
	w      io.Writer
	red    *redact.Redactor
	failed int
}

func (r *report) line(tag, msg, fix string) {
	s := fmt.Sprintf("[%s] %s", tag, msg)
	if fix != "" {
		s += " → fix: " + fix
	}
	fmt.Fprintln(r.w, r.red.String(s))
}

func (r *report) ok(msg string)        { r.line(" OK ", msg, "") }
func (r *report) info(msg string)      { r.line("INFO", msg, "") }
func (r *report) warn(msg, fix string) { r.line("WARN", msg, fix) }
func (r *report) fail(msg, fix string) { r.failed++; r.line("FAIL", msg, fix) }
func (r *report) detail(msg string)    { fmt.Fprintln(r.w, r.red.String("       "+msg)) }

// detailRaw prints msg as is: for text whose values the caller already masked.
func (r *report) detailRaw(msg string) { fmt.Fprintln(r.w, "       "+msg) }

// doctor checks the configuration, Seerr, MoviePilot and DATA_DIR and prints a pass/fail
// list. It returns errCheckFailed (exit 1) when any check failed, an invalid configuration
// included; warnings do not fail.
func doctor(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if err := noArgs("doctor", args); err != nil {
		return err
	}
	var secrets []string
	for _, name := range secretVars {
		if v := os.Getenv(name); v != "" {
			secrets = append(secrets, v, strings.TrimSpace(v))
		}
	}
	// A URL variable may carry credentials (user info, ?token=) that a config problem echoes.
	for _, name := range []string{"JELLY_URL", "MP_URL"} {
		secrets = append(secrets, urlSecrets(os.Getenv(name))...)
	}
	cfg, err := config.Load()
	if cfg != nil {
		secrets = append(secrets, cfg.Secrets()...)
	}
	r := &report{w: stdout, red: redact.New(secrets...)}

	if err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			r.fail(fmt.Sprintf("configuration: %d problem(s)", len(ve.Problems)), "correct these variables (see README.md):")
			for _, p := range ve.Problems {
				// Only the values quoted in the problem are masked, not its wording.
				r.detailRaw("- " + p.Var + ": " + p.Text(r.red.String))
			}
		} else {
			r.fail("configuration: "+err.Error(), "check the environment")
		}
		r.detail("(other checks skipped until the configuration loads)")
		return r.finish()
	}
	r.ok("configuration is valid")

	doctorSeerr(ctx, r, cfg)
	doctorMoviePilot(ctx, r, cfg)

	if cfg.WebhookSecret != "" {
		r.ok("WEBHOOK_SECRET is set")
	} else {
		r.warn("WEBHOOK_SECRET is not set: the webhook endpoint accepts anyone who can reach it",
			"set it and put the same value in Seerr's webhook Authorization Header")
	}
	if cfg.AdminToken != "" {
		r.ok("ADMIN_TOKEN is set")
	} else {
		r.warn("ADMIN_TOKEN is not set: the operator API, /reconcile and /mcp answer 401",
			"set ADMIN_TOKEN (e.g. `openssl rand -hex 24`)")
	}

	doctorDataDir(ctx, r, cfg.DataDir, readyzURL(cfg))
	return r.finish()
}

func (r *report) finish() error {
	if r.failed > 0 {
		fmt.Fprintf(r.w, "%d check(s) failed\n", r.failed)
		return errCheckFailed
	}
	fmt.Fprintln(r.w, "all checks passed")
	return nil
}

// urlSecrets returns the password and query values (4 characters or more) found in raw.
func urlSecrets(raw string) []string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil
	}
	var out []string
	keep := func(v string) {
		if len(v) >= 4 {
			out = append(out, v)
		}
	}
	if u.User != nil {
		p, _ := u.User.Password()
		keep(p)
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			keep(v)
		}
	}
	return out
}

// shownURL is a configured base URL as doctor prints it: user info and query values masked.
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return redact.URL(u)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func doctorSeerr(ctx context.Context, r *report, cfg *config.Config) {
	if !cfg.ReconcileEnabled() {
		r.warn("Seerr: JELLY_URL is not set, reconcile off (webhooks only; one lost while seerrpilot was down is not caught up)",
			"set JELLY_URL and JELLY_API_KEY to turn reconcile on")
		return
	}
	c, err := seerr.New(seerr.Config{BaseURL: cfg.JellyURL, APIKey: cfg.JellyAPIKey, Timeout: doctorTimeout})
	if err != nil {
		r.fail("Seerr client: "+err.Error(), "check JELLY_URL and JELLY_API_KEY")
		return
	}
	cctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	st, err := c.Status(cctx)
	cancel()
	if errors.Is(err, seerr.ErrUnauthorized) {
		// Seerr (or a proxy in front of it) answered and refused: reachable, wrong key.
		r.fail("Seerr at "+shownURL(cfg.JellyURL)+" refused the request (HTTP 401/403): "+err.Error(),
			"check JELLY_API_KEY: copy it from Seerr → Settings → General → API Key (and, behind a reverse proxy, that the proxy lets X-Api-Key through)")
		return
	}
	if err != nil {
		r.fail("Seerr not reachable at "+shownURL(cfg.JellyURL)+": "+err.Error(),
			"check JELLY_URL (scheme, host, port, sub-path) and that Seerr is running and reachable from here")
		return
	}
	f := seerr.FeaturesFor(st.Version)
	r.ok(fmt.Sprintf("Seerr reachable at %s, version %s (flavor %s; sortDirection %s, completed %s, mediaType filter %s)",
		shownURL(cfg.JellyURL), st.Version, f.Flavor, yesNo(f.SortDirection), yesNo(f.Completed), yesNo(f.MediaTypeFilter)))

	list := func(filter string) error {
		cctx, cancel := context.WithTimeout(ctx, doctorTimeout)
		defer cancel()
		_, err := c.ListRequests(cctx, seerr.ListOptions{Take: 1, Filter: filter})
		return err
	}
	err = list(string(cfg.JellyFilter))
	switch {
	case err == nil:
		r.ok(fmt.Sprintf("Seerr accepted JELLY_API_KEY; request list readable (filter=%s)", cfg.JellyFilter))
	case errors.Is(err, seerr.ErrUnauthorized):
		r.fail("Seerr rejected JELLY_API_KEY: "+err.Error(),
			"copy the API key from Seerr → Settings → General → API Key into JELLY_API_KEY")
		return
	case errors.Is(err, seerr.ErrBadRequest) && cfg.JellyFilter != seerr.FilterApproved:
		if err2 := list(seerr.FilterApproved); err2 != nil {
			r.fail("Seerr request list not readable: "+err2.Error(), "check JELLY_API_KEY and the Seerr logs")
			return
		}
		r.ok("Seerr accepted JELLY_API_KEY; request list readable (filter=approved)")
		r.fail(fmt.Sprintf("Seerr %s rejects JELLY_FILTER=%s", st.Version, cfg.JellyFilter),
			"set JELLY_FILTER to one of: "+strings.Join(f.Filters, ", ")+" (default approved)")
	default:
		r.fail("Seerr request list not readable: "+err.Error(), "check JELLY_API_KEY, JELLY_FILTER and the Seerr logs")
		return
	}
	doctorSeerrWebhook(ctx, r, cfg, c)
}

// mpProbe is one auth scheme's outcome against MoviePilot.
type mpProbe struct {
	scheme  moviepilot.AuthScheme
	version string
	// detected is the version MoviePilot answers like when MP_API_VERSION names one ("" when
	// it is auto, or the detection failed).
	detected string
	err      error
}

func probeMP(ctx context.Context, cfg *config.Config, scheme moviepilot.AuthScheme) mpProbe {
	p := mpProbe{scheme: scheme}
	c, err := moviepilot.New(moviepilot.Config{
		BaseURL: cfg.MPURL, Scheme: scheme, Token: cfg.MPToken,
		Username: cfg.MPUsername, Password: cfg.MPPassword, APIVersion: string(cfg.MPAPIVersion), Timeout: doctorTimeout,
	})
	if err != nil {
		p.err = err
		return p
	}
	cctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	p.version, p.err = c.Version(cctx)
	cancel()
	if p.err != nil {
		return p
	}
	cctx, cancel = context.WithTimeout(ctx, doctorTimeout)
	_, p.err = c.Lookup(cctx, 1, nil) // a harmless read
	cancel()
	if p.err != nil || cfg.MPAPIVersion == "" || cfg.MPAPIVersion == "auto" {
		return p
	}
	// A fixed MP_API_VERSION is used as is, and every read above works with the wrong one too
	// (a real 2.5.6 answers v3's lookup with its all-null object), while creates then fail:
	// ask the server which it is, with the same scheme and credentials.
	auto, err := moviepilot.New(moviepilot.Config{
		BaseURL: cfg.MPURL, Scheme: scheme, Token: cfg.MPToken,
		Username: cfg.MPUsername, Password: cfg.MPPassword, APIVersion: "auto", Timeout: doctorTimeout,
	})
	if err == nil {
		cctx, cancel = context.WithTimeout(ctx, doctorTimeout)
		p.detected, _ = auto.Version(cctx)
		cancel()
	}
	return p
}

func doctorMoviePilot(ctx context.Context, r *report, cfg *config.Config) {
	if cfg.MPURL == "" {
		r.warn("MoviePilot: skipped (MP_DRY_RUN=true without MP_URL)", "set MP_URL to check MoviePilot")
		return
	}
	if cfg.MPDryRun {
		r.warn("MP_DRY_RUN=true: nothing is written to MoviePilot", "unset MP_DRY_RUN when the checks pass")
	}
	// Only the configured scheme is probed: trying the others would send the API token where
	// it was not asked for (as ?token=, it lands in MoviePilot's access log).
	configured := moviepilot.AuthScheme(cfg.MPAuthScheme)
	primary := probeMP(ctx, cfg, configured)
	if primary.err == nil && primary.detected != "" && primary.detected != primary.version {
		r.fail(fmt.Sprintf("MoviePilot at %s answers like API %s, but MP_API_VERSION=%s", shownURL(cfg.MPURL), primary.detected, cfg.MPAPIVersion),
			fmt.Sprintf("set MP_API_VERSION=auto (or %s): with the wrong version every subscription is refused", primary.detected))
		return
	}
	if primary.err == nil {
		r.ok(fmt.Sprintf("MoviePilot reachable at %s; MP_AUTH_SCHEME=%s works; API %s", shownURL(cfg.MPURL), configured, primary.version))
		return
	}
	r.fail(fmt.Sprintf("MoviePilot at %s with MP_AUTH_SCHEME=%s: %v", shownURL(cfg.MPURL), configured, primary.err),
		mpFix(cfg, configured, primary.err))
}

// mpFix says what to change after the configured scheme failed.
func mpFix(cfg *config.Config, scheme moviepilot.AuthScheme, err error) string {
	var fix string
	switch moviepilot.Classify(err) {
	case moviepilot.ClassAuth:
		switch scheme {
		case moviepilot.AuthLogin:
			fix = "check MP_USERNAME and MP_PASSWORD (a MoviePilot user that can log in)"
		case moviepilot.AuthBearer:
			fix = "MP_TOKEN is not a valid JWT (it dies when MoviePilot restarts); prefer MP_AUTH_SCHEME=x-api-key or login"
		default:
			fix = "set MP_TOKEN to MoviePilot's API_TOKEN (Settings → 基础设置 → API令牌)"
		}
		if scheme != moviepilot.AuthLogin && oldV2Refusal(err) {
			// MoviePilot 2.5.x: X-API-KEY and ?token= get 401 {"detail":"Not authenticated"}
			// and the token as a bearer 403 {"detail":"token校验不通过"}: it takes no API token
			// on the subscribe endpoints at all.
			fix = "MoviePilot before about v2.9 (e.g. 2.5.x) accepts no API token on its subscribe endpoints, only a logged-in user: " +
				"set MP_USERNAME and MP_PASSWORD (MP_AUTH_SCHEME=login, the default when MP_USERNAME is set); " +
				"if your MoviePilot is newer, " + fix
		} else if scheme != moviepilot.AuthLogin && cfg.MPUsername != "" && cfg.MPPassword != "" {
			fix += "; or, since MP_USERNAME and MP_PASSWORD are set, MP_AUTH_SCHEME=login"
		}
	case moviepilot.ClassRetry, moviepilot.ClassCanceled:
		fix = "check MP_URL (scheme, host, port) and that MoviePilot is running and reachable from here"
	default:
		fix = "check MP_URL points at MoviePilot (not a proxy page) and MP_API_VERSION; see the MoviePilot logs"
	}
	return fix
}

// oldV2Refusal reports an auth refusal in v2's shape ({"detail": …}, not v3's envelope) that a
// MoviePilot without API-token access to JWT endpoints gives: 401 "Not authenticated" (no
// JWT) or 403 "token校验不通过" (the token is no JWT).
func oldV2Refusal(err error) bool {
	var e *moviepilot.Error
	if !errors.As(err, &e) || !strings.HasPrefix(strings.TrimSpace(e.Body), `{"detail"`) {
		return false
	}
	return (e.Status == 401 && e.Message == "Not authenticated") || (e.Status == 403 && e.Message == "token校验不通过")
}

// doctorDataDir checks DATA_DIR and the database. A held lock is the normal case while the
// service runs: the service is then asked for its readiness at readyz instead.
func doctorDataDir(ctx context.Context, r *report, dir, readyz string) {
	created := false
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			r.fail("DATA_DIR "+dir+" cannot be created: "+err.Error(), "create it, or point DATA_DIR at a writable directory")
			return
		}
		created = true
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		r.fail("DATA_DIR "+dir+" is not writable: "+err.Error(),
			"make it writable by this user (uid "+fmt.Sprint(os.Getuid())+"), or point DATA_DIR elsewhere")
		return
	}
	name := f.Name()
	_ = f.Close()
	if err := os.Remove(name); err != nil {
		r.fail("DATA_DIR "+dir+": cannot remove a file: "+err.Error(), "check the directory's permissions")
		return
	}
	r.ok("DATA_DIR " + dir + " is writable")

	path := filepath.Join(dir, taskdb.FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if created {
			_ = os.Remove(dir)
		}
		r.ok("database " + path + " does not exist yet (created on first start)")
		return
	}
	store, err := taskdb.Open(path, taskdb.Options{LockTimeout: doctorLockTimeout})
	switch {
	case errors.Is(err, taskdb.ErrLocked):
		doctorLockedDatabase(ctx, r, path, readyz)
	case err != nil:
		r.fail("database "+path+": "+err.Error(), "check the file's permissions; restore it from a backup if it is damaged")
	default:
		if err := store.Close(); err != nil {
			r.fail("database "+path+": close: "+err.Error(), "check the file's permissions")
			return
		}
		r.ok("database " + path + " opens and is not locked")
		if stale := staleJournal(path); stale != "" {
			r.ok(stale + " is an intake journal from an earlier build and no longer used; it can be deleted")
		}
	}
}

// journalSuffix named the intake journal of earlier builds: the database path plus it.
const journalSuffix = "-journal"

// staleJournal names the intake journal an earlier build left next to the database at path, or
// "": it is no longer used (serve logs that once at start, doctor names it; it can be deleted).
func staleJournal(path string) string {
	if _, err := os.Stat(path + journalSuffix); err != nil {
		return ""
	}
	return path + journalSuffix
}
