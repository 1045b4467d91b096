//go:build !windows

package durable

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/google/renameio/v2"
)

// dirsSync: directories are flushed after their entries change.
const dirsSync = true

// syncDirFile flushes the entries of an open directory.
func syncDirFile(d *os.File) error {
	err := d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil // filesystems that cannot sync a directory journal it themselves
	}
	return err
}

// ReplaceFile atomically replaces path with data (0600): a temporary file
// in the same directory, flushed, renamed over path. The caller flushes
// the directory (SyncDir) if it must.
func ReplaceFile(path string, data []byte) error {
	return renameio.WriteFile(path, data, 0o600, renameio.WithTempDir(filepath.Dir(path)))
}

// Rename is os.Rename without its extra lookup: os.Rename stats dst first
// to refuse a directory target, which in a directory holding a long
// history is a second directory search per call. dst must not be a
// directory.
func Rename(src, dst string) error {
	if err := ignoringEINTR(func() error { return syscall.Rename(src, dst) }); err != nil {
		return &os.LinkError{Op: "rename", Old: src, New: dst, Err: err}
	}
	return nil
}

// ignoringEINTR retries a system call interrupted by a signal (the Go
// runtime's preemption signals interrupt slow calls on FUSE and CIFS), as
// the os package does for its own calls.
func ignoringEINTR(call func() error) error {
	for {
		if err := call(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// IsNoSpace reports a full disk, an exceeded quota or a read-only filesystem.
func IsNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EDQUOT)
}

// linkPublish publishes tmp as dst without ever overwriting dst: a hard link,
// then the tmp name is removed. Filesystems without hard links get a rename
// (names are unique, so nothing is overwritten in practice).
func linkPublish(tmp, dst string) error {
	err := os.Link(tmp, dst)
	if err == nil {
		_ = os.Remove(tmp)
		return nil
	}
	if errors.Is(err, os.ErrExist) {
		return err
	}
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EMLINK) {
		return os.Rename(tmp, dst)
	}
	return err
}

// OpenDir opens a directory for listing or flushing. Something else at
// its name (a FIFO, a device) is refused with ENOTDIR instead of blocking
// the open.
func OpenDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}

// OpenNoFollow opens a directory entry for reading without following a
// symbolic link, without blocking (a FIFO without a writer, a device) and
// without making a terminal the controlling one.
func OpenNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}

// IsSymlinkRefusal reports the error of OpenNoFollow on a link (ELOOP;
// EMLINK on FreeBSD).
func IsSymlinkRefusal(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}
