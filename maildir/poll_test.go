package maildir

import (
	"os"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// testOptions applies IPC_POLL=1 to the options of a test's Store: .ci/run
// runs the delivery suite again that way, with polling instead of
// filesystem events (every 20 ms unless IPC_POLL_INTERVAL says otherwise).
func testOptions(opts Options) Options {
	ipctest.Poll(os.Getenv).Apply(&opts.Poll, &opts.PollInterval)
	return opts
}

// TestPollSwitch: with IPC_POLL=1 the suite's stores poll, so the
// polling run of .ci/run tests what it says it tests.
func TestPollSwitch(t *testing.T) {
	st := mustOpen(t, Options{})
	want := ipctest.Poll(os.Getenv).On || st.fs.Remote
	if got := st.FS().Polling; got != want {
		t.Fatalf("FS().Polling = %v with IPC_POLL=%q, want %v", got, os.Getenv("IPC_POLL"), want)
	}
	t.Logf("polling: %v", st.FS().Polling)
}
