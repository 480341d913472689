package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/benchkit"
	"github.com/seerrpilot/seerrpilot/pkg/clock"
)

// slowBodies opens -slow-conns loopback connections that each post a webhook announcing a
// -slow-body byte body, send all of it but the last KiB, and stall. While they hold, it samples
// the child's VmRSS every 50 ms and times GET /readyz every 100 ms; then it counts which
// connections got an answer (503 busy) and which were still held, and closes them all.
// Targets (issue #16): peak VmRSS ≤ 200 MiB, /readyz ≤ 1 s.
func (b *bench) slowBodies(ctx context.Context, r *benchkit.Report) {
	if err := b.slowBodiesRun(ctx, r); err != nil {
		r.Fail(err)
	}
}

func (b *bench) slowBodiesRun(ctx context.Context, r *benchkit.Report) error {
	mp, env := benchkit.NewMP(0)
	defer mp.Close()
	svc, err := b.Start(ctx, "slowbodies", env)
	if err != nil {
		return err
	}
	defer svc.Kill()
	idle, err := readMemory(svc)
	if err != nil {
		return err
	}
	n, size := b.cfg.slowConns, b.cfg.slowBody
	sent := size - 1024
	head := fmt.Sprintf("POST /webhook/jellyseerr HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"notification_type\":\"MEDIA_APPROVED\",\"pad\":\"",
		svc.Addr, benchkit.WebhookSecret, size)
	pad := []byte(strings.Repeat("x", sent-len(`{"notification_type":"MEDIA_APPROVED","pad":"`)))
	benchkit.Logf("slowbodies: idle VmRSS %.1f MiB; opening %d connections, each sending %d of %d announced bytes, then stalling", mib(idle.RSS), n, sent, size)

	smp := startSampler(svc, 50*time.Millisecond)
	deadline := time.Now().Add(b.cfg.slowHold + 30*time.Second) // a hard bound on every socket call
	conns := make([]net.Conn, n)
	var dialErrs, writeErrs atomic.Int64
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", svc.Addr, 5*time.Second)
			if err != nil {
				dialErrs.Add(1)
				return
			}
			conns[i] = c
			_ = c.SetDeadline(deadline)
			if _, err := c.Write([]byte(head)); err != nil {
				writeErrs.Add(1)
				return
			}
			if _, err := c.Write(pad); err != nil {
				writeErrs.Add(1) // a refused connection is closed by the server: expected
			}
		}()
	}
	// The writes of held connections return once the kernel or the server took the bytes
	// (the deadline bounds them).
	wg.Wait()

	// Hold: time /readyz meanwhile.
	var ready []time.Duration
	var notOK int
	holdEnd := time.Now().Add(b.cfg.slowHold)
	for time.Now().Before(holdEnd) && ctx.Err() == nil {
		start := time.Now()
		code, _ := svc.Get(ctx, "/readyz")
		ready = append(ready, time.Since(start))
		if code != 200 {
			notOK++
		}
		clock.Sleep(ctx, 100*time.Millisecond)
	}
	peak, samples, err := smp.stop()
	if err != nil {
		return err
	}
	hwm, _ := readMemory(svc)

	// Which connections were answered (busy) and which still held?
	var answered, busy, still atomic.Int64
	var rwg sync.WaitGroup
	for _, c := range conns {
		if c == nil {
			continue
		}
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			line, err := bufio.NewReader(c).ReadString('\n')
			switch {
			case err == nil && strings.Contains(line, " 503 "):
				busy.Add(1)
				answered.Add(1)
			case err == nil:
				answered.Add(1)
			default:
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					still.Add(1)
				}
			}
		}()
	}
	rwg.Wait()
	for _, c := range conns {
		if c != nil {
			_ = c.Close()
		}
	}
	after, _ := readMemory(svc)
	svc.StopClean(r)
	noteProblems(r, svc)

	rz := benchkit.Summarize(ready)
	r.Fact("VmRSS idle before", "%.1f MiB", mib(idle.RSS))
	r.Check(mib(peak) <= 200, "VmRSS max while %d connections held %.1f MiB ≤ 200 MiB (%d samples every 50ms; VmHWM %.1f MiB; each sent %d of %d bytes)",
		n, mib(peak), samples, mib(hwm.HWM), sent, size)
	r.Check(rz.MaxMs <= 1000, "/readyz while held: max %.1f ms ≤ 1 s, median %.1f ms (%d probes every 100ms over %s, %d not 200)",
		rz.MaxMs, rz.P50Ms, len(ready), b.cfg.slowHold, notOK)
	r.Fact("connections", "%d held (body being read), %d answered 503 busy, %d answered in all; %d dial errors, %d write errors (a refused connection is closed)",
		still.Load(), busy.Load(), answered.Load(), dialErrs.Load(), writeErrs.Load())
	r.Fact("VmRSS after closing", "%.1f MiB", mib(after.RSS))
	return nil
}
