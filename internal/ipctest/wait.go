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

// Within runs fn and fails tb ("what still running after bound") if it has
// not returned within bound: a hang becomes a failure instead of a test
// binary that never ends. fn keeps running in its goroutine after a
// failure, as a hung system call would.
func Within(tb testing.TB, what string, bound time.Duration, fn func()) {
	tb.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(bound):
		tb.Fatalf("%s still running after %v", what, bound)
	}
}
