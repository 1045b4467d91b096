//go:build linux || darwin

package durable

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Publish moves tmp to dst in one step without overwriting dst
// (renameNoReplace), falling back to link+unlink on filesystems that do
// not support it.
func Publish(tmp, dst string) error {
	err := renameNoReplace(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dst)
	if final(err) {
		return wrapPath("publish", dst, err)
	}
	return linkPublish(tmp, dst)
}

// publishAt is Publish relative to the directory descriptor dir.
func publishAt(dir int, tmp, dst string) error {
	err := renameNoReplace(dir, tmp, dir, dst)
	if final(err) {
		return err
	}
	return linkPublishAt(dir, tmp, dst)
}

// final reports whether the outcome of renameNoReplace stands: done, or
// refused for a reason a link would meet as well.
func final(err error) bool {
	return err == nil || errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOENT) || IsNoSpace(err)
}
