package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

func TestSyncOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	mp := mptest.New(mptest.Options{APIToken: e2eMPToken, AcceptAPIKey: true})
	defer mp.Close()
	js := seerrtest.New(seerrtest.Options{Version: "3.1.0", APIKey: e2eSeerrKey})
	defer js.Close()
	js.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: "movie", Media: seerr.Media{TMDBID: 603, MediaType: "movie", Status: seerr.MediaProcessing}})
	js.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: "tv", Media: seerr.Media{TMDBID: 1396, MediaType: "tv", Status: seerr.MediaProcessing},
		Seasons: []seerr.SeasonRequest{{SeasonNumber: 1}}})
	js.AddRequest(seerr.Request{Status: seerr.RequestPending, Type: "movie", Media: seerr.Media{TMDBID: 604, MediaType: "movie"}})
	dataDir := t.TempDir()
	env := map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "JELLY_URL": js.URL(), "JELLY_API_KEY": e2eSeerrKey,
		"DATA_DIR": dataDir, "MP_RATE_LIMIT_PER_SEC": "50"}

	// Dry run: payloads printed, nothing written to MoviePilot nor to DATA_DIR.
	r := runBin(t, env, "sync", "once", "--dry-run")
	if r.code != 0 || strings.Count(r.stdout, "would send") != 2 || !strings.Contains(r.stdout, `"tmdbid":603`) {
		t.Fatalf("dry run: %+v", r)
	}
	if mp.CreateCount() != 0 {
		t.Fatalf("dry run created %d subscriptions", mp.CreateCount())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "seerrpilot.db")); !os.IsNotExist(err) {
		t.Fatalf("dry run wrote the database: %v", err)
	}

	// For real: two approved requests become subscriptions; a second run has nothing to do.
	r = runBin(t, env, "sync", "once")
	if r.code != 0 || !strings.Contains(r.stdout, "2 new") || !strings.Contains(r.stdout, "2 success") {
		t.Fatalf("sync once: %+v", r)
	}
	if len(mp.Subscriptions()) != 2 {
		t.Fatalf("subscriptions %d", len(mp.Subscriptions()))
	}
	r = runBin(t, env, "sync", "once")
	if r.code != 0 || !strings.Contains(r.stdout, "0 new") || !strings.Contains(r.stdout, "0 tasks tried") {
		t.Fatalf("second sync once: %+v", r)
	}

	// A request MoviePilot rejects for good: exit 1 with the failure listed.
	js.AddRequest(seerr.Request{Status: seerr.RequestApproved, Type: "movie", Media: seerr.Media{TMDBID: 605, MediaType: "movie", Status: seerr.MediaProcessing}})
	mp.FailNext(2, 422, `{"detail":"bad"}`)
	r = runBin(t, env, "sync", "once")
	if r.code != 1 || !strings.Contains(r.stdout, "1 failed") || !strings.Contains(r.stdout, "605") {
		t.Fatalf("failing sync once: %+v", r)
	}
	if r := runBin(t, env, "sync", "once", "--since", "yesterday"); r.code != 2 {
		t.Fatalf("bad --since: %+v", r)
	}
	assertNoSecrets(t, r.stdout+r.stderr, e2eMPToken, e2eSeerrKey)
}

// `sync once --since` takes the same grammar as POST /reconcile?since=: a duration works too.
func TestSyncOnceSinceTakesADuration(t *testing.T) {
	env := map[string]string{"MP_DRY_RUN": "true", "DATA_DIR": t.TempDir()}
	if r := runBin(t, env, "sync", "once", "--since", "24h"); r.code == 2 {
		t.Fatalf("--since 24h refused: %+v", r)
	}
}
