//go:build windows

package durable

import (
	"os"
	"path/filepath"
)

// Dir is a directory, by path: Windows has no descriptor-relative calls.
// Nothing is flushed after publishing there (directories are not flushed),
// so a directory that moves under the steps makes a step before publishing
// fail, and the caller can start again.
type Dir struct {
	dir string
}

// Open checks that the directory at path exists.
func Open(path string) (*Dir, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return &Dir{dir: path}, nil
}

// Close does nothing: no descriptor is held.
func (d *Dir) Close() {}

// Create creates the file rel, which must not exist, for writing (0600).
func (d *Dir) Create(rel string) (*os.File, error) {
	return os.OpenFile(filepath.Join(d.dir, rel), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// OpenDir opens the directory rel; nothing calls it on Windows, where
// directories are not flushed.
func (d *Dir) OpenDir(rel string) (*os.File, error) { return os.Open(filepath.Join(d.dir, rel)) }

// Publish moves tmp to dst without overwriting dst (see Publish).
func (d *Dir) Publish(tmp, dst string) error {
	return Publish(filepath.Join(d.dir, tmp), filepath.Join(d.dir, dst))
}

// Remove removes the file rel.
func (d *Dir) Remove(rel string) error { return os.Remove(filepath.Join(d.dir, rel)) }
