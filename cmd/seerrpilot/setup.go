package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/clock"
	"github.com/seerrpilot/seerrpilot/pkg/config"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
)

// setupTypes are the notification types setup ticks (others stay as they are).
var setupTypes = []struct {
	bit  int
	name string
}{
	{seerr.NotifyMediaApproved, "Request Approved"},
	{seerr.NotifyMediaAutoApproved, "Request Automatically Approved"},
	{seerr.NotifyMediaDeclined, "Request Declined"},
}

// setupTerminal is where setup asks for confirmation: the process's stdin, when a terminal.
type setupTerminal struct {
	in  io.Reader
	tty bool
}

// setupCmd dispatches `setup <target>`; only seerr exists.
func setupCmd(ctx context.Context, rest []string, stdout, stderr io.Writer) error {
	if len(rest) == 0 {
		return &usageError{"setup needs a target: seerr"}
	}
	if isHelpArg(rest[0]) {
		return &helpRequest{cmd: "setup seerr"}
	}
	if rest[0] != "seerr" {
		return &usageError{fmt.Sprintf("unknown setup target %q (want seerr)", rest[0])}
	}
	return setupSeerr(ctx, rest[1:], setupTerminal{in: os.Stdin, tty: isTerminal(os.Stdin)}, stdout, stderr)
}

// setupSeerr points Seerr's webhook agent at this service: it shows the change, asks (or
// takes --yes), saves it, sends Seerr's test notification and confirms, through the
// running seerrpilot's /readyz, that it arrived. WEBHOOK_SECRET is never printed.
func setupSeerr(ctx context.Context, args []string, term setupTerminal, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("setup seerr", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	target := fs.String("url", "", "the Webhook URL Seerr should call (default: the host Seerr has now, else 127.0.0.1 when Seerr runs on this machine, else seerrpilot; port of LISTEN_ADDR; BASE_PATH/webhook/jellyseerr)")
	yes := fs.Bool("yes", false, "apply without asking (required when stdin is not a terminal)")
	wait := fs.Duration("wait", 20*time.Second, "how long to wait for the test notification to reach the running seerrpilot")
	readyz := fs.String("readyz", "", "the running seerrpilot's /readyz, where the test's arrival is seen (default from LISTEN_ADDR and BASE_PATH)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &helpRequest{cmd: "setup seerr", fs: fs}
		}
		return &usageError{fmt.Sprintf("setup seerr: %v", err)}
	}
	if fs.NArg() > 0 {
		return &usageError{"setup seerr takes no arguments"}
	}
	cfg, red, _, err := setup(stderr)
	if err != nil {
		return err
	}
	if !cfg.ReconcileEnabled() {
		return errors.New("setup seerr needs JELLY_URL and JELLY_API_KEY (an admin's API key: Seerr → Settings → General → API Key)")
	}
	c, err := seerr.New(seerr.Config{BaseURL: cfg.JellyURL, APIKey: cfg.JellyAPIKey, Timeout: doctorTimeout})
	if err != nil {
		return fmt.Errorf("seerr client: %w", err)
	}
	agent, err := c.ReadWebhookAgent(ctx)
	if err != nil {
		if errors.Is(err, seerr.ErrUnauthorized) {
			return fmt.Errorf("JELLY_API_KEY cannot read Seerr's notification settings (admin only): %s", red.Error(err))
		}
		return fmt.Errorf("reading Seerr's webhook settings: %s", red.Error(err))
	}
	before := cloneAgent(agent)

	hookURL := *target
	if hookURL == "" {
		hookURL = defaultWebhookURL(cfg, agent)
	}
	if err := checkSetupURL(cfg, hookURL); err != nil {
		return &usageError{"setup seerr: --url " + err.Error()}
	}
	changes, notes := planSetup(cfg, agent, hookURL)
	fmt.Fprintf(stdout, "Seerr at %s, Settings → Notifications → Webhook:\n", cfg.JellyURL)
	for _, l := range describeSetup(cfg, before, agent) {
		fmt.Fprintln(stdout, "  "+l)
	}
	for _, n := range notes {
		fmt.Fprintln(stdout, "note: "+n)
	}
	if changes == 0 {
		fmt.Fprintln(stdout, "Seerr's webhook agent is already set up for seerrpilot; nothing to change.")
	} else {
		if !*yes {
			if !term.tty {
				fmt.Fprintln(stdout, "Nothing was changed: stdin is not a terminal. Run again with --yes to apply.")
				return errCheckFailed
			}
			fmt.Fprint(stdout, "Apply these changes to Seerr? [y/N] ")
			answer, _ := bufio.NewReader(term.in).ReadString('\n')
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				fmt.Fprintln(stdout, "Nothing was changed.")
				return errCheckFailed
			}
		}
		if err := c.SaveWebhookAgent(ctx, agent); err != nil {
			return fmt.Errorf("saving Seerr's webhook settings: %s", red.Error(err))
		}
		if err := verifySaved(ctx, c, cfg, agent); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Saved.")
	}
	return confirmTest(ctx, c, cfg, agent, hookURL, *readyz, *wait, red.Error, stdout)
}

// cloneAgent copies an agent deeply (it is plain JSON).
func cloneAgent(a seerr.WebhookAgent) seerr.WebhookAgent {
	b, _ := json.Marshal(a)
	var out seerr.WebhookAgent
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	_ = d.Decode(&out)
	return out
}

// defaultWebhookURL keeps the scheme and host Seerr calls now when it has one (only the
// path is this service's), else uses 127.0.0.1 when Seerr runs on this machine, else the
// name "seerrpilot" (the compose service); the port is LISTEN_ADDR's.
func defaultWebhookURL(cfg *config.Config, a seerr.WebhookAgent) string {
	path := cfg.BasePath + "/webhook/jellyseerr"
	if cur, _ := a.Options()["webhookUrl"].(string); cur != "" {
		if u, err := url.Parse(cur); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			for _, p := range webhookPaths {
				if strings.HasSuffix(u.Path, p) {
					return u.Scheme + "://" + u.Host + path
				}
			}
		}
	}
	host := "seerrpilot"
	if u, err := url.Parse(cfg.JellyURL); err == nil {
		if ip := net.ParseIP(u.Hostname()); u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()) {
			host = "127.0.0.1"
		}
	}
	return "http://" + net.JoinHostPort(host, listenPort(cfg.ListenAddr)) + path
}

// checkSetupURL accepts an http(s) URL without user info whose path is the webhook's, under
// BASE_PATH (a proxy that rewrites paths: set the URL in Seerr by hand).
func checkSetupURL(cfg *config.Config, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q: want an http(s) URL such as http://seerrpilot:8770%s/webhook/jellyseerr", raw, cfg.BasePath)
	}
	if u.User != nil {
		return errors.New("must not carry a user or password")
	}
	for _, p := range webhookPaths {
		if u.Path == cfg.BasePath+p || u.Path == cfg.BasePath+p+"/" {
			return nil
		}
	}
	return fmt.Errorf("%s: the path must be %s/webhook/jellyseerr (BASE_PATH %q)", redactedURL(u), cfg.BasePath, cfg.BasePath)
}

// planSetup changes a to what seerrpilot needs and returns how many fields changed, and
// notes for the user. Everything else in a (other types, other options, fields this
// version does not know) stays.
func planSetup(cfg *config.Config, a seerr.WebhookAgent, hookURL string) (int, []string) {
	var notes []string
	n := 0
	set := func(m map[string]any, k string, v any) {
		if fmt.Sprint(m[k]) != fmt.Sprint(v) {
			m[k] = v
			n++
		}
	}
	set(a, "enabled", true)
	types := agentTypes(a)
	want := types
	for _, t := range setupTypes {
		want |= t.bit
	}
	if want != types {
		a["types"] = want
		n++
	}
	o := a.Options()
	set(o, "webhookUrl", hookURL)
	if o["supportVariables"] == true && strings.Contains(hookURL, "{{") {
		notes = append(notes, "the URL holds {{…}}: Seerr fills those in per notification (supportVariables)")
	}
	header := cfg.WebhookSecretHeader
	switch {
	case cfg.WebhookSecret == "":
		notes = append(notes, "WEBHOOK_SECRET is not set: seerrpilot accepts webhooks from anyone who can reach it; the Authorization Header is left as it is")
	case header == "" || strings.EqualFold(header, "Authorization"):
		if cur, _ := o["authHeader"].(string); !secretMatches(cur, cfg.WebhookSecret) { // "Bearer <secret>" is fine too
			o["authHeader"] = cfg.WebhookSecret
			n++
		}
	default:
		hs, _ := o["customHeaders"].([]any)
		found := false
		for _, h := range hs {
			m, ok := h.(map[string]any)
			if k, _ := m["key"].(string); ok && strings.EqualFold(k, header) {
				set(m, "value", cfg.WebhookSecret)
				found = true
			}
		}
		if !found {
			o["customHeaders"] = append(hs, map[string]any{"key": header, "value": cfg.WebhookSecret})
			n++
		}
		notes = append(notes, "WEBHOOK_SECRET_HEADER="+header+" is a custom header: Seerr 3.2 or newer keeps it (3.1 drops custom headers)")
	}
	if seerr.TemplateProblem(o["jsonPayload"]) != "" {
		o["jsonPayload"] = string(seerrhook.DefaultTemplate())
		n++
	}
	return n, notes
}

// agentTypes reads the types bitmask (a json.Number from ReadWebhookAgent, or an int).
func agentTypes(a seerr.WebhookAgent) int {
	switch v := a["types"].(type) {
	case json.Number:
		n, _ := strconv.Atoi(v.String())
		return n
	case int:
		return v
	case float64:
		return int(v)
	}
	return 0
}

// describeSetup is the before → after of every field setup may touch, secrets masked.
func describeSetup(cfg *config.Config, before, after seerr.WebhookAgent) []string {
	var out []string
	line := func(name, was, now string) {
		if was == now {
			out = append(out, fmt.Sprintf("%-24s %s (unchanged)", name+":", now))
			return
		}
		out = append(out, fmt.Sprintf("%-24s %s → %s", name+":", was, now))
	}
	onOff := func(a seerr.WebhookAgent) string {
		if a["enabled"] == true {
			return "on"
		}
		return "off"
	}
	line("Enable Agent", onOff(before), onOff(after))
	line("Notification Types", typeNames(agentTypes(before)), typeNames(agentTypes(after)))
	bu, _ := before.Options()["webhookUrl"].(string)
	au, _ := after.Options()["webhookUrl"].(string)
	line("Webhook URL", hookShown(bu), hookShown(au))
	ba, _ := before.Options()["authHeader"].(string)
	aa, _ := after.Options()["authHeader"].(string)
	line("Authorization Header", maskSecret(ba, cfg.WebhookSecret), maskSecret(aa, cfg.WebhookSecret))
	if h := cfg.WebhookSecretHeader; cfg.WebhookSecret != "" && h != "" && !strings.EqualFold(h, "Authorization") {
		line("Custom header "+h, maskSecret(customHeader(before, h), cfg.WebhookSecret), maskSecret(customHeader(after, h), cfg.WebhookSecret))
	}
	template := func(a seerr.WebhookAgent) string {
		if p := seerr.TemplateProblem(a.Options()["jsonPayload"]); p != "" {
			return "broken (" + p + ")"
		}
		if t, _ := a.Options()["jsonPayload"].(string); t == string(seerrhook.DefaultTemplate()) {
			return "Seerr's default"
		}
		return "parses"
	}
	line("JSON Payload", template(before), template(after))
	return out
}

func customHeader(a seerr.WebhookAgent, name string) string {
	hs, _ := a.Options()["customHeaders"].([]any)
	for _, h := range hs {
		if m, ok := h.(map[string]any); ok {
			if k, _ := m["key"].(string); strings.EqualFold(k, name) {
				v, _ := m["value"].(string)
				return v
			}
		}
	}
	return ""
}

// typeNames lists the types of a bitmask by their names in Seerr's UI.
func typeNames(bits int) string {
	names := []struct {
		bit  int
		name string
	}{{seerr.NotifyMediaPending, "Request Pending Approval"}, {seerr.NotifyMediaApproved, "Request Approved"},
		{seerr.NotifyMediaAutoApproved, "Request Automatically Approved"}, {seerr.NotifyMediaAvailable, "Request Available"},
		{seerr.NotifyMediaDeclined, "Request Declined"}, {seerr.NotifyMediaFailed, "Request Processing Failed"}}
	var out []string
	rest := bits
	for _, n := range names {
		if bits&n.bit != 0 {
			out = append(out, n.name)
			rest &^= n.bit
		}
	}
	rest &^= seerr.NotifyTest // always sent; not a UI choice
	if rest != 0 {
		out = append(out, fmt.Sprintf("others (%d)", rest))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// hookShown is a webhook URL as setup prints it: "(none)" when empty, else shownURL.
func hookShown(raw string) string {
	if raw == "" {
		return "(none)"
	}
	return shownURL(raw)
}

// maskSecret shows whether a header value is set and whether it is WEBHOOK_SECRET, never
// the value.
func maskSecret(v, secret string) string {
	switch {
	case v == "":
		return "(none)"
	case secret != "" && secretMatches(v, secret):
		return "******** (WEBHOOK_SECRET)"
	}
	return "******** (another value)"
}

// verifySaved reads the agent back: Seerr must have kept what seerrpilot needs.
func verifySaved(ctx context.Context, c *seerr.Client, cfg *config.Config, want seerr.WebhookAgent) error {
	s, err := c.WebhookSettings(ctx)
	if err != nil {
		return fmt.Errorf("reading Seerr's webhook settings back: %w", err)
	}
	wantURL, _ := want.Options()["webhookUrl"].(string)
	var missing []string
	if !s.Enabled {
		missing = append(missing, "Enable Agent")
	}
	for _, t := range setupTypes {
		if !s.Has(t.bit) {
			missing = append(missing, t.name)
		}
	}
	if s.URL != wantURL {
		missing = append(missing, "Webhook URL")
	}
	if s.TemplateProblem != "" {
		missing = append(missing, "JSON Payload")
	}
	if cfg.WebhookSecret != "" {
		h := cfg.WebhookSecretHeader
		if h == "" {
			h = "Authorization"
		}
		if got, ok := s.SentHeader(h); !ok || !secretMatches(got, cfg.WebhookSecret) {
			missing = append(missing, "the "+h+" header (a custom header needs Seerr 3.2+)")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("Seerr saved the settings but did not keep: %s", strings.Join(missing, ", "))
	}
	return nil
}

// confirmTest sends Seerr's test notification and waits until the running seerrpilot's
// /readyz counts one more accepted test.
func confirmTest(ctx context.Context, c *seerr.Client, cfg *config.Config, agent seerr.WebhookAgent,
	hookURL, readyz string, wait time.Duration, scrub func(error) string, stdout io.Writer) error {
	if readyz == "" {
		readyz = readyzURL(cfg)
	}
	before, known := testCount(ctx, readyz)
	if !known {
		fmt.Fprintf(stdout, "note: no seerrpilot answers %s here, so the test's arrival cannot be confirmed (start `seerrpilot serve`, or pass --readyz)\n", readyz)
	}
	fmt.Fprintln(stdout, "Sending Seerr's test notification to", hookShown(hookURL), "…")
	if err := c.TestWebhookAgent(ctx, agent); err != nil {
		fmt.Fprintf(stdout, "FAIL: Seerr could not deliver its test notification: %s\n", scrub(err))
		fmt.Fprintln(stdout, "check: (1) the Webhook URL is reachable from where Seerr runs (in Docker: the container name and network, not 127.0.0.1);")
		fmt.Fprintln(stdout, "       (2) seerrpilot is running there with this BASE_PATH; (3) its WEBHOOK_SECRET is the one used here (a 401 fails too).")
		fmt.Fprintln(stdout, "       Seerr's log says why: \"Error sending webhook notification\".")
		return errCheckFailed
	}
	if !known {
		fmt.Fprintln(stdout, "Seerr delivered it: the receiver answered 2xx.")
		return nil
	}
	deadline := time.Now().Add(wait)
	for {
		if n, ok := testCount(ctx, readyz); ok && n > before {
			fmt.Fprintf(stdout, "OK: seerrpilot (%s) received Seerr's test notification.\n", readyz)
			return nil
		}
		if time.Now().After(deadline) || !clock.Sleep(ctx, 250*time.Millisecond) {
			break
		}
	}
	fmt.Fprintf(stdout, "FAIL: Seerr delivered its test (the receiver answered 2xx), but the seerrpilot at %s did not count it within %s.\n", readyz, wait)
	fmt.Fprintln(stdout, "check: the Webhook URL reaches another service or another seerrpilot (a proxy answering 2xx, an old container); compare it with this service's address.")
	return errCheckFailed
}

// testCount reads components.webhook.info.testNotifications from a seerrpilot's /readyz.
func testCount(ctx context.Context, readyz string) (int, bool) {
	a, _, err := askRunningService(ctx, readyz)
	if err != nil {
		return 0, false
	}
	w, ok := a.Components["webhook"]
	if !ok {
		return 0, false
	}
	switch v := w.Info["testNotifications"].(type) {
	case float64:
		return int(v), true
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	}
	return 0, false
}
