package durable

import "golang.org/x/sys/unix"

// renameNoReplace is renameatx_np RENAME_EXCL.
func renameNoReplace(olddir int, old string, newdir int, new string) error {
	return unix.RenameatxNp(olddir, old, newdir, new, unix.RENAME_EXCL)
}
