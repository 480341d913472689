package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A secret pasted into another variable is echoed by that variable's problem: it must come out
// masked, whatever the variable, including a password inside a URL that does not parse.
func TestProblemsNeverEchoASecret(t *testing.T) {
	const (
		token = "mp-token-7c1e9a55d2"
		pass  = "mp-pass-4b8e2f90"
		hook  = "hook-secret-93af10be"
		admin = "admin-token-61d0c7e2"
		key   = "seerr-key-0f5e7d3a"
		filed = "filed-token-a81c36d4"
		urlpw = "url-pw-5e3b9d17"
	)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(filed+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"MP_URL": "http://mp:3001", "MP_TOKEN": token, "MP_PASSWORD": pass,
		"WEBHOOK_SECRET": hook, "ADMIN_TOKEN": admin, "JELLY_URL": "http://js:5055", "JELLY_API_KEY": key}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name   string
		vars   map[string]string
		secret string
		bad    string // the variable whose problem is reported
	}{
		{"token in LOG_LEVEL", with("LOG_LEVEL", token), token, "LOG_LEVEL"},
		{"password in JELLY_FILTER", with("JELLY_FILTER", pass), pass, "JELLY_FILTER"},
		{"webhook secret in MP_API_VERSION", with("MP_API_VERSION", " "+hook+" "), hook, "MP_API_VERSION"},
		{"admin token in LISTEN_ADDR", with("LISTEN_ADDR", admin), admin, "LISTEN_ADDR"},
		{"Seerr key in BASE_PATH", with("BASE_PATH", key), key, "BASE_PATH"},
		{"Seerr key in MAX_ATTEMPTS", with("MAX_ATTEMPTS", key), key, "MAX_ATTEMPTS"},
		{"token from a file in LOG_FORMAT", with("MP_TOKEN", "", "MP_TOKEN_FILE", tokenFile, "LOG_FORMAT", filed), filed, "LOG_FORMAT"},
		{"password in an unparsable MP_URL", with("MP_URL", "http://user:"+urlpw+"@mp host:3001"), urlpw, "MP_URL"},
		{"password with % in an unparsable MP_URL", with("MP_URL", "http://user:"+urlpw+"%zz@mp:3001"), urlpw, "MP_URL"},
		{"password of JELLY_URL echoed in MP_URL", with("JELLY_URL", "http://u:"+urlpw+"@js:5055", "MP_URL", "ftp://"+urlpw), urlpw, "MP_URL"},
		{"query token of MP_URL in RECONCILE_INTERVAL", with("MP_URL", "http://mp/?token="+urlpw, "RECONCILE_INTERVAL", urlpw), urlpw, "RECONCILE_INTERVAL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, tc.vars)
			_, err := Load()
			if err == nil {
				t.Fatal("Load accepted the configuration")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.bad) {
				t.Fatalf("the message does not name %s: %s", tc.bad, msg)
			}
			if strings.Contains(msg, tc.secret) {
				t.Fatalf("the message shows the secret: %s", msg)
			}
		})
	}
	// The fixed text is left alone: a secret that is also a common word does not mangle it.
	setEnv(t, with("WEBHOOK_SECRET", "allowed", "LOG_LEVEL", "loud"))
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), `"loud": allowed trace`) {
		t.Fatalf("message mangled: %v", err)
	}
}
