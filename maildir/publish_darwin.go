package maildir

import (
	"errors"

	"golang.org/x/sys/unix"
)

// publish moves tmp to dst in one step without overwriting dst
// (renamex_np RENAME_EXCL), falling back to link+unlink.
func publish(tmp, dst string) error {
	err := unix.RenamexNp(tmp, dst, unix.RENAME_EXCL)
	if err == nil || errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOENT) || isNoSpace(err) {
		return wrapPath("publish", dst, err)
	}
	return linkPublish(tmp, dst)
}

// publishAt is publish relative to the directory descriptor dir.
func publishAt(dir int, tmp, dst string) error {
	err := unix.RenameatxNp(dir, tmp, dir, dst, unix.RENAME_EXCL)
	if err == nil || errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOENT) || isNoSpace(err) {
		return err
	}
	return linkPublishAt(dir, tmp, dst)
}
