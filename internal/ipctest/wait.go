package ipctest

import (
	"testing"
	"time"
)

// waitBound only turns a hang into a failure: conditions are met far
// sooner.
const waitBound = 60 * time.Second

// WaitFor polls cond until it holds, and fails tb ("timed out waiting for
// what") if it does not within a generous bound.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(waitBound)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
