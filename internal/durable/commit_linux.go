package durable

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// fsSync is one syncfs for many items, on the filesystem of the tree's
// root. It exists only where syncfs is trusted: on local filesystems whose
// sync writes to stable storage (9p and FUSE return from syncfs without
// flushing the host's or the server's files, where fsync does), and on
// kernels from 5.8 on, whose syncfs reports the write errors that happened
// on the filesystem since the descriptor was opened. The descriptor is
// opened before the Syncer makes anything durable and kept, so no error of
// the writes it covers can slip through.
type fsSync struct {
	f   *os.File
	dev uint64
}

// syncfsTypes are the filesystems whose syncfs writes out data and
// metadata and flushes the device (names as DetectFS gives them).
var syncfsTypes = map[string]bool{"ext4": true, "xfs": true, "f2fs": true, "tmpfs": true, "ramfs": true}

func newFSSync(root, fsType string) *fsSync {
	if !syncfsTypes[fsType] || !kernelAtLeast(5, 8) {
		return nil
	}
	f, err := os.Open(root)
	if err != nil {
		return nil
	}
	var s unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &s); err != nil {
		f.Close()
		return nil
	}
	return &fsSync{f: f, dev: s.Dev}
}

func (s *fsSync) close() {
	if s != nil {
		s.f.Close()
	}
}

// syncAll makes items durable: those on the root's filesystem with one
// syncfs (its error goes to each of them), any others (a directory that is a
// mount point of its own) with their own fsyncs. An item that cannot be
// examined fails alone.
func (s *fsSync) syncAll(items []*commitItem) {
	var group, others []*commitItem
	for _, it := range items {
		var st unix.Stat_t
		if it.err = it.stat(&st); it.err != nil {
			continue
		}
		if st.Dev == s.dev {
			group = append(group, it)
		} else {
			others = append(others, it)
		}
	}
	syncEach(others)
	switch len(group) {
	case 0:
	case 1:
		group[0].err = group[0].sync()
	default:
		err := wrapPath("syncfs", s.f.Name(), ignoringEINTR(func() error { return unix.Syncfs(int(s.f.Fd())) }))
		for _, it := range group {
			it.err = err
		}
	}
}

func (it *commitItem) stat(s *unix.Stat_t) error {
	f := it.file
	if f == nil {
		f = it.dir
	}
	return wrapPath("stat", f.Name(), ignoringEINTR(func() error { return unix.Fstat(int(f.Fd()), s) }))
}

// kernelAtLeast reports whether the running kernel's version is at least
// major.minor.
func kernelAtLeast(major, minor int) bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	return releaseAtLeast(unix.ByteSliceToString(u.Release[:]), major, minor)
}

// releaseAtLeast compares a kernel release ("6.8.0-45-generic", "5.8-rc1")
// with major.minor; an unreadable release is not at least anything.
func releaseAtLeast(release string, major, minor int) bool {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return false
	}
	digits := func(s string) string { return s[:len(s)-len(strings.TrimLeft(s, "0123456789"))] }
	ma, err1 := strconv.Atoi(digits(parts[0]))
	mi, err2 := strconv.Atoi(digits(parts[1]))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}
