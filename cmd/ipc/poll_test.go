package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPollSwitch: with IPC_POLL=1 the processes the suite starts poll, so
// the polling run of .ci/run tests what it says it tests.
func TestPollSwitch(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "alice", "", "send", "bob", "hi")
	out := mustIPC(t, home, "", "", "doctor")
	polling := strings.Contains(out, "detected by polling")
	if os.Getenv("IPC_POLL") == "1" && !polling {
		t.Fatalf("IPC_POLL=1 but ipc doctor says:\n%s", out)
	}
	t.Logf("polling: %v", polling)
}
