//go:build unix

package console

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ipcBin is the ipc built once for the run; every test starts it as
// ipc web and as the CLI.
var ipcBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "ipc-console-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ipcBin = filepath.Join(dir, "ipc")
	out, err := exec.Command("go", "build", "-o", ipcBin, "../../cmd/ipc").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build ipc: %v\n%s", err, out)
		return 1
	}
	stop, err := startBrowser(context.Background(), filepath.Join(dir, "chromium"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		return 1
	}
	defer stop()
	return m.Run()
}
