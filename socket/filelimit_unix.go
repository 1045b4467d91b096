//go:build !windows

package socket

import "syscall"

// fileLimit returns how many files this process may have open (the soft
// RLIMIT_NOFILE, which the Go runtime raises to the hard limit at start),
// or 0 when it is unknown or too large to matter.
func fileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<20 {
		return 0
	}
	return int(rl.Cur)
}
