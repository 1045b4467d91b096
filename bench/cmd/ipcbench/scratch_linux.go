package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// spreadDirs asks ext2/3/4 to place the directories made inside dir as it
// places top-level ones (the TOPDIR flag, chattr +T): in block groups with
// many free inodes, away from dir's own group. Without a journal, ext4
// skips every inode freed in the last minutes when it allocates a new one,
// so creating files next to a directory that was just cleaned up (a test
// run's leftovers in /tmp) costs several times the CPU. The flag keeps that
// history out of the figures, for the bare loop and the peers alike. It
// reports whether the flag is set; other filesystems refuse it.
func spreadDirs(dir string) bool {
	const topdir = 0x00020000 // FS_TOPDIR_FL in linux/fs.h
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	fd := int(f.Fd())
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		return false
	}
	return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags|topdir)) == nil
}

// syncFS writes out everything dirty on dir's filesystem (syncfs), so that
// a scenario does not measure the writeback of the one before.
func syncFS(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	defer f.Close()
	_ = unix.Syncfs(int(f.Fd()))
}
