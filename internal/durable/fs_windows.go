//go:build windows

package durable

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
)

// dirsSync: directories are not flushed on Windows: FlushFileBuffers on a
// directory handle is refused, and NTFS journals its metadata.
const dirsSync = false

func syncDirFile(*os.File) error { return nil }

// ReplaceFile replaces path with data: a temporary file in the same
// directory is written and flushed, then renamed over path. Renaming over a
// file another process holds open fails on Windows with a sharing
// violation, so the rename is retried for up to two seconds.
func ReplaceFile(path string, data []byte) error {
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

// IsNoSpace reports a full disk or a write-protected volume.
func IsNoSpace(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) ||
		errors.Is(err, windows.ERROR_WRITE_PROTECT)
}

// Publish hard-links tmp to dst (never overwriting dst) and removes tmp;
// volumes without hard links (FAT, some network shares) get a rename.
func Publish(tmp, dst string) error {
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

// Rename is os.Rename (the Unix version skips a lookup os.Rename makes).
func Rename(src, dst string) error { return os.Rename(src, dst) }

// errSymlink refuses to open a symbolic link or junction.
var errSymlink = errors.New("a symbolic link")

// OpenDir opens a directory for listing or flushing.
func OpenDir(path string) (*os.File, error) { return os.Open(path) }

// OpenNoFollow opens a directory entry for reading unless it is a link or
// reparse point. Windows has no FIFOs in a directory, and opening a file
// does not block.
func OpenNoFollow(path string) (*os.File, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode()&(os.ModeSymlink|os.ModeIrregular) != 0 {
		return nil, &os.PathError{Op: "open", Path: path, Err: errSymlink}
	}
	return os.Open(path)
}

// IsSymlinkRefusal reports the refusal of OpenNoFollow to open a link.
func IsSymlinkRefusal(err error) bool { return errors.Is(err, errSymlink) }
