package durable

import "golang.org/x/sys/unix"

// renameNoReplace is renameat2 RENAME_NOREPLACE.
func renameNoReplace(olddir int, old string, newdir int, new string) error {
	return unix.Renameat2(olddir, old, newdir, new, unix.RENAME_NOREPLACE)
}
