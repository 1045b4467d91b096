//go:build !windows

package maildir

import (
	"errors"
	"syscall"
)

// pidAlive reports whether a process with this pid exists on this host.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ownedByThisUser reports whether the file at path belongs to the
// effective user of this process.
func ownedByThisUser(path string) bool {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return false
	}
	return int(st.Uid) == syscall.Geteuid()
}
