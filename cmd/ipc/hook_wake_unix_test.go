//go:build unix

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestHookWaiterEndsWithItsSession: a waiter whose session (its parent
// process) is gone ends without claiming mail that nobody would see.
func TestHookWaiterEndsWithItsSession(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "alice", "", "check")
	// sh stands for the Claude Code session: the hook is its child.
	session := exec.Command("sh", "-c", `"$0" hook --wait 55m </dev/null & echo $!; wait`, ipcBin)
	session.Env = ipcCmd(home, "alice").Env
	var out ipctest.Buffer
	session.Stdout = &out
	if err := session.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	ipctest.WaitFor(t, "alice's waiter record", func() bool {
		pid, _ = strconv.Atoi(strings.TrimSpace(out.String()))
		return pid > 0 && strings.HasSuffix(readWaiterRecord(home, "alice"), fmt.Sprintf(" wait %d\n", pid))
	})
	session.Process.Kill()
	session.Wait()
	ipctest.WaitFor(t, "the waiter to exit", func() bool { return syscall.Kill(pid, 0) != nil })
	mustIPC(t, home, "bob", "", "send", "alice", "after the session ended")
	if n := unread(t, home, "alice"); n != 1 {
		t.Fatalf("%d unread, want 1: the orphaned waiter claimed mail", n)
	}
}

// TestHookWaitersRace starts waiters of one identity at once, as
// overlapping turns may, with a message landing during the race: the
// message wakes the session exactly once, and at most one waiter is left.
// 2 rounds by default, 50 with IPC_LONG=1.
func TestHookWaitersRace(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	const n = 6
	trials, left := rounds(2, 50), 0
	for r := 0; r < trials; r++ {
		id := fmt.Sprintf("alice%d", r)
		mustIPC(t, home, id, "", "check") // the mailbox exists before the race
		ws := make([]*hookProc, n)
		for i := range ws {
			ws[i] = startHook(t, home, id, "Stop", nil, "--wait", "55m")
		}
		mustIPC(t, home, "bob", "", "send", id, "raced")
		var alive []*hookProc
		woke := 0
		// Settled: the message woke one, and every waiter still running is
		// the one the record names (the others have seen that they are not).
		ipctest.WaitFor(t, "the waiter records", func() bool {
			alive, woke = alive[:0], 0
			rec := readWaiterRecord(home, id)
			for _, w := range ws {
				switch {
				case w.running():
					if !strings.HasSuffix(rec, fmt.Sprintf(" wait %d\n", w.cmd.Process.Pid)) {
						return false
					}
					alive = append(alive, w)
				case w.code == 2:
					woke++
				}
			}
			return woke >= 1
		})
		delivered := 0
		for _, w := range ws {
			if !w.running() {
				delivered += framedCount(t, "raced", w.stderr.String())
				if w.code != 2 && (w.code != 0 || w.stderr.String() != "") {
					t.Fatalf("round %d: a waiter that lost the race: exit %d, stderr %q", r, w.code, w.stderr)
				}
			}
		}
		if woke != 1 || delivered != 1 || unread(t, home, id) != 0 {
			t.Fatalf("round %d: %d wakes delivered the message %d times, %d unread; want 1, 1, 0", r, woke, delivered, unread(t, home, id))
		}
		if len(alive) > 1 {
			t.Fatalf("round %d: %d waiters left", r, len(alive))
		}
		if len(alive) == 1 {
			left++
			alive[0].cmd.Process.Kill()
		}
	}
	figures(t, "%d rounds of %d Stop hooks of one name started at once with a message landing: 1 wake and 1 delivery per round, 0 lost, 0 twice; waiters still running once settled: 1 in %d rounds, 0 in the rest", trials, n, left)
}
