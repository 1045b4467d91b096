//go:build windows

package maildir

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// pidAlive reports whether a process with this pid is running.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return errors.Is(err, windows.ERROR_ACCESS_DENIED)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return false
	}
	return code == 259 // STILL_ACTIVE
}

// ownedByThisUser reports whether the file at path belongs to the user of
// this process. On Windows a mailbox lies in its user's profile, which
// other users cannot enter, so a file that can be read there is this
// user's.
func ownedByThisUser(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
