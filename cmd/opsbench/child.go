package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/proc"
)

// Secrets the child runs with: production should set both, so the webhook pays for the
// constant-time check and the redacting log writer as it does for users.
const (
	webhookSecret = "opsbench-webhook-secret-0123456789"
	adminToken    = "opsbench-admin-token-0123456789"
	mpToken       = "opsbench-mp-api-token-0123456789"
)

// service is one running `seerrpilot serve` child (pkg/proc).
type service = proc.Proc

// binary returns the seerrpilot binary to measure: -bin, or a fresh static stripped build.
func (b *bench) binary(ctx context.Context) (string, error) {
	if b.cfg.bin != "" {
		abs, err := filepath.Abs(b.cfg.bin)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("-bin: %w", err)
		}
		return abs, nil
	}
	out := filepath.Join(b.dir, "seerrpilot")
	bctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	start := time.Now()
	b.logf("building %s (CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' ./cmd/seerrpilot)", out)
	if err := proc.Build(bctx, out, true, os.Stderr); err != nil {
		return "", err
	}
	b.logf("built in %s", time.Since(start).Round(time.Millisecond))
	return out, nil
}

// baseEnv is the service's environment apart from LISTEN_ADDR and what a scenario adds
// (rate 0: the service's default MP_RATE_LIMIT_PER_SEC, 3).
func baseEnv(dataDir, mpURL string, rate float64) map[string]string {
	env := map[string]string{
		"DATA_DIR": dataDir, "MP_URL": mpURL, "MP_TOKEN": mpToken, "LOG_LEVEL": "warn",
		"WEBHOOK_SECRET": webhookSecret, "ADMIN_TOKEN": adminToken,
	}
	if rate > 0 {
		env["MP_RATE_LIMIT_PER_SEC"] = strconv.FormatFloat(rate, 'g', -1, 64)
	}
	return env
}

// newFakeMP is mptest's fake MoviePilot (v2.9+: the API token authorises every call).
func newFakeMP() *mptest.Server {
	return mptest.New(mptest.Options{APIToken: mpToken, AcceptAPIKey: true})
}

// launch starts the binary with env and waits until /readyz answers 200.
func (b *bench) launch(ctx context.Context, env map[string]string) (*service, error) {
	svc, err := proc.Start(proc.Options{Bin: b.bin, Env: env})
	if err != nil {
		return nil, err
	}
	if err := svc.Wait(ctx, "/readyz", 15*time.Second); err != nil {
		svc.Kill()
		return nil, err
	}
	return svc, nil
}

// startScenario starts the binary on a fresh DATA_DIR named after the scenario, against a fake
// MoviePilot of its own paced at mpRate, and waits for /readyz. done kills the service, then
// closes the fake.
func (b *bench) startScenario(ctx context.Context, name string, mpRate float64) (svc *service, mp *mptest.Server, done func(), err error) {
	dataDir, err := b.scenarioDir(name)
	if err != nil {
		return nil, nil, nil, err
	}
	mp = newFakeMP()
	if svc, err = b.launch(ctx, baseEnv(dataDir, mp.URL(), mpRate)); err != nil {
		mp.Close()
		return nil, nil, nil, err
	}
	return svc, mp, func() { svc.Kill(); mp.Close() }, nil
}

// memory is the child's resident set, from /proc/<pid>/status.
type memory struct {
	RSS int64 // VmRSS, bytes
	HWM int64 // VmHWM (peak RSS), bytes
}

func readMemory(svc *service) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", svc.Pid()))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		switch {
		case name != "VmRSS" && name != "VmHWM":
		case err != nil:
			return memory{}, fmt.Errorf("unexpected %s line %q", name, sc.Text())
		case name == "VmRSS":
			m.RSS = kb << 10
		default:
			m.HWM = kb << 10
		}
	}
	if m.RSS == 0 {
		return memory{}, errors.New("no VmRSS in /proc/<pid>/status (exited?)")
	}
	return m, sc.Err()
}

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// expectedWarning is logged at every start without Seerr; it says nothing about a run.
const expectedWarning = "JELLY_URL/JELLY_API_KEY not set"

// problems summarises the warn and error lines the child logged (JSON format), each distinct
// (level, message) once with its count; "" when there were none.
func problems(log string) string {
	type key struct{ level, msg string }
	counts := map[key]int{}
	var order []key
	for _, line := range strings.Split(log, "\n") {
		var l struct{ Level, Message, Error string }
		if json.Unmarshal([]byte(line), &l) != nil || l.Level == "" || l.Level == "info" || l.Level == "debug" || l.Level == "trace" {
			continue
		}
		if strings.HasPrefix(l.Message, expectedWarning) {
			continue
		}
		k := key{l.Level, l.Message}
		if l.Error != "" {
			k.msg += " (" + l.Error + ")"
		}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d × %s %q", counts[k], k.level, k.msg))
	}
	return strings.Join(parts, "; ")
}

// opOf names a MoviePilot call for the figures: the API-version probe (the lookup of tmdb:0,
// which cannot exist) is "detect"; the 307 to the create path counts as a create.
func opOf(c mptest.Call) string {
	switch {
	case c.Op == "lookup" && (strings.HasSuffix(c.Path, "/tmdb:0") || strings.HasSuffix(c.Path, "/media/0")):
		return "detect"
	case c.Op == "redirect":
		return "create"
	case c.Op == "login" || c.Op == "lookup" || c.Op == "create":
		return c.Op
	}
	return "other"
}

// countOps tallies calls by operation, e.g. "lookup 200, create 200, detect 1".
func countOps(calls []mptest.Call) string {
	n := map[string]int{}
	for _, c := range calls {
		n[opOf(c)]++
	}
	var parts []string
	for _, op := range []string{"detect", "login", "lookup", "create", "other"} {
		if n[op] > 0 {
			parts = append(parts, op+" "+strconv.Itoa(n[op]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// createdAt polls the fake until tmdb has a subscription and returns when the fake made it
// (its own clock, so the poll interval does not count).
func createdAt(ctx context.Context, mp *mptest.Server, tmdb int, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		for _, s := range mp.Subscriptions() {
			if s.TMDBID == tmdb {
				return s.Created, nil
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("no subscription for TMDB %d within %s", tmdb, timeout)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}
