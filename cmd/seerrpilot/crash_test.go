package main

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrhook"
	"github.com/seerrpilot/seerrpilot/pkg/testbudget"
)

// TestKillNineDuringBurst: webhooks stream in from concurrent senders while the worker
// delivers; the process is SIGKILLed mid-burst and restarted on the same data. Every webhook
// that got a 202 must end as exactly one subscription in MoviePilot, none twice, nothing stuck.
func TestKillNineDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	mp := mptest.New(mptest.Options{APIToken: e2eMPToken, AcceptAPIKey: true})
	defer mp.Close()
	mp.SetLatency(2 * time.Millisecond)
	env := map[string]string{"MP_URL": mp.URL(), "MP_TOKEN": e2eMPToken, "DATA_DIR": t.TempDir(),
		"MP_RATE_LIMIT_PER_SEC": "100", "LOG_LEVEL": "warn"}

	acked := map[int]bool{}
	var mu sync.Mutex
	next := 0
	for round := 0; round < 2; round++ {
		svc := startService(t, env)
		hook := "http://" + svc.addr + "/webhook/jellyseerr"
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for s := 0; s < 8; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					next++
					id := next
					mu.Unlock()
					body, err := seerrhook.Render(seerrhook.MovieApproved(id, 100000+id, fmt.Sprintf("Movie %d", id), 2020))
					if err != nil {
						t.Error(err)
						return
					}
					resp, err := http.Post(hook, "application/json", bytes.NewReader(body))
					if err != nil {
						return // the process died mid-request: not acknowledged
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusAccepted {
						mu.Lock()
						acked[id] = true
						mu.Unlock()
					}
				}
			}()
		}
		// Kill once a few hundred more webhooks were acknowledged, mid-stream. How long that
		// takes depends on the machine, not on the code under test: the wait is bounded only
		// by the test's own deadline (a third of what is left, for each of the two rounds).
		mu.Lock()
		target := len(acked) + 300
		mu.Unlock()
		deadline := time.Now().Add(testbudget.Budget(t) / 3)
		for {
			mu.Lock()
			n := len(acked)
			mu.Unlock()
			if n >= target || time.Now().After(deadline) {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		svc.Kill()
		close(stop)
		wg.Wait()
	}

	// Restart and drain.
	svc := startService(t, env)
	// Wait for every acknowledged webhook (not just as many subscriptions: some webhooks were
	// stored but their answer was lost in the kill, and they are delivered too). Each delivery
	// is several MoviePilot calls (lookup, create, read-back, owner update, read-back), so
	// hundreds take a while: fail only when delivery stops progressing.
	missing := func() int {
		have := map[int]bool{}
		for _, s := range mp.Subscriptions() {
			have[s.TMDBID-100000] = true
		}
		n := 0
		for id := range acked {
			if !have[id] {
				n++
			}
		}
		return n
	}
	for last, stalled := -1, time.Now(); missing() > 0; time.Sleep(20 * time.Millisecond) {
		if n := len(mp.Subscriptions()); n != last {
			last, stalled = n, time.Now()
		}
		if time.Since(stalled) > 15*time.Second {
			t.Fatalf("delivery stalled: %d subscriptions, %d acknowledged webhooks still missing", last, missing())
		}
	}
	time.Sleep(300 * time.Millisecond)
	count := map[int]int{}
	for _, s := range mp.Subscriptions() {
		count[s.TMDBID-100000]++
	}
	lost, dup := 0, 0
	for id := range acked {
		if count[id] == 0 {
			lost++
		}
	}
	for _, n := range count {
		if n > 1 {
			dup++
		}
	}
	t.Logf("acked %d, subscriptions %d, lost %d, duplicated %d", len(acked), len(mp.Subscriptions()), lost, dup)
	if len(acked) < 300 || lost > 0 || dup > 0 {
		t.Fatalf("acked %d lost %d duplicated %d", len(acked), lost, dup)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+svc.addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if !bytes.Contains(b.Bytes(), []byte(`seerrpilot_tasks{status="running"} 0`)) {
		t.Fatalf("tasks stuck running:\n%s", b.String())
	}
}
