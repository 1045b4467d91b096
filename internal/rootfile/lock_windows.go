package rootfile

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// tryShared reports whether another process holds an exclusive lock on
// the first byte of f, where the run lock is taken; the shared lock it
// takes otherwise is given back at once.
func tryShared(f *os.File) (held bool, err error) {
	h := windows.Handle(f.Fd())
	err = windows.LockFileEx(h, windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &windows.Overlapped{})
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, windows.UnlockFileEx(h, 0, 1, 0, &windows.Overlapped{})
}
