package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/url"
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
func (b *bench) slowBodies(ctx context.Context) error {
	svc, _, done, err := b.startScenario(ctx, "slowbodies", 3)
	if err != nil {
		return err
	}
	defer done()
	idle, err := readMemory(svc)
	if err != nil {
		return err
	}
	u, err := url.Parse(svc.Base)
	if err != nil {
		return err
	}
	n, size := b.cfg.slowConns, b.cfg.slowBody
	sent := size - 1024
	head := fmt.Sprintf("POST /webhook/jellyseerr HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"notification_type\":\"MEDIA_APPROVED\",\"pad\":\"",
		u.Host, webhookSecret, size)
	pad := []byte(strings.Repeat("x", sent-len(`{"notification_type":"MEDIA_APPROVED","pad":"`)))
	b.logf("slowbodies: idle VmRSS %.1f MiB; opening %d connections, each sending %d of %d announced bytes, then stalling", mib(idle.RSS), n, sent, size)

	smp := startSampler(svc, 50*time.Millisecond)
	deadline := time.Now().Add(b.cfg.slowHold + 30*time.Second) // a hard bound on every socket call
	conns := make([]net.Conn, n)
	var dialErrs, writeErrs atomic.Int64
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
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
	// The writes of held connections return once the kernel or the server took the bytes;
	// wait for them, bounded.
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(30 * time.Second):
		b.notef("slowbodies: not every connection finished sending within 30s")
	case <-ctx.Done():
		return ctx.Err()
	}

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
	held, hwm := 0, int64(0)
	if m, err := readMemory(svc); err == nil {
		hwm = m.HWM
	}

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
	held = int(still.Load())
	after, _ := readMemory(svc)
	code, _ := svc.Get(ctx, "/readyz")
	if _, err := svc.Stop(15 * time.Second); err != nil {
		return err
	}
	b.noteLog("slow bodies", svc)

	scen := fmt.Sprintf("6 slow bodies, %d conns", n)
	rz := benchkit.Summarize(ready)
	b.add(
		fig(scen, "VmRSS idle before", mib(idle.RSS), "MiB"),
		fig(scen, "VmRSS max while held", mib(peak), "MiB").atMost(200).
			note("%d samples every 50ms; VmHWM %.1f MiB; %d conns × %d of %d bytes sent", samples, mib(hwm), n, sent, size),
		fig(scen, "/readyz while held, max", rz.MaxMs, "ms").atMost(1000).
			note("%d probes every 100ms over %s, %d not 200", len(ready), b.cfg.slowHold, notOK),
		fig(scen, "/readyz while held, median", rz.P50Ms, "ms"),
		fig(scen, "connections held (body being read)", float64(held), ""),
		fig(scen, "connections answered 503 busy", float64(busy.Load()), "").
			note("%d answered in all; %d dial errors, %d write errors (a refused connection is closed)", answered.Load(), dialErrs.Load(), writeErrs.Load()),
		fig(scen, "VmRSS after closing", mib(after.RSS), "MiB").note("/readyz then %d", code),
	)
	return nil
}
