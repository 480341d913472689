package config

import (
	"strings"
	"testing"
)

// FuzzConfig feeds arbitrary values to the parser: it must never panic, must either return a
// config or a ValidationError, and a problem message must never quote a secret.
func FuzzConfig(f *testing.F) {
	f.Add("http://mp:3001", "x-api-key", "50", "30m", ":8770", "3", "/seerrpilot")
	f.Add("ftp://", "magic", "0", "-1m", "8770", "0", "a/../b")
	f.Add("https://u:p@h/?q", "LOGIN", "501", "1h", "[::1]:99999", "1e9", "//")
	const secret = "fuzz-secret-value-99"
	f.Fuzz(func(t *testing.T, mpURL, scheme, page, interval, listen, rate, base string) {
		raw := env{MPURL: mpURL, MPAuthScheme: scheme, JellyPageSize: page, ReconcileInterval: interval,
			ListenAddr: listen, MPRateLimit: rate, BasePath: base, MPToken: secret, AdminToken: secret,
			JellyFilter: "approved", MPDryRun: "false", MPEpisodeMode: "season", MPAPIVersion: "auto",
			TVSpecials: "exclude", MaxAttempts: "10", DataDir: "./data", LogLevel: "info", LogFormat: "json"}
		cfg, err := fromEnv(raw)
		if err == nil {
			if cfg.MPRateLimit <= 0 || cfg.JellyPageSize < 1 {
				t.Fatalf("accepted a bad config: %+v", cfg)
			}
			return
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("message quotes a secret: %v", err)
		}
	})
}
