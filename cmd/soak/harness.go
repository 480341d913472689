package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/proc"
)

// Secrets given to every service. Distinctive, so a leak in a log would be easy to spot.
const (
	webhookSecret = "soak-webhook-secret-3f9d21"
	adminToken    = "soak-admin-token-7b42e8"
	mpToken       = "soak-mp-token-c51a07"
	mpUser        = "soak"
	mpPassword    = "soak-mp-password-94e6b3"
	seerrKey      = "soak-seerr-key-2d8c4f"
)

// tmdbBase is added to a request id to make its TMDB id, so both are unique per webhook.
const tmdbBase = 1_000_000

// harness is what every scenario shares: the binary, a work directory and the run's settings.
type harness struct {
	cfg config
	bin string
	dir string
	out io.Writer
}

// newHarness makes the work directory and builds the service binary (unless -bin is given).
func newHarness(ctx context.Context, cfg config, out io.Writer) (*harness, error) {
	dir, err := os.MkdirTemp("", "seerrpilot-soak-")
	if err != nil {
		return nil, err
	}
	h := &harness{cfg: cfg, dir: dir, out: out, bin: cfg.bin}
	if h.bin == "" {
		h.bin = filepath.Join(dir, "seerrpilot")
		fmt.Fprintf(out, "building ./cmd/seerrpilot → %s\n", h.bin)
		bctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		err := proc.Build(bctx, h.bin, false, os.Stderr)
		cancel()
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	} else if _, err := os.Stat(h.bin); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("-bin: %w", err)
	}
	fmt.Fprintf(out, "work directory %s; seed %d\n", dir, cfg.seed)
	return h, nil
}

// scenarioDir makes a directory for one scenario's data and logs.
func (h *harness) scenarioDir(name string) (string, error) {
	d := filepath.Join(h.dir, name)
	return d, os.MkdirAll(filepath.Join(d, "data"), 0o755)
}

// close removes the work directory, or says where it was kept.
func (h *harness) close(remove bool) {
	if remove {
		_ = os.RemoveAll(h.dir)
		return
	}
	fmt.Fprintf(h.out, "work directory kept: %s (service logs: <scenario>/service.log)\n", h.dir)
}
