package main

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
	"github.com/seerrpilot/seerrpilot/pkg/server"
)

// storeHealth keeps the "store" component of /readyz truthful about writes: /healthz and the
// readiness ping only read, so a full disk used to leave /readyz at 200 while every webhook got
// 503. A failed webhook write makes the store unready (webhooks cannot be stored: 503); while
// it is, each /readyz call probes DATA_DIR with a small fsync'd write, and the first probe or
// webhook write that works makes it ready again (so a probe-driven orchestrator that stopped
// sending traffic still sees the recovery).
type storeHealth struct {
	ready *server.Readiness
	red   *redact.Redactor
	probe func() error
	now   func() time.Time

	mu      sync.Mutex
	failing bool
	since   time.Time
}

// result records the outcome of a webhook's store write.
func (s *storeHealth) result(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		if s.failing {
			s.failing = false
			s.publish(nil)
		}
		return
	}
	if !s.failing {
		s.failing, s.since = true, s.now().UTC()
	}
	s.publish(err)
}

// recheck runs before each /readyz answer: while writes are failing, probe again.
func (s *storeHealth) recheck() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.failing {
		return
	}
	if err := s.probe(); err != nil {
		s.publish(err)
		return
	}
	s.failing = false
	s.publish(nil)
}

// publish sets the store's readiness; s.mu is held.
func (s *storeHealth) publish(err error) {
	if err == nil {
		s.ready.SetState("store", server.State{Ready: true, Status: "ok"})
		return
	}
	what := writeProblem(err)
	problem := s.red.String(what + " since " + s.since.Format(time.RFC3339) + ": webhooks cannot be stored (answered 503)")
	s.ready.SetState("store", server.State{Ready: false, Status: "error", Detail: problem, Problem: problem})
}

// writeProblem names a write error: the common causes in words, anything else as is.
func writeProblem(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "disk full"
	case errors.Is(err, syscall.EDQUOT):
		return "disk quota exceeded"
	case errors.Is(err, syscall.EROFS):
		return "read-only file system"
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return "write failing: " + msg
}

// probeDir writes and fsyncs 64 KiB in dir, then removes it: can the disk take new data?
func probeDir(dir string) func() error {
	return func() error {
		f, err := os.CreateTemp(dir, ".readyz-probe-*")
		if err != nil {
			return err
		}
		name := f.Name()
		defer os.Remove(name)
		_, err = f.Write(make([]byte, 64<<10))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
}
