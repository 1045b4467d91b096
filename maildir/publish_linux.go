package maildir

import (
	"errors"

	"golang.org/x/sys/unix"
)

// publish moves tmp to dst in one step without overwriting dst
// (renameat2 RENAME_NOREPLACE), falling back to link+unlink on filesystems
// that do not support it.
func publish(tmp, dst string) error {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	if err == nil || errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOENT) || isNoSpace(err) {
		return wrapPath("publish", dst, err)
	}
	return linkPublish(tmp, dst)
}

// publishAt is publish relative to the directory descriptor dir.
func publishAt(dir int, tmp, dst string) error {
	err := unix.Renameat2(dir, tmp, dir, dst, unix.RENAME_NOREPLACE)
	if err == nil || errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOENT) || isNoSpace(err) {
		return err
	}
	return linkPublishAt(dir, tmp, dst)
}
