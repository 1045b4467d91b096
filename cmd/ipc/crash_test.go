//go:build !windows

package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestServeKillLoop kills `ipc serve` with SIGKILL at a random point of
// 10,000 pipelined sends from 4 fast-path clients (two on the Unix socket,
// two on TCP), restarts it, and checks after every kill: each send that was
// answered "ok" is on disk exactly once, no message is on disk twice or
// partially, the killed server's tmp/ leftovers are removed by gc, and the
// server starts cleanly and resumes the clients' sessions from their
// tokens. 2 rounds by default, 20 with IPC_LONG=1.
func TestServeKillLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("kills server processes")
	}
	const clients, perClient = 4, 2500
	n := rounds(2, 20)
	home := filepath.Join(t.TempDir(), "home")
	sock := filepath.Join(shortDir(t), "k.sock")
	env := []string{"IPC_RATE_BURST=off"}
	srv := startServe(t, home, sock, nil, env...)

	tokens := make([]string, clients)
	pad := strings.Repeat("x", 150)
	var totalAcked, totalOnDisk, totalUnacked, totalTmp, kills int
	for round := 0; round < n; round++ {
		sink := fmt.Sprintf("sink%d", round)
		threshold := int64(rand.IntN(clients * perClient))
		var acks atomic.Int64
		killNow := func() { go srv.kill() }

		pipers := make([]*piper, clients)
		for k := range pipers {
			network, addr := "unix", sock
			if k%2 == 1 {
				network, addr = "tcp", srv.rs.TCP
			}
			p, err := dialPiper(network, addr, fmt.Sprintf("c%d", k), tokens[k])
			if err != nil {
				t.Fatalf("round %d: client %d: %v\n%s", round, k, err, srv.stderr)
			}
			defer p.close()
			tokens[k] = p.token
			pipers[k] = p
		}
		if threshold == 0 {
			killNow()
		}
		results := make([]pipeResult, clients)
		var wg sync.WaitGroup
		for k, p := range pipers {
			reqs := make([]map[string]any, perClient)
			for i := range reqs {
				reqs[i] = map[string]any{"action": "send", "to_id": sink,
					"message": map[string]any{"content": fmt.Sprintf("r%d c%d %d %s END", round, k, i, pad)}}
			}
			wg.Add(1)
			go func(k int, p *piper) {
				defer wg.Done()
				results[k] = p.pipeline(reqs, 256, func(i int, ok bool) {
					if ok && acks.Add(1) == threshold {
						killNow()
					}
				})
				p.close()
			}(k, p)
		}
		wg.Wait()
		srv.kill()
		kills++
		srv.checkLog()
		dead := srv.cmd.Process.Pid

		// Restart: the killed server's lock, state file and socket are
		// stale; the new one must start cleanly.
		srv = startServe(t, home, sock, nil, env...)

		box := filepath.Join(home, "mail", sink)
		acked := map[string]bool{}
		for k, r := range results {
			for _, b := range r.bad {
				t.Errorf("round %d: client %d: bad frame %q", round, k, b)
			}
			for code, c := range r.codes {
				t.Errorf("round %d: client %d: %d error replies %q", round, k, c, code)
			}
			for i, ok := range r.acked {
				if ok {
					acked[fmt.Sprintf("r%d c%d %d %s END", round, k, i, pad)] = true
				}
			}
		}
		seen := map[string]int{}
		for _, m := range readMaildir(t, box) {
			if m.sub != "new" {
				t.Errorf("round %d: %s is in %s/, nobody read it", round, m.name, m.sub)
			}
			if strings.ContainsRune(m.name, ':') {
				t.Errorf("round %d: file name %q contains ':'", round, m.name)
			}
			f := strings.Fields(m.body)
			if len(f) != 5 || f[0] != "r"+strconv.Itoa(round) || !strings.HasPrefix(f[1], "c") || f[3] != pad || f[4] != "END" || m.from != f[1] || m.to != sink {
				t.Errorf("round %d: %s is not a message that was sent (from %q): %q", round, m.name, m.from, m.body)
				continue
			}
			seen[m.body]++
		}
		unacked := 0
		for body, c := range seen {
			if c != 1 {
				t.Errorf("round %d: %q is on disk %d times", round, body, c)
			}
			if !acked[body] {
				unacked++ // written before the kill, reply lost: at most once
			}
		}
		for body := range acked {
			if seen[body] != 1 {
				t.Errorf("round %d: acknowledged %q found %d times", round, body, seen[body])
			}
		}

		// Leftovers of the killed server's deliveries in flight: only its
		// own, and gc removes them.
		left := tmpFiles(box)
		for _, name := range left {
			if pid := writerPID(name); pid != dead {
				t.Errorf("round %d: tmp/%s was written by pid %d, not the killed server %d", round, name, pid, dead)
			}
		}
		out := mustIPC(t, home, "", "", "gc")
		if rest := tmpFiles(box); len(rest) != 0 {
			t.Fatalf("round %d: tmp/ after gc: %v (gc: %s)", round, rest, out)
		}
		t.Logf("round %d: killed after %d of %d acks; %d acknowledged, %d on disk (%d unacknowledged), %d tmp leftovers",
			round, threshold, clients*perClient, len(acked), len(seen), unacked, len(left))
		totalAcked += len(acked)
		totalOnDisk += len(seen)
		totalUnacked += unacked
		totalTmp += len(left)
		if t.Failed() {
			t.FailNow()
		}
	}
	srv.stop()
	srv.checkLog()
	figures(t, "%d SIGKILLs during %d x %d pipelined sends from %d clients; %d sends acknowledged, %d messages verified on disk (%d more written but unanswered), %d tmp leftovers removed by gc; 0 lost, 0 duplicated, 0 partial",
		kills, n, clients*perClient, clients, totalAcked, totalOnDisk, totalUnacked, totalTmp)
}
