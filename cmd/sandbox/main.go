// Command sandbox serves a fake Seerr (3.1.0) and a fake MoviePilot (v2, X-API-KEY) on
// loopback, for trying seerrpilot without real servers. It is not part of the seerrpilot
// binary. It runs until SIGINT/SIGTERM or -duration, then prints what MoviePilot received.
//
//	go run ./cmd/sandbox -seerr-addr 127.0.0.1:5055 -mp-addr 127.0.0.1:3001
//
// GET <MoviePilot URL>/_sandbox/subscriptions shows the subscriptions as JSON.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	seerrAddr := fs.String("seerr-addr", "127.0.0.1:0", "loopback address of the fake Seerr")
	mpAddr := fs.String("mp-addr", "127.0.0.1:0", "loopback address of the fake MoviePilot")
	seerrKey := fs.String("seerr-key", "", "API key the fake Seerr accepts (default: random)")
	mpToken := fs.String("mp-token", "", "API token the fake MoviePilot accepts (default: random)")
	duration := fs.Duration("duration", 0, "stop after this long (0: until SIGINT/SIGTERM)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}

	sb, err := sandbox.Start(sandbox.Options{SeerrAddr: *seerrAddr, MPAddr: *mpAddr, SeerrKey: *seerrKey, MPToken: *mpToken})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fake Seerr %s        %s  (X-Api-Key %s)\n", sandbox.SeerrVersion, sb.SeerrURL, sb.SeerrKey)
	fmt.Fprintf(stdout, "fake MoviePilot %s        %s  (X-API-KEY %s)\n", sandbox.MPVersion, sb.MPURL, sb.MPToken)
	fmt.Fprintf(stdout, "what MoviePilot received:  GET %s/_sandbox/subscriptions\n", sb.MPURL)
	fmt.Fprintf(stdout, "for seerrpilot:\n  JELLY_URL=%s JELLY_API_KEY=%s MP_URL=%s MP_TOKEN=%s\n",
		sb.SeerrURL, sb.SeerrKey, sb.MPURL, sb.MPToken)

	<-ctx.Done()

	closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	closeErr := sb.Close(closeCtx)
	out, _ := json.MarshalIndent(sb.Subscriptions(), "", "  ")
	fmt.Fprintf(stdout, "stopped; MoviePilot subscriptions:\n%s\n", out)
	return closeErr
}
