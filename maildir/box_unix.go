//go:build !windows

package maildir

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// boxDir is a maildir opened for one delivery; every step is relative to
// its descriptor (see box.go).
type boxDir struct {
	f *os.File
}

func openBoxDir(path string) (*boxDir, error) {
	fd, err := openat(unix.AT_FDCWD, path, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	return &boxDir{f: os.NewFile(uintptr(fd), path)}, nil
}

func (b *boxDir) close() { b.f.Close() }

func (b *boxDir) fd() int { return int(b.f.Fd()) }

// path names an entry of the maildir for errors.
func (b *boxDir) path(rel string) string { return filepath.Join(b.f.Name(), rel) }

// createTmp creates tmp/name, which must not exist, for writing.
func (b *boxDir) createTmp(name string) (*os.File, error) {
	rel := dirTmp + "/" + name
	fd, err := openat(b.fd(), rel, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, wrapPath("create", b.path(rel), err)
	}
	return os.NewFile(uintptr(fd), b.path(rel)), nil
}

// openNew opens new/ for flushing its entries.
func (b *boxDir) openNew() (*os.File, error) {
	fd, err := openat(b.fd(), dirNew, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, wrapPath("open", b.path(dirNew), err)
	}
	return os.NewFile(uintptr(fd), b.path(dirNew)), nil
}

// publish moves tmp/name to new/name without overwriting.
func (b *boxDir) publish(name string) error {
	return wrapPath("publish", b.path(dirNew+"/"+name), publishAt(b.fd(), dirTmp+"/"+name, dirNew+"/"+name))
}

func (b *boxDir) removeTmp(name string) {
	_ = unix.Unlinkat(b.fd(), dirTmp+"/"+name, 0)
}

// withdraw removes the published new/name and reports whether it did (a
// reader may have claimed it already).
func (b *boxDir) withdraw(name string) bool {
	return unix.Unlinkat(b.fd(), dirNew+"/"+name, 0) == nil
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
