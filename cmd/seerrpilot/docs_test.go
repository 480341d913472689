package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/seerrpilot/seerrpilot/pkg/config"
	"github.com/seerrpilot/seerrpilot/pkg/envelope"
	"github.com/seerrpilot/seerrpilot/pkg/logging"
	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/server"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// TestReadmesListEveryEndpoint walks the router serve builds and checks that both READMEs
// list every method and path it answers (users script against them).
func TestReadmesListEveryEndpoint(t *testing.T) {
	t.Setenv("MP_DRY_RUN", "true")
	t.Setenv("JELLY_URL", "http://seerr.invalid")
	t.Setenv("JELLY_API_KEY", "docs-test-key")
	t.Setenv("DATA_DIR", t.TempDir())
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	store, err := taskdb.Open(filepath.Join(cfg.DataDir, taskdb.FileName), taskdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	red := redact.New()
	root, err := logging.New(io.Discard, "info", "json", red)
	if err != nil {
		t.Fatal(err)
	}
	app := &components{cfg: cfg, log: root, store: store, ready: server.NewReadiness(nil), env: envelope.Writer{Scrub: red}, red: red}
	if err := app.build(); err != nil {
		t.Fatal(err)
	}
	h := server.NewRouter(server.Options{Log: root, Envelope: app.env, DB: store, Readiness: app.ready, Mount: app.mount})
	routes, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("server.NewRouter returned %T, not a chi router", h)
	}
	var found []string
	err = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		found = append(found, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 10 {
		t.Fatalf("walked only %v", found)
	}
	for _, readme := range []string{"../../README.md", "../../README.zh-CN.md"} {
		raw, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		for _, r := range found {
			method, path, _ := strings.Cut(r, " ")
			// The endpoint table writes "`POST /reconcile[?...]`" and lists the webhook's other
			// names in parentheses: look for the method with the path, or the path alone in
			// backquotes next to an entry with that method.
			if !strings.Contains(text, "`"+method+" "+path) && !strings.Contains(text, "`"+path+"`") {
				t.Errorf("%s does not list %s %s", readme, method, path)
			}
		}
	}
}
