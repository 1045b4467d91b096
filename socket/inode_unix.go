//go:build !windows

package socket

import (
	"os"
	"syscall"
)

// dirInode returns the device and inode of fi.
func dirInode(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}
