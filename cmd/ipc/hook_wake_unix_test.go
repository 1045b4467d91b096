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
	var out syncBuffer
	session.Stdout = &out
	if err := session.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	waitFor(t, func() bool {
		pid, _ = strconv.Atoi(strings.TrimSpace(out.String()))
		return pid > 0 && strings.HasSuffix(readWaiterRecord(home, "alice"), fmt.Sprintf(" wait %d\n", pid))
	})
	session.Process.Kill()
	session.Wait()
	waitFor(t, func() bool { return syscall.Kill(pid, 0) != nil })
	mustIPC(t, home, "bob", "", "send", "alice", "after the session ended")
	if n := unread(t, home, "alice"); n != 1 {
		t.Fatalf("%d unread, want 1: the orphaned waiter claimed mail", n)
	}
}
