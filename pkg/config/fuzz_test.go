package config

import (
	"strings"
	"testing"
)

// FuzzConfig feeds arbitrary values to Load: it must never panic, must either return a config
// or a ValidationError, and a problem message must never quote a secret.
func FuzzConfig(f *testing.F) {
	f.Add("http://mp:3001", "x-api-key", "50", "30m", ":8770", "3", "/seerrpilot")
	f.Add("ftp://", "magic", "0", "-1m", "8770", "0", "a/../b")
	f.Add("https://u:p@h/?q", "LOGIN", "501", "1h", "[::1]:99999", "1e9", "//")
	const secret = "fuzz-secret-value-99"
	f.Fuzz(func(t *testing.T, mpURL, scheme, page, interval, listen, rate, base string) {
		vars := map[string]string{"MP_URL": mpURL, "MP_AUTH_SCHEME": scheme, "JELLY_PAGE_SIZE": page,
			"RECONCILE_INTERVAL": interval, "LISTEN_ADDR": listen, "MP_RATE_LIMIT_PER_SEC": rate, "BASE_PATH": base,
			"MP_TOKEN": secret, "ADMIN_TOKEN": secret}
		for _, v := range vars {
			if strings.ContainsRune(v, 0) {
				return // the environment cannot hold a NUL
			}
		}
		setEnv(t, vars)
		cfg, err := Load()
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
