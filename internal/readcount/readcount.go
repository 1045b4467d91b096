// Package readcount counts the read system calls of this process, for
// tests that show a cost does not grow with a backlog. It imports nothing
// of the project, so that the core's own tests can use it too.
package readcount

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Syscalls is how many read system calls this process has made so far
// (syscr of /proc/self/io, Linux): a count kept by the kernel, so a test can
// tell how many files a call read. The test is skipped where it is missing.
func Syscalls(tb testing.TB) int {
	tb.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		tb.Skipf("no /proc/self/io: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "syscr: "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	tb.Fatal("no syscr in /proc/self/io")
	return 0
}

// Of returns how many read system calls fn made, the fewest of runs runs
// (a read by another goroutine between two samples only adds).
func Of(tb testing.TB, runs int, fn func()) int {
	tb.Helper()
	best := -1
	for range runs {
		before := Syscalls(tb)
		fn()
		n := Syscalls(tb) - before - 1 // the second sample's own read
		if best < 0 || n < best {
			best = n
		}
	}
	return best
}
