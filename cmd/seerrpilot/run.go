package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const usage = `Usage: seerrpilot <command> [flags]

Commands:
  serve            run the service: webhook intake, worker, reconcile, operator API
  sync daemon      same as serve
  sync once [--since DATE] [--dry-run]
                   one reconcile pass, then try every due task once; print a summary;
                   exit 1 if any task failed. --since: RFC 3339, YYYY-MM-DD or a duration
                   (replaces RECONCILE_SINCE for this run). Progress goes to stderr: a bar
                   on a terminal, one line every 10 s otherwise.
                   --dry-run: print each MoviePilot payload, change nothing anywhere
  healthcheck      GET /healthz on the local service; exit 0 if healthy, 1 if not
                   (for distroless images: HEALTHCHECK CMD ["seerrpilot","healthcheck"])
  doctor           check config, Seerr, MoviePilot, DATA_DIR; exit 1 if any fails (bad config too)
  setup seerr [--url URL] [--yes]
                   point Seerr's webhook agent at this service (shows the change, asks first),
                   then send Seerr's test notification and confirm the running seerrpilot got it
  version          print the version
  help             print this help

Configuration comes from environment variables; see README.md.
`

// usageError is a bad command line: the process prints usage and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// helpRequest is -h/--help given to a verb: run prints that verb's help to stdout and the
// process exits 0 (asking for help is not a mistake).
type helpRequest struct {
	cmd string
	fs  *flag.FlagSet // its flags, or nil
}

func (h *helpRequest) Error() string { return h.cmd + ": help requested" }

// verbHelp is the one-line description of each verb, for `seerrpilot <verb> --help`.
var verbHelp = map[string]string{
	"serve":       "run the service: webhook intake, worker, reconcile, operator API",
	"sync daemon": "same as serve",
	"sync once":   "one reconcile pass, then try every due task once; print a summary; exit 1 if any task failed",
	"sync":        "sync once | sync daemon (see below)",
	"healthcheck": "GET /healthz on the local service; exit 0 if healthy, 1 if not",
	"doctor":      "check config, Seerr, MoviePilot, DATA_DIR; exit 1 if any check fails",
	"setup seerr": "set Seerr's webhook agent up for this service (URL, WEBHOOK_SECRET, Request Approved, Request Automatically Approved, Request Declined, a JSON payload that parses), showing the change and asking first (--yes: don't ask; required without a terminal); then send Seerr's test notification and confirm the running seerrpilot received it (its /readyz); exit 1 if it did not",
	"version":     "print the version",
}

func printVerbHelp(w io.Writer, h *helpRequest) {
	fmt.Fprintf(w, "Usage: seerrpilot %s", h.cmd)
	hasFlags := false
	if h.fs != nil {
		h.fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	}
	if hasFlags {
		fmt.Fprint(w, " [flags]")
	}
	fmt.Fprintf(w, "\n\n%s\n", verbHelp[h.cmd])
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		h.fs.SetOutput(w)
		h.fs.PrintDefaults()
		h.fs.SetOutput(io.Discard)
	}
	fmt.Fprint(w, "\n"+usage)
}

// isHelpArg is -h, -help or --help.
func isHelpArg(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// errCheckFailed is a failed check whose report was already printed; exit 1 without more text.
var errCheckFailed = errors.New("check failed")

// run is the whole program behind main: it parses args and runs one command until ctx ends.
// `<verb> --help` prints that verb's help to stdout and succeeds.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdout, stderr)
	var h *helpRequest
	if errors.As(err, &h) {
		printVerbHelp(stdout, h)
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		if err := noArgs("serve", rest); err != nil {
			return err
		}
		return serve(ctx, stdout, stderr)
	case "sync":
		if len(rest) == 0 {
			return &usageError{"sync needs a subcommand: once or daemon"}
		}
		if isHelpArg(rest[0]) {
			return &helpRequest{cmd: "sync"}
		}
		switch rest[0] {
		case "once":
			return syncOnce(ctx, rest[1:], stdout, stderr)
		case "daemon":
			if err := noArgs("sync daemon", rest[1:]); err != nil {
				return err
			}
			return serve(ctx, stdout, stderr)
		}
		return &usageError{fmt.Sprintf("unknown sync subcommand %q", rest[0])}
	case "healthcheck":
		return healthcheck(ctx, rest, stdout, stderr)
	case "doctor":
		return doctor(ctx, rest, stdout, stderr)
	case "setup":
		return setupCmd(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		if err := noArgs("version", rest); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "seerrpilot", version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return &usageError{fmt.Sprintf("unknown command %q", cmd)}
}

func noArgs(cmd string, rest []string) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &helpRequest{cmd: cmd}
		}
		return &usageError{fmt.Sprintf("%s: %v", cmd, err)}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("%s takes no arguments, got %q", cmd, strings.Join(fs.Args(), " "))}
	}
	return nil
}

// healthcheck calls GET /healthz on the local service. It reads only LISTEN_ADDR, so it works
// in a container whatever else the environment holds.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	target := fs.String("url", "", "health URL (default http://127.0.0.1:<port of LISTEN_ADDR>/healthz)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &helpRequest{cmd: "healthcheck", fs: fs}
		}
		return &usageError{fmt.Sprintf("healthcheck: %v", err)}
	}
	if fs.NArg() > 0 {
		return &usageError{"healthcheck takes no arguments"}
	}
	if *target == "" {
		addr := os.Getenv("LISTEN_ADDR")
		if strings.TrimSpace(addr) == "" {
			addr = ":8770"
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("LISTEN_ADDR %q: %v", addr, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		base := strings.TrimRight(strings.TrimSpace(os.Getenv("BASE_PATH")), "/")
		*target = "http://" + net.JoinHostPort(host, port) + base + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return errCheckFailed
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "unhealthy: HTTP %d %s\n", resp.StatusCode, strings.TrimSpace(string(body)))
		return errCheckFailed
	}
	fmt.Fprintln(stdout, "healthy")
	return nil
}
