package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pollEnv passes IPC_POLL=1 on to the processes a test starts: .ci/run
// runs the suite again that way, with polling instead of filesystem events
// (every 20 ms unless IPC_POLL_INTERVAL says otherwise).
func pollEnv() []string {
	if os.Getenv("IPC_POLL") != "1" {
		return nil
	}
	interval := os.Getenv("IPC_POLL_INTERVAL")
	if interval == "" {
		interval = "20ms"
	}
	return []string{"IPC_POLL=1", "IPC_POLL_INTERVAL=" + interval}
}

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
