//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ipcReal is the ipc built once for the run. Each test puts a recording
// shim for it (see shimScript) first on its client's PATH, so that the
// command "ipc" of docs/mcp.md is this build.
var ipcReal string

func TestMain(m *testing.M) {
	if os.Getenv("IPC_CLIENTS") != "1" {
		fmt.Println("e2e: the real-client tests run with IPC_CLIENTS=1 (make clients)")
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "ipc-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ipcReal = filepath.Join(dir, "ipc")
	out, err := exec.Command("go", "build", "-o", ipcReal, "../cmd/ipc").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build ipc: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// shimScript runs the real ipc at real. For "ipc mcp" it also appends what
// the server writes to its client (its initialize and tools/list results
// among it) to log, and for "ipc hook" its arguments to log.hookrun as it
// starts and what it prints to log.hook,
// so a test can compare what ipc gave a client with what reached the
// model. Nothing else changes: stdin, arguments, environment and exit
// status are ipc's own. The paths are written into the script because
// Codex passes MCP servers only a few variables.
func shimScript(real, log string) string {
	return fmt.Sprintf(`#!/bin/bash
case " $* " in
  *" mcp "*) "%[1]s" "$@" | tee -a "%[2]s"; exit ${PIPESTATUS[0]} ;;
  *" hook "*) echo "$*" >>"%[2]s.hookrun"
    "%[1]s" "$@" | tee -a "%[2]s.hook"; exit ${PIPESTATUS[0]} ;;
esac
exec "%[1]s" "$@"
`, real, log)
}
