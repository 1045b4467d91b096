package socket

import (
	"os"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// testOptions applies IPC_POLL=1 to the options of a test's Store: .ci/run
// runs the suite again that way, with polling instead of filesystem events
// (every 20 ms unless IPC_POLL_INTERVAL says otherwise).
func testOptions(opts maildir.Options) maildir.Options {
	if os.Getenv(maildir.EnvPoll) != "1" {
		return opts
	}
	opts.Poll = true
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
		if d, err := time.ParseDuration(os.Getenv(maildir.EnvPollInterval)); err == nil {
			opts.PollInterval = d
		}
	}
	return opts
}
