package maildir

import (
	"os"
	"testing"
	"time"
)

// testOptions applies IPC_POLL=1 to the options of a test's Store: .ci/run
// runs the delivery suite again that way, with polling instead of
// filesystem events (every 20 ms unless IPC_POLL_INTERVAL says otherwise).
func testOptions(opts Options) Options {
	if os.Getenv(EnvPoll) != "1" {
		return opts
	}
	opts.Poll = true
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
		if d, err := time.ParseDuration(os.Getenv(EnvPollInterval)); err == nil {
			opts.PollInterval = d
		}
	}
	return opts
}

// TestPollSwitch: with IPC_POLL=1 the suite's stores poll, so the
// polling run of .ci/run tests what it says it tests.
func TestPollSwitch(t *testing.T) {
	st := mustOpen(t, Options{})
	want := os.Getenv(EnvPoll) == "1" || st.fs.Remote
	if got := st.FS().Polling; got != want {
		t.Fatalf("FS().Polling = %v with IPC_POLL=%q, want %v", got, os.Getenv(EnvPoll), want)
	}
	t.Logf("polling: %v", st.FS().Polling)
}
