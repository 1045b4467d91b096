//go:build !windows

package rootfile

import (
	"os"
	"syscall"
)

// DirInode returns the device and inode of fi.
func DirInode(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}
