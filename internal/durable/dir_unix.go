//go:build !windows

package durable

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Dir is a directory held by a descriptor opened once: every step names
// its entries relative to it (rel may hold slashes, "tmp/x"), so a
// directory moved while the steps run is still the one they act on.
type Dir struct {
	f *os.File
}

// Open opens the directory at path, which must not be a symbolic link.
func Open(path string) (*Dir, error) {
	fd, err := openat(unix.AT_FDCWD, path, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	return &Dir{f: os.NewFile(uintptr(fd), path)}, nil
}

// Close releases the descriptor.
func (d *Dir) Close() { d.f.Close() }

func (d *Dir) fd() int { return int(d.f.Fd()) }

// path names an entry of the directory for errors.
func (d *Dir) path(rel string) string { return filepath.Join(d.f.Name(), rel) }

// Create creates the file rel, which must not exist, for writing (0600).
func (d *Dir) Create(rel string) (*os.File, error) {
	fd, err := openat(d.fd(), rel, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, wrapPath("create", d.path(rel), err)
	}
	return os.NewFile(uintptr(fd), d.path(rel)), nil
}

// OpenDir opens the directory rel for flushing its entries (Syncer.Dir).
func (d *Dir) OpenDir(rel string) (*os.File, error) {
	fd, err := openat(d.fd(), rel, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, wrapPath("open", d.path(rel), err)
	}
	return os.NewFile(uintptr(fd), d.path(rel)), nil
}

// Publish moves tmp to dst without overwriting dst (see Publish).
func (d *Dir) Publish(tmp, dst string) error {
	return wrapPath("publish", d.path(dst), publishAt(d.fd(), tmp, dst))
}

// Remove removes the file rel.
func (d *Dir) Remove(rel string) error {
	return wrapPath("remove", d.path(rel), unix.Unlinkat(d.fd(), rel, 0))
}

// openat opens path relative to dir without following a final symlink,
// close-on-exec.
func openat(dir int, path string, flags int, mode uint32) (int, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Openat(dir, path, flags|unix.O_CLOEXEC|unix.O_NOFOLLOW, mode)
		return err
	})
	return fd, err
}

// linkPublishAt is linkPublish relative to a directory descriptor.
func linkPublishAt(dir int, tmp, dst string) error {
	err := unix.Linkat(dir, tmp, dir, dst, 0)
	if err == nil {
		_ = unix.Unlinkat(dir, tmp, 0)
		return nil
	}
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EMLINK) {
		return unix.Renameat(dir, tmp, dir, dst)
	}
	return err
}
