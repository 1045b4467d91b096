package maildir

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncAll makes several items durable with one syncfs per filesystem they
// live on (normally one: everything is under the mailbox root). A
// filesystem holding a single item gets that item's own fsync.
func syncAll(items []commitItem) error {
	byDev := make(map[uint64][]commitItem)
	var order []uint64
	for _, it := range items {
		var s unix.Stat_t
		if err := it.stat(&s); err != nil {
			return err
		}
		if byDev[s.Dev] == nil {
			order = append(order, s.Dev)
		}
		byDev[s.Dev] = append(byDev[s.Dev], it)
	}
	var first error
	for _, dev := range order {
		group := byDev[dev]
		var err error
		if len(group) == 1 {
			err = group[0].sync()
		} else {
			err = group[0].syncfs()
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (it commitItem) stat(s *unix.Stat_t) error {
	if it.file == nil {
		return wrapPath("stat", it.dir, unix.Stat(it.dir, s))
	}
	var err error
	if cerr := it.withFd(func(fd int) { err = unix.Fstat(fd, s) }); cerr != nil {
		return cerr
	}
	return wrapPath("stat", it.file.Name(), err)
}

// syncfs syncs the whole filesystem the item lives on.
func (it commitItem) syncfs() error {
	if it.file == nil {
		f, err := os.Open(it.dir)
		if err != nil {
			return err
		}
		defer f.Close()
		it = commitItem{file: f}
	}
	var err error
	if cerr := it.withFd(func(fd int) { err = unix.Syncfs(fd) }); cerr != nil {
		return cerr
	}
	return wrapPath("syncfs", it.file.Name(), err)
}

func (it commitItem) withFd(fn func(fd int)) error {
	rc, err := it.file.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) { fn(int(fd)) })
}
