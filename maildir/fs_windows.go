//go:build windows

package maildir

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
)

// syncDir is a no-op on Windows: directories cannot be flushed there
// (FlushFileBuffers on a directory handle is refused) and NTFS journals its
// metadata.
func syncDir(string) error { return nil }

// dirsSync: directories are not flushed on Windows (see syncDir).
const dirsSync = false

func syncDirFile(*os.File) error { return nil }

// replaceFile replaces path with data: a temp file in the same directory is
// written and flushed, then renamed over path. Renaming over a file another
// process holds open fails on Windows with a sharing violation, so the
// rename is retried for up to two seconds.
func replaceFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		err = os.Rename(tmp, path)
		if err == nil || !retryable(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func retryable(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
}

// isNoSpace reports a full disk or a write-protected volume.
func isNoSpace(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) ||
		errors.Is(err, windows.ERROR_WRITE_PROTECT)
}

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

// publish hard-links tmp to dst (never overwriting dst) and removes tmp;
// volumes without hard links (FAT, some network shares) get a rename.
func publish(tmp, dst string) error {
	err := os.Link(tmp, dst)
	if err == nil {
		_ = os.Remove(tmp)
		return nil
	}
	if errors.Is(err, os.ErrExist) || errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Rename(tmp, dst)
}

// rename is os.Rename (the Unix version skips a lookup os.Rename makes).
func rename(src, dst string) error { return os.Rename(src, dst) }

// errSymlink refuses to open a symbolic link or junction as a message.
var errSymlink = errors.New("a symbolic link")

// openDir opens a directory for listing or flushing.
func openDir(path string) (*os.File, error) { return os.Open(path) }

// openNoFollow opens a directory entry for reading unless it is a link or
// reparse point. Windows has no FIFOs in a directory, and opening a file
// does not block.
func openNoFollow(path string) (*os.File, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode()&(os.ModeSymlink|os.ModeIrregular) != 0 {
		return nil, &os.PathError{Op: "open", Path: path, Err: errSymlink}
	}
	return os.Open(path)
}

// isSymlinkRefusal reports the refusal of openNoFollow to open a link.
func isSymlinkRefusal(err error) bool { return errors.Is(err, errSymlink) }
