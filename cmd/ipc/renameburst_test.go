//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestMultiProcessRenameDuringFastPathBurst is the failure as it was seen:
// 8 fast-path clients of `ipc serve` send to alice while `ipc rename`, a
// process of its own, renames alice. Every acknowledged message must reach
// the new name exactly once (before the fix: 4,801-4,807 received for
// 4,800 acknowledged), with IPC_SYNC=batch and full. 2 trials each by
// default, 50 with IPC_LONG=1.
func TestMultiProcessRenameDuringFastPathBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	for _, policy := range []string{"batch", "full"} {
		t.Run(policy, func(t *testing.T) { renameDuringFastPathBurst(t, policy) })
	}
}

func renameDuringFastPathBurst(t *testing.T, policy string) {
	const senders, perSender = 8, 100
	trials := rounds(2, 50)
	home := filepath.Join(t.TempDir(), "home")
	sock := filepath.Join(shortDir(t), "r.sock")
	srv := startServe(t, home, sock, nil, "IPC_RATE_BURST=off", "IPC_SYNC="+policy)
	dups, lost := 0, 0
	for trial := 0; trial < trials; trial++ {
		old, renamed := fmt.Sprintf("r%d", trial), fmt.Sprintf("r%db", trial)
		mustIPC(t, home, old, "", "check")
		var acked atomic.Int64
		renameAt := int64(senders * perSender / 3)
		renameDone := make(chan result, 1)
		var wg sync.WaitGroup
		results := make([]pipeResult, senders)
		for k := 0; k < senders; k++ {
			network, addr := "unix", sock
			if k%2 == 1 {
				network, addr = "tcp", srv.rs.TCP
			}
			p, err := dialPiper(network, addr, fmt.Sprintf("t%ds%d", trial, k), "")
			if err != nil {
				t.Fatalf("trial %d: sender %d: %v\n%s", trial, k, err, srv.stderr)
			}
			defer p.close()
			reqs := make([]map[string]any, perSender)
			for i := range reqs {
				reqs[i] = map[string]any{"action": "send", "to_id": old, "message": map[string]any{"content": fmt.Sprintf("%s %d", p.id, i)}}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[k] = p.pipeline(reqs, 16, func(int, bool) {
					if acked.Add(1) == renameAt {
						go func() { renameDone <- ipc(t, home, old, "", "rename", renamed) }()
					}
				})
			}()
		}
		wg.Wait()
		if r := <-renameDone; r.code != 0 {
			t.Fatalf("trial %d: rename: exit %d: %s", trial, r.code, r.stderr)
		}
		for k, r := range results {
			for i, ok := range r.acked {
				if !ok {
					t.Fatalf("trial %d: sender %d request %d not acknowledged: %v", trial, k, i, r.codes)
				}
			}
		}
		got := map[string]int{}
		for {
			r := checkJSON(t, home, renamed)
			if len(r.Messages) == 0 {
				break
			}
			for _, m := range r.Messages {
				if m.From != "system" {
					got[m.Message.Content]++
				}
			}
		}
		for k := 0; k < senders; k++ {
			for i := 0; i < perSender; i++ {
				c := fmt.Sprintf("t%ds%d %d", trial, k, i)
				switch n := got[c]; {
				case n == 0:
					lost++
					t.Errorf("trial %d: %q lost", trial, c)
				case n > 1:
					dups += n - 1
					t.Errorf("trial %d: %q received %d times", trial, c, n)
				}
				delete(got, c)
			}
		}
		if len(got) > 0 {
			b, _ := json.Marshal(got)
			t.Errorf("trial %d: unexpected messages %s", trial, strings.TrimSpace(string(b)))
		}
	}
	srv.stop()
	srv.checkLog()
	figures(t, "%d trials of %d fast-path sends by %d clients while ipc rename moves the recipient (IPC_SYNC=%s): %d duplicates, %d lost",
		trials, senders*perSender, senders, policy, dups, lost)
}
