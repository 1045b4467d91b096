package ipctest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// HelperEnv names the helper role a re-executed test binary plays
// (HelperCmd sets it, Main reads it).
const HelperEnv = "IPC_TEST_HELPER"

// Main is the TestMain of a package whose tests need other processes: they
// re-execute the test binary (HelperCmd), which then runs the helper role
// named by role (HelperEnv in the test's environment) with its last argument, and exits 1
// if run fails. With role "" it runs the tests.
func Main(m *testing.M, role string, run func(role, args string) error) {
	if role == "" {
		os.Exit(m.Run())
	}
	if err := run(role, os.Args[len(os.Args)-1]); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// HelperCmd prepares the test binary to run role with args, joined by
// commas into its last argument, in the environment environ (the test's
// own, say) plus the role. Its stderr is the test's.
func HelperCmd(tb testing.TB, environ []string, role string, args ...string) *exec.Cmd {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$", strings.Join(args, ","))
	// GORACE: the race detector otherwise sleeps a second at exit.
	cmd.Env = append(environ[:len(environ):len(environ)], HelperEnv+"="+role, "GORACE=atexit_sleep_ms=0")
	cmd.Stderr = os.Stderr
	return cmd
}
