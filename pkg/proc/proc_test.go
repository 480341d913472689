package proc

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

// TestMain turns the test binary into a tiny stand-in for seerrpilot when PROC_CHILD is set:
// it logs, serves /healthz and /readyz on LISTEN_ADDR and exits 0 on SIGTERM (or 3 on
// PROC_CHILD=exit at once).
func TestMain(m *testing.M) {
	switch os.Getenv("PROC_CHILD") {
	case "":
		os.Exit(m.Run())
	case "exit":
		fmt.Println("giving up")
		os.Exit(3)
	}
	fmt.Printf("{\"level\":\"info\",\"message\":\"listening\",\"addr\":%q,\"home\":%q}\n", os.Getenv("LISTEN_ADDR"), os.Getenv("SECRET_FROM_PARENT"))
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"status":"ok"}`) })
	http.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"components":{"worker":{"ready":true,"status":"running"}},"problems":[],"status":"ready"}`)
	})
	go func() { _ = http.ListenAndServe(os.Getenv("LISTEN_ADDR"), nil) }()
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	<-c
	fmt.Println("stopped")
	os.Exit(0)
}

func start(t *testing.T, mode, logPath string) *Proc {
	t.Helper()
	p, err := Start(Options{Bin: os.Args[0], Args: []string{}, Env: map[string]string{"PROC_CHILD": mode}, LogPath: logPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

func TestStartWaitStop(t *testing.T) {
	t.Setenv("SECRET_FROM_PARENT", "must-not-reach-the-child")
	p := start(t, "serve", "")
	ctx := context.Background()
	if err := p.Wait(ctx, "/healthz", testbudget.Budget(t)); err != nil {
		t.Fatal(err)
	}
	code, rz, err := p.Readyz(ctx)
	if err != nil || code != 200 || rz.Status != "ready" || !rz.Components["worker"].Ready {
		t.Fatalf("readyz: %d %+v %v", code, rz, err)
	}
	if code, body, err := p.Do(ctx, http.MethodPost, "/healthz", "Bearer x", []byte(`{}`)); err != nil || code != 200 || string(body) != `{"status":"ok"}` {
		t.Fatalf("Do: %d %q %v", code, body, err)
	}
	if _, err := p.Stop(testbudget.Budget(t)); err != nil {
		t.Fatal(err)
	}
	if !p.Exited() || p.ExitCode() != 0 {
		t.Fatalf("exited %t code %d", p.Exited(), p.ExitCode())
	}
	log := p.Log()
	if !strings.Contains(log, p.Addr) || !strings.HasSuffix(log, "stopped\n") {
		t.Fatalf("log: %q", log)
	}
	if strings.Contains(log, "must-not-reach-the-child") {
		t.Fatalf("the parent's environment leaked into the child: %q", log)
	}
	if got := p.LogLines("listening", p.Addr); len(got) != 1 {
		t.Fatalf("LogLines: %q", got)
	}
}

func TestKillAndLogFileAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "service.log")
	first := start(t, "serve", path)
	if err := first.Wait(context.Background(), "/readyz", testbudget.Budget(t)); err != nil {
		t.Fatal(err)
	}
	first.Kill()
	if !first.Exited() || first.ExitCode() != -1 {
		t.Fatalf("after Kill: exited %t code %d", first.Exited(), first.ExitCode())
	}
	second := start(t, "serve", path)
	if err := second.Wait(context.Background(), "/readyz", testbudget.Budget(t)); err != nil {
		t.Fatal(err)
	}
	// Each process reads only its own part of the shared file.
	if !strings.Contains(first.Log(), first.Addr) || strings.Contains(second.Log(), first.Addr) || !strings.Contains(second.Log(), second.Addr) {
		t.Fatalf("first %q second %q", first.Log(), second.Log())
	}
}

func TestWaitReportsAnEarlyExit(t *testing.T) {
	p := start(t, "exit", "")
	err := p.Wait(context.Background(), "/healthz", testbudget.Budget(t))
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "giving up") {
		t.Fatalf("err = %v", err)
	}
	if _, err := p.Stop(time.Second); err == nil {
		t.Fatal("Stop of an exited child succeeded")
	}
}

func TestRingKeepsTheLastBytes(t *testing.T) {
	r := &ring{max: 8}
	_, _ = r.Write([]byte("0123456789"))
	_, _ = r.Write([]byte("abc"))
	if r.String() != "56789abc" {
		t.Fatalf("ring keeps %q", r.String())
	}
}
