package taskdb

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

// TestCrashChild is the child half of TestKillNineLosesNothingAcked: it enqueues from several
// goroutines and prints "ACK <key> <task id>" only after Enqueue returned nil. It runs only
// when asked.
func TestCrashChild(t *testing.T) {
	path := os.Getenv("SEERRPILOT_CRASH_DB")
	if path == "" {
		t.Skip("child process of TestKillNineLosesNothingAcked")
	}
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("OPEN-ERROR", err)
		os.Exit(3)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				req := g*1_000_000 + i + 1
				res, err := s.Enqueue(context.Background(), task.SourceWebhook, movie(req, req))
				if err != nil {
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "ACK seerr:%d %s\n", req, res.Task.ID)
				_ = out.Flush()
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
}

// TestKillNineLosesNothingAcked kills a process that is enqueueing with SIGKILL, several times,
// and checks that every enqueue it acknowledged is in the store afterwards.
func TestKillNineLosesNothingAcked(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), FileName)
	acked := map[string]string{} // key → the task id it was answered with
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SEERRPILOT_CRASH_DB="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a number of acks that varies by round, mid-stream.
		target := 200 + round*150
		n := 0
		// How fast the child acks depends on the machine and its disk, not on the code under
		// test: a third of the test's remaining budget per round.
		budget := testbudget.Budget(t) / 3
		deadline := time.After(budget)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				if ack, found := strings.CutPrefix(l, "ACK "); found {
					key, id, _ := strings.Cut(ack, " ")
					acked[key] = id
					n++
					if n == target {
						_ = cmd.Process.Signal(syscall.SIGKILL)
					}
				} else if strings.HasPrefix(l, "OPEN-ERROR") {
					t.Fatalf("child: %s", l)
				}
			case <-deadline:
				_ = cmd.Process.Kill()
				t.Fatalf("round %d: child produced %d acks in %s", round, n, budget.Round(time.Second))
			}
		}
		_ = cmd.Wait()
		if n < target {
			t.Fatalf("round %d: child stopped after %d acks", round, n)
		}

		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("reopen after kill: %v", err)
		}
		lost := 0
		for key, id := range acked {
			got, err := s.GetByKey(context.Background(), key)
			if err != nil {
				lost++
			} else if got.ID != id {
				t.Errorf("round %d: %s was answered as task %s and reopened as %s", round, key, id, got.ID)
			}
		}
		_, total, err := s.List(context.Background(), ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkCounters(t, s)
		_ = s.Close()
		t.Logf("round %d: acked so far %d, stored %d, lost %d", round, len(acked), total, lost)
		if lost > 0 {
			t.Fatalf("round %d: %d acknowledged tasks lost after SIGKILL", round, lost)
		}
	}
}
