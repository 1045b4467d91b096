//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestCheckWaitInterrupted: SIGINT or SIGTERM ends a waiting check with a
// sentence saying why and 128 + the signal's number, as shells expect.
func TestCheckWaitInterrupted(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "", "", "list") // the mailbox exists: no line saying it was created
	for _, c := range []struct {
		sig  os.Signal
		code int
	}{{os.Interrupt, 130}, {syscall.SIGTERM, 143}} {
		cmd := ipcCmd(d, "bob", "check", "--wait", "1h")
		stderr := &ipctest.Buffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		// Online: the process holds bob, so its signal handling is set.
		ipctest.WaitFor(t, "bob online", func() bool { return strings.Contains(mustIPC(t, d, "", "", "list"), "online") })
		cmd.Process.Signal(c.sig)
		r := waitBounded(t, cmd)
		if r.code != c.code || stderr.String() != "ipc: interrupted while waiting for mail\n" {
			t.Errorf("check --wait after %v: exit %d, stderr %q; want %d", c.sig, r.code, stderr, c.code)
		}
	}
}
