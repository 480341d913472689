// Command check is the project's test command: gofmt, go vet, then the whole test suite with
// the race detector whenever this machine can build it (it needs cgo and a C compiler; on a
// machine with only Go it runs without and says so). `go run ./cmd/check` is what the README,
// `make test` and CI run.
//
//	go run ./cmd/check            # everything
//	go run ./cmd/check -short     # skip the slow process-killing tests
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	short := flag.Bool("short", false, "pass -short to go test (skips process-level tests)")
	race := flag.String("race", "auto", "race detector: auto | on | off")
	flag.Parse()
	if err := run(*short, *race, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(1)
	}
}

func run(short bool, race string, pkgs []string) error {
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	goBin := goTool()

	step("gofmt")
	gofmt := filepath.Join(goEnv(goBin, "GOROOT"), "bin", "gofmt")
	out, err := exec.Command(gofmt, "-l", ".").Output()
	if err != nil {
		return fmt.Errorf("gofmt: %v", err)
	}
	if files := strings.TrimSpace(string(out)); files != "" {
		return fmt.Errorf("gofmt would change these files (run gofmt -w):\n%s", files)
	}

	step("go vet")
	if err := stream(goBin, append([]string{"vet"}, pkgs...)...); err != nil {
		return fmt.Errorf("go vet failed")
	}

	step("package edges")
	if err := edges(goBin); err != nil {
		return err
	}

	args := []string{"test", "-count=1"}
	switch race {
	case "on":
		args = append(args, "-race")
	case "auto":
		if ok, why := raceAvailable(goBin); ok {
			args = append(args, "-race")
		} else {
			fmt.Println("note: running without the race detector:", why)
		}
	case "off":
	default:
		return fmt.Errorf("-race=%q: want auto, on or off", race)
	}
	if short {
		args = append(args, "-short")
	}
	step("go " + strings.Join(append(args, pkgs...), " "))
	if err := stream(goBin, append(args, pkgs...)...); err != nil {
		return fmt.Errorf("tests failed")
	}
	fmt.Println("check: all passed")
	return nil
}

// edgeRules are the package edges the layout promises (README "Layout"): the packages under
// pkg/ are the service's parts and never reach up into the top-level features, the two API
// clients know nothing of the queue, and the task model knows nothing of its store. A banned
// path is inside this module unless it names a host (go.etcd.io/bbolt).
var edgeRules = []struct {
	from   string
	banned []string
}{
	{"./pkg/...", []string{"webhook", "reconcile"}},
	{"./pkg/seerr/...", []string{"pkg/task", "pkg/taskdb", "pkg/worker", "pkg/api", "webhook", "reconcile"}},
	{"./pkg/moviepilot/...", []string{"pkg/task", "pkg/taskdb", "pkg/worker", "pkg/api", "webhook", "reconcile"}},
	{"./pkg/task", []string{"pkg/taskdb", "go.etcd.io/bbolt"}},
}

// edges checks edgeRules with `go list -deps` (what the packages import, tests excluded).
func edges(goBin string) error {
	mod, err := exec.Command(goBin, "list", "-m").Output()
	if err != nil {
		return fmt.Errorf("go list -m: %v", err)
	}
	prefix := strings.TrimSpace(string(mod)) + "/"
	var bad []string
	for _, r := range edgeRules {
		out, err := exec.Command(goBin, "list", "-deps", r.from).Output()
		if err != nil {
			return fmt.Errorf("go list -deps %s: %v", r.from, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range r.banned {
				if host, _, _ := strings.Cut(b, "/"); !strings.Contains(host, ".") {
					b = prefix + b
				}
				if dep == b || strings.HasPrefix(dep, b+"/") {
					bad = append(bad, fmt.Sprintf("%s depends on %s", r.from, strings.TrimPrefix(dep, prefix)))
				}
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("package edges broken (see `go list -deps`):\n  %s", strings.Join(bad, "\n  "))
	}
	return nil
}

func step(name string) { fmt.Println("==>", name) }

func stream(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

func goEnv(goBin, key string) string {
	out, err := exec.Command(goBin, "env", key).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// raceAvailable reports whether `go test -race` can build here: cgo on and a C compiler found.
func raceAvailable(goBin string) (bool, string) {
	if goEnv(goBin, "CGO_ENABLED") != "1" {
		return false, "CGO_ENABLED is not 1"
	}
	cc := strings.Fields(goEnv(goBin, "CC"))
	if len(cc) == 0 {
		cc = []string{"gcc"}
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return false, "no C compiler (" + cc[0] + ") on PATH; install gcc to enable -race"
	}
	var stderr bytes.Buffer
	cmd := exec.Command(goBin, "version")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return false, stderr.String()
	}
	return true, ""
}
