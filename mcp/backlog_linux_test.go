package mcp

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/readcount"
	"github.com/ipc-dev/ipc/maildir"
)

// TestBacklogExhaustionCallCost measures what one tool call costs at 0 and
// at 100,000 unread, and what announcing one arrival costs at 40,000
// unread; with IPC_LONG=1 only (it writes 140,000 files). It asserts what
// does not depend on the machine: the files read per call are the same.
func TestBacklogExhaustionCallCost(t *testing.T) {
	if os.Getenv("IPC_LONG") != "1" {
		t.Skip("IPC_LONG=1 only")
	}
	root := t.TempDir()
	empty := newPeer(t, root, Config{ID: "empty"})
	full := newPeer(t, root, Config{ID: "full"})
	ipctest.FillUnread(t, root, "full", 100_000, func(i int) string { return fmt.Sprintf("s%d", i%7) })
	perCall := func(p *peer) (time.Duration, int) {
		const calls = 20
		var took []time.Duration
		reads := readcount.Of(t, 5, func() { p.ok("list_instances", nil) })
		for range calls {
			start := time.Now()
			p.ok("list_instances", nil)
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		return took[calls/2], reads
	}
	at0, reads0 := perCall(empty)
	at100k, reads100k := perCall(full) // new/ changed just now: listed each call
	// A backlog that has not changed for a while: one stat per call.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(root, "mail", "full", "new"), old, old); err != nil {
		t.Fatal(err)
	}
	idle100k, _ := perCall(full)
	if reads100k > reads0+maildir.UnreadSenders+ipctest.ProcessReadSlack {
		t.Fatalf("%d read calls at 100,000 unread, %d at 0: more than the %d senders shown and the slack of a process-wide count", reads100k, reads0, maildir.UnreadSenders)
	}

	alice := newPeer(t, root, Config{ID: "alice"})
	ipctest.FillUnread(t, root, "chan", 40_000, func(int) string { return "carol" })
	ch := newPeer(t, root, Config{ID: "chan", Channel: true})
	ch.waitChannel(1)
	const arrivals = 20
	cpu0 := cpuTime(t)
	for i := range arrivals {
		alice.ok("send", map[string]any{"from_id": "alice", "to_id": "chan", "content": "ping"})
		ch.waitChannel(2 + i)
	}
	perArrival := (cpuTime(t) - cpu0) / arrivals
	t.Logf("figures: %s: list_instances median %s at 0 unread, %s at 100,000 changed within 2 s (listed), %s at 100,000 unchanged (cached; read calls %d and %d); one channel arrival at 40,000 unread %s of CPU (send and announce, %d arrivals)",
		t.Name(), at0.Round(time.Microsecond), at100k.Round(time.Microsecond), idle100k.Round(time.Microsecond), reads0, reads100k, perArrival.Round(time.Microsecond), arrivals)
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
