// Command seerrpilot delivers approved Jellyseerr/Overseerr/Seerr requests to MoviePilot.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/seerrpilot/seerrpilot/pkg/config"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode maps run's error to the process exit code: 0 ok, 2 usage or configuration, 1 else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	var ve *config.ValidationError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "seerrpilot:", err)
		fmt.Fprint(stderr, usage)
		return 2
	case errors.As(err, &ve):
		fmt.Fprintln(stderr, "seerrpilot:", err)
		return 2
	case errors.Is(err, errCheckFailed):
		return 1
	}
	fmt.Fprintln(stderr, "seerrpilot:", err)
	return 1
}
