package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

const doctorWrongToken = "Wrong-mp-token-0a1b2c3d"

// doctorFakes starts a MoviePilot that accepts e2eMPToken (header or query) and admin/e2eMPPass,
// and a Seerr 3.1.0 that accepts e2eSeerrKey.
func doctorFakes(t *testing.T) (mp *mptest.Server, js *seerrtest.Server) {
	t.Helper()
	mp = mptest.New(mptest.Options{Version: mptest.V2, APIToken: e2eMPToken, AcceptAPIKey: true,
		Users: map[string]string{"admin": e2eMPPass}})
	t.Cleanup(mp.Close)
	js = seerrtest.New(seerrtest.Options{Version: "3.1.0", APIKey: e2eSeerrKey})
	t.Cleanup(js.Close)
	js.SetWebhookAgent(goodWebhookAgent())
	return mp, js
}

func doctorEnv(t *testing.T, mp *mptest.Server, js *seerrtest.Server) map[string]string {
	return map[string]string{
		"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "MP_AUTH_SCHEME": "x-api-key",
		"MP_USERNAME": "admin", "MP_PASSWORD": e2eMPPass,
		"JELLY_URL": js.URL(), "JELLY_API_KEY": e2eSeerrKey,
		"WEBHOOK_SECRET": e2eHookSec, "ADMIN_TOKEN": e2eAdmin, "DATA_DIR": t.TempDir(),
	}
}

func assertDoctorClean(t *testing.T, r result, extra ...string) {
	t.Helper()
	assertNoSecrets(t, r.stdout+r.stderr, append([]string{e2eMPToken, e2eSeerrKey, e2eHookSec, e2eAdmin, e2eMPPass}, extra...)...)
}

func TestDoctorAllGood(t *testing.T) {
	mp, js := doctorFakes(t)
	r := runBin(t, doctorEnv(t, mp, js), "doctor")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if l == "all checks passed" {
			continue
		}
		if !strings.HasPrefix(l, "[ OK ]") && !strings.HasPrefix(l, "[WARN]") {
			t.Errorf("line is not OK/WARN: %q", l)
		}
	}
	for _, want := range []string{"configuration is valid", "version 3.1.0", "flavor seerr", "MP_AUTH_SCHEME=x-api-key works; API v2",
		"accepted JELLY_API_KEY",
		"WEBHOOK_SECRET is set", "ADMIN_TOKEN is set", "is writable", "all checks passed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	assertDoctorClean(t, r)
}

func TestDoctorWarnsWithoutSeerrAndSecrets(t *testing.T) {
	mp, _ := doctorFakes(t)
	r := runBin(t, map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "DATA_DIR": t.TempDir()}, "doctor")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
	for _, want := range []string{"[WARN] Seerr: JELLY_URL is not set, reconcile off", "[WARN] WEBHOOK_SECRET is not set", "[WARN] ADMIN_TOKEN is not set"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	assertDoctorClean(t, r)
}

func TestDoctorWrongMPToken(t *testing.T) {
	mp, js := doctorFakes(t)
	env := doctorEnv(t, mp, js)
	env["MP_TOKEN"] = doctorWrongToken
	r := runBin(t, env, "doctor")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"[FAIL] MoviePilot", "set MP_TOKEN to MoviePilot's API_TOKEN", "check(s) failed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	assertDoctorClean(t, r, doctorWrongToken)
}

func TestDoctorWrongSeerrKey(t *testing.T) {
	mp, js := doctorFakes(t)
	env := doctorEnv(t, mp, js)
	env["JELLY_API_KEY"] = "Wrong-seerr-key-77aa88bb"
	r := runBin(t, env, "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "[FAIL] Seerr rejected JELLY_API_KEY") ||
		!strings.Contains(r.stdout, "→ fix: copy the API key from Seerr") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertDoctorClean(t, r, "Wrong-seerr-key-77aa88bb")
}

// TestDoctorSeerr403IsAuthNotUnreachable: a Seerr (or the proxy in front of it) that answers
// 403 to everything was reached; doctor says the key was refused and how to fix it.
func TestDoctorSeerr403IsAuthNotUnreachable(t *testing.T) {
	mp, js := doctorFakes(t)
	forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"message":"You do not have permission to access this endpoint"}`))
	}))
	defer forbidden.Close()
	env := doctorEnv(t, mp, js)
	env["JELLY_URL"] = forbidden.URL
	r := runBin(t, env, "doctor")
	if r.code != 1 || strings.Contains(r.stdout, "not reachable") || !strings.Contains(r.stdout, "refused the request (HTTP 401/403)") ||
		!strings.Contains(r.stdout, "→ fix: check JELLY_API_KEY") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertDoctorClean(t, r)
}

func TestDoctorBadFilterFallsBackToApproved(t *testing.T) {
	mp, _ := doctorFakes(t)
	js := seerrtest.New(seerrtest.Options{Version: "1.34.0", APIKey: e2eSeerrKey})
	defer js.Close()
	env := doctorEnv(t, mp, js)
	env["JELLY_FILTER"] = "completed"
	r := runBin(t, env, "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "request list readable (filter=approved)") ||
		!strings.Contains(r.stdout, "[FAIL] Seerr 1.34.0 rejects JELLY_FILTER=completed") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertDoctorClean(t, r)
}

// TestDoctorLockedDataDir runs doctor the way users run it: next to the running service,
// which holds the database lock. Doctor asks the service's /readyz instead of the file and
// passes; with a LISTEN_ADDR where nothing answers it says the lock is held by another process.
func TestDoctorLockedDataDir(t *testing.T) {
	mp, js := doctorFakes(t)
	env := doctorEnv(t, mp, js)
	svc := startService(t, mergeEnv(env, map[string]string{"RECONCILE_INTERVAL": "0"}))
	r := runBin(t, mergeEnv(env, map[string]string{"LISTEN_ADDR": svc.addr}), "doctor")
	if r.code != 0 || !strings.Contains(r.stdout, "[ OK ] database "+filepath.Join(env["DATA_DIR"], taskdb.FileName)+" is in use by the running seerrpilot") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertDoctorClean(t, r)

	r = runBin(t, mergeEnv(env, map[string]string{"LISTEN_ADDR": freeAddr(t)}), "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "is locked by another process, and no seerrpilot answers") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertDoctorClean(t, r)
}

func TestDoctorBadConfig(t *testing.T) {
	r := runBin(t, map[string]string{"MP_URL": "not a url", "MP_TOKEN": e2eMPToken, "ADMIN_TOKEN": "short",
		"DATA_DIR": t.TempDir()}, "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "[FAIL] configuration") ||
		!strings.Contains(r.stdout, "- MP_URL:") || !strings.Contains(r.stdout, "- ADMIN_TOKEN:") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The secret is an ordinary word: only values are masked, never the wording (this read
	// "is too [REDACTED]").
	if !strings.Contains(r.stdout, "- ADMIN_TOKEN: is too short (5 characters)") || strings.Contains(r.stdout, "[REDACTED]") {
		t.Fatalf("wording masked:\n%s", r.stdout)
	}
	assertDoctorClean(t, r)
	if r := runBin(t, nil, "doctor", "extra"); r.code != 2 {
		t.Fatalf("doctor extra: %+v", r)
	}
}

func TestDoctorURLCredentialsMasked(t *testing.T) {
	mp, js := doctorFakes(t)
	env := doctorEnv(t, mp, js)
	env["JELLY_URL"] = strings.Replace(js.URL(), "http://", "http://who:Url-pass-93e1c2@", 1)
	env["MP_URL"] = mp.URL() + "/?token=Url-token-5d7e9f"
	r := runBin(t, env, "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "- JELLY_URL:") || !strings.Contains(r.stdout, "- MP_URL:") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertDoctorClean(t, r, "Url-pass-93e1c2", "Url-token-5d7e9f")
}

func TestDoctorReportRedacts(t *testing.T) {
	var buf bytes.Buffer
	secret := "s3cret/value+with=chars"
	rep := &report{w: &buf, red: redact.New(secret)}
	rep.fail("url http://h/?token="+url.QueryEscape(secret), "use "+secret)
	rep.detail("- X: " + secret)
	rep.ok(secret)
	if rep.failed != 1 {
		t.Fatalf("failed = %d", rep.failed)
	}
	out := buf.String()
	if strings.Contains(out, secret) || strings.Contains(out, url.QueryEscape(secret)) || !strings.Contains(out, redact.Mask) {
		t.Fatalf("not redacted: %s", out)
	}
}

// TestDoctorReportsStaleJournal: an intake journal left by an earlier build is named as no
// longer used.
func TestDoctorReportsStaleJournal(t *testing.T) {
	mp, js := doctorFakes(t)
	env := doctorEnv(t, mp, js)
	path := filepath.Join(env["DATA_DIR"], taskdb.FileName)
	s, err := taskdb.Open(path, taskdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := os.WriteFile(path+journalSuffix, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runBin(t, env, "doctor")
	if r.code != 0 || !strings.Contains(r.stdout, "no longer used") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertDoctorClean(t, r)
}

// doctor probes only the configured auth scheme: with login configured it never sends the API
// token (as ?token= it would land in MoviePilot's access log), nor with x-api-key in a URL.
func TestDoctorProbesOnlyTheConfiguredScheme(t *testing.T) {
	for _, scheme := range []string{"login", "x-api-key"} {
		t.Run(scheme, func(t *testing.T) {
			mp, js := doctorFakes(t)
			env := doctorEnv(t, mp, js)
			env["MP_AUTH_SCHEME"] = scheme
			r := runBin(t, env, "doctor")
			if r.code != 0 || !strings.Contains(r.stdout, "MP_AUTH_SCHEME="+scheme+" works") {
				t.Fatalf("exit %d:\n%s", r.code, r.stdout)
			}
			for _, c := range mp.Calls() {
				if strings.Contains(c.Query, "token=") || strings.Contains(c.Query, "apikey=") {
					t.Fatalf("probed with a token in the URL: %+v", c)
				}
				if scheme == "login" && c.Auth != "" && c.Auth != "jwt" {
					t.Fatalf("login configured, but a call authenticated as %s", c.Auth)
				}
			}
			if strings.Contains(r.stdout, "would also work") || strings.Contains(r.stdout, "would not work") {
				t.Fatalf("probed other schemes:\n%s", r.stdout)
			}
		})
	}
}

// MoviePilot 2.5.x takes no API token on the subscribe endpoints (X-API-KEY and ?token= get
// 401, the token as a bearer 403): with only MP_TOKEN set, doctor says to log in instead.
func TestDoctorMoviePilot25OnlyToken(t *testing.T) {
	mp := mptest.New(mptest.Options{Version: mptest.V2, APIToken: e2eMPToken, Users: map[string]string{"admin": e2eMPPass}})
	t.Cleanup(mp.Close)
	for _, scheme := range []string{"x-api-key", "query-token", "bearer"} {
		t.Run(scheme, func(t *testing.T) {
			r := runBin(t, map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "MP_AUTH_SCHEME": scheme,
				"DATA_DIR": t.TempDir()}, "doctor")
			if r.code != 1 || !strings.Contains(r.stdout, "set MP_USERNAME and MP_PASSWORD (MP_AUTH_SCHEME=login") ||
				!strings.Contains(r.stdout, "2.5.x") {
				t.Fatalf("exit %d:\n%s", r.code, r.stdout)
			}
			assertDoctorClean(t, r)
		})
	}
}

// A fixed MP_API_VERSION that is not the server's fails. On a real MoviePilot 2.5.6 with
// MP_API_VERSION=v3, doctor said "MP_AUTH_SCHEME=login works; API v3" (v3's lookup answered
// with the all-null object), and every create then failed with "未识别到媒体信息".
func TestDoctorMPAPIVersionMismatch(t *testing.T) {
	mp := mptest.New(mptest.Options{Version: mptest.V2, APIToken: e2eMPToken, Users: map[string]string{"admin": e2eMPPass}})
	t.Cleanup(mp.Close)
	for _, tc := range []struct {
		version string
		code    int
		want    string
	}{
		{"v3", 1, "answers like API v2, but MP_API_VERSION=v3"},
		{"v2", 0, "MP_AUTH_SCHEME=login works; API v2"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			r := runBin(t, map[string]string{"MP_URL": mp.URL(), "MP_USERNAME": "admin", "MP_PASSWORD": e2eMPPass,
				"MP_API_VERSION": tc.version, "DATA_DIR": t.TempDir()}, "doctor")
			if r.code != tc.code || !strings.Contains(r.stdout, tc.want) {
				t.Fatalf("exit %d, want %d and %q:\n%s", r.code, tc.code, tc.want, r.stdout)
			}
			if tc.code == 1 && !strings.Contains(r.stdout, "set MP_API_VERSION=auto (or v2)") {
				t.Fatalf("no fix:\n%s", r.stdout)
			}
			assertDoctorClean(t, r)
		})
	}
}

// An MP_URL ending in /api/v1 is a configuration error that says to remove it.
func TestDoctorMPURLWithAPIV1(t *testing.T) {
	r := runBin(t, map[string]string{"MP_URL": "http://127.0.0.1:9/api/v1", "MP_TOKEN": e2eMPToken, "DATA_DIR": t.TempDir()}, "doctor")
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "remove /api/v1") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
