package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestForgetCommand: ipc forget removes a name that will not come back
// (a typo in IPC_ID) from ipc list, keeping its mail where it says unless
// --mail; it refuses a live name, the caller's own, an unknown name and a
// missing argument, each with its kind and exit code.
func TestForgetCommand(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "alcie", "", "check") // the typo registers
	mustIPC(t, d, "alice", "", "send", "alcie", "for the typo")
	mustIPC(t, d, "bob", "", "check")

	holder := ipcCmd(d, "bob", "check", "--wait", "1h")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	ipctest.WaitFor(t, "bob online", func() bool { return strings.Contains(mustIPC(t, d, "", "", "list"), "online") })

	box := filepath.Join(d, "mail", "alcie")
	cases := []struct {
		as     string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"", []string{"forget"}, 2, "", "ipc: usage: forget: want one name"},
		{"alice", []string{"forget", "alice"}, 1, "", "ipc: bad_request: you act as alice"},
		{"", []string{"forget", "bob"}, 1, "", "ipc: in_use: bob is in use by a live session"},
		{"", []string{"forget", "nobody"}, 1, "", "ipc: not_found: no agent named nobody"},
		{"", []string{"forget", "../x"}, 1, "", "ipc: invalid_id:"},
		{"alice", []string{"forget", "alcie"}, 0, "Forgot alcie: no longer registered.\nIts mail stays in " + box, ""},
		{"", []string{"forget", "alcie"}, 1, "", "ipc: not_found: alcie is not registered; mail queued for it stays in " + box},
		{"", []string{"forget", "--mail", "alcie"}, 0, "Removed its mailbox " + box, ""},
	}
	for _, c := range cases {
		r := ipc(t, d, c.as, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stdout, c.stdout) || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("ipc %v: exit %d\nstdout %q\nstderr %q\nwant exit %d, stdout with %q, stderr with %q", c.args, r.code, r.stdout, r.stderr, c.code, c.stdout, c.stderr)
		}
		if c.args[len(c.args)-1] == "alcie" && c.code == 0 && strings.Contains(mustIPC(t, d, "", "", "list"), "alcie") {
			t.Errorf("ipc %v: alcie is still listed", c.args)
		}
	}
	if _, err := os.Stat(box); !os.IsNotExist(err) {
		t.Errorf("the mailbox after --mail: %v", err)
	}
	if !strings.Contains(mustIPC(t, d, "", "", "list"), "bob") {
		t.Error("the refused forget removed bob")
	}
}
