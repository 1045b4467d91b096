package ipctest

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// RemoveTree removes dir as a human's rm -rf would under running agents:
// a process of the mailbox may write a file into a directory the removal
// has just emptied, and then it removes again.
func RemoveTree(tb testing.TB, dir string) {
	tb.Helper()
	start := time.Now()
	for err := os.RemoveAll(dir); err != nil; err = os.RemoveAll(dir) {
		if !errors.Is(err, syscall.ENOTEMPTY) || time.Since(start) > time.Minute {
			tb.Fatal(err)
		}
	}
}
