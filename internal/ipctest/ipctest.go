// Package ipctest holds what the test suites of the packages share: the
// IPC_POLL switch with which .ci/run runs the suite a second time on the
// polling fallback, the re-execution of a test binary as a helper process,
// waiting for a condition, opening a store for a test, and the hostile
// names and entries no door may accept. Only tests import it.
//
// It imports nothing of the project, so that maildir's own tests can
// import it too, and it reads no environment: its callers, test files,
// pass what they read from it.
package ipctest

import "strings"

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
