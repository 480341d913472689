package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
)

// memory is the child's resident set, from /proc/<pid>/status.
type memory struct {
	RSS int64 // VmRSS, bytes
	HWM int64 // VmHWM (peak RSS), bytes
}

func readMemory(svc *benchkit.Service) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", svc.Pid()))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		switch {
		case name != "VmRSS" && name != "VmHWM":
		case err != nil:
			return memory{}, fmt.Errorf("unexpected %s line %q", name, sc.Text())
		case name == "VmRSS":
			m.RSS = kb << 10
		default:
			m.HWM = kb << 10
		}
	}
	if m.RSS == 0 {
		return memory{}, errors.New("no VmRSS in /proc/<pid>/status (exited?)")
	}
	return m, sc.Err()
}

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// sampler reads the child's VmRSS periodically and keeps the highest.
type sampler struct {
	quit, done chan struct{}
	mu         sync.Mutex
	peak       int64
	n          int
	err        error
}

func startSampler(svc *benchkit.Service, every time.Duration) *sampler {
	s := &sampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			m, err := readMemory(svc)
			s.mu.Lock()
			s.peak, s.n, s.err = max(s.peak, m.RSS), s.n+1, err
			s.mu.Unlock()
			if err != nil {
				return
			}
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends sampling and returns the highest VmRSS seen and the number of samples.
func (s *sampler) stop() (int64, int, error) {
	close(s.quit)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, s.n, s.err
}

// noteProblems notes the warn and error lines the child logged (JSON), each distinct (level,
// message) once with its count.
func noteProblems(r *benchkit.Report, svc *benchkit.Service) {
	if p := problems(svc.Log()); p != "" {
		r.Note("seerrpilot logged %s", p)
	}
}

// expectedWarning is logged at every start without Seerr; it says nothing about a run.
const expectedWarning = "JELLY_URL/JELLY_API_KEY not set"

func problems(log string) string {
	type key struct{ level, msg string }
	counts := map[key]int{}
	var order []key
	for _, line := range strings.Split(log, "\n") {
		var l struct{ Level, Message, Error string }
		if json.Unmarshal([]byte(line), &l) != nil || l.Level == "" || l.Level == "info" || l.Level == "debug" || l.Level == "trace" {
			continue
		}
		if strings.HasPrefix(l.Message, expectedWarning) {
			continue
		}
		k := key{l.Level, l.Message}
		if l.Error != "" {
			k.msg += " (" + l.Error + ")"
		}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d × %s %q", counts[k], k.level, k.msg))
	}
	return strings.Join(parts, "; ")
}

// opOf names a MoviePilot call for the figures: the API-version probe (the lookup of tmdb:0,
// which cannot exist) is "detect"; the 307 to the create path counts as a create.
func opOf(c mptest.Call) string {
	switch {
	case c.Op == "lookup" && (strings.HasSuffix(c.Path, "/tmdb:0") || strings.HasSuffix(c.Path, "/media/0")):
		return "detect"
	case c.Op == "redirect":
		return "create"
	case c.Op == "login" || c.Op == "lookup" || c.Op == "create":
		return c.Op
	}
	return "other"
}

// countOps tallies calls by operation, e.g. "lookup 200, create 200, detect 1".
func countOps(calls []mptest.Call) string {
	n := map[string]int{}
	for _, c := range calls {
		n[opOf(c)]++
	}
	var parts []string
	for _, op := range []string{"detect", "login", "lookup", "create", "other"} {
		if n[op] > 0 {
			parts = append(parts, op+" "+strconv.Itoa(n[op]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// poll calls cond every interval until it holds, ctx ends, the service exits or timeout
// passes.
func poll(ctx context.Context, svc *benchkit.Service, every, timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done within %s; log:\n%s", timeout, svc.LogTail(20))
		}
		select {
		case <-svc.Done():
			return fmt.Errorf("seerrpilot exited (%v); log:\n%s", svc.Err(), svc.LogTail(20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// waitCreates waits until the fake holds want successful creates.
func waitCreates(ctx context.Context, svc *benchkit.Service, mp *mptest.Server, want int, timeout time.Duration) error {
	err := poll(ctx, svc, 50*time.Millisecond, timeout, func() (bool, error) { return mp.CreateCount() >= want, nil })
	if err != nil {
		return fmt.Errorf("%d of %d subscriptions created: %w", mp.CreateCount(), want, err)
	}
	return nil
}
