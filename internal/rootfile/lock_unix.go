//go:build !windows

package rootfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tryShared reports whether another process holds an exclusive flock on
// f; the shared lock it takes otherwise ends when f is closed.
func tryShared(f *os.File) (held bool, err error) {
	err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}
