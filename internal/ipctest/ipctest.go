// Package ipctest holds what the test suites of the doors share: the
// IPC_POLL switch with which .ci/run runs the suite a second time on the
// polling fallback, and the instance ids no door may accept. Only tests
// import it. maildir's own tests keep their copy of the switch: this
// package imports maildir, which they cannot import back.
package ipctest

import (
	"os"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// pollEvery is how often a polled test mailbox is listed unless
// IPC_POLL_INTERVAL says otherwise: tests wait on conditions, so a short
// interval keeps them short.
const pollEvery = 20 * time.Millisecond

// polling reports whether IPC_POLL=1 and the interval to poll at.
func polling() (bool, string) {
	if os.Getenv(maildir.EnvPoll) != "1" {
		return false, ""
	}
	if v := os.Getenv(maildir.EnvPollInterval); v != "" {
		return true, v
	}
	return true, pollEvery.String()
}

// Options applies IPC_POLL=1 to the options of a test's Store.
func Options(opts maildir.Options) maildir.Options {
	poll, every := polling()
	if !poll {
		return opts
	}
	opts.Poll = true
	if opts.PollInterval == 0 {
		opts.PollInterval = pollEvery
		if d, err := time.ParseDuration(every); err == nil {
			opts.PollInterval = d
		}
	}
	return opts
}

// PollEnv is IPC_POLL=1 as environment variables for the processes a test
// starts; nil when the suite runs on filesystem events.
func PollEnv() []string {
	poll, every := polling()
	if !poll {
		return nil
	}
	return []string{maildir.EnvPoll + "=1", maildir.EnvPollInterval + "=" + every}
}

// HostileIDs are instance ids no door may accept: path tricks, control
// characters, Unicode look-alikes of valid names, and names too long, the
// longest of longest bytes (what the door can carry in one request).
func HostileIDs(longest int) []string {
	return []string{
		"../etc", "..", ".", "a/b", `a\b`, "/abs", "a\x00b", "\x00", "alice\n", "\nalice", "alice\r", " alice", "alice ", "al ice",
		"\u0430lice",  // Cyrillic а
		"\uff41lice",  // fullwidth a
		"alice\u200b", // zero-width space
		"alic\u0435",  // Cyrillic е
		"a\u0301lice", // combining accent
		"alice\u202e", // right-to-left override
		"al.ice", "alice:", "alice!2,S", "*", "?", "con:", "a%2fb",
		strings.Repeat("a", 33), strings.Repeat("a", 1000), strings.Repeat("a", longest),
		"", "\u00e9",
	}
}
