//go:build windows

package maildir

import (
	"os"
	"path/filepath"
)

// boxDir is a maildir for one delivery, by path. Nothing is done after
// publishing on Windows (directories are not flushed, see dirsSync), so a
// maildir that moves under a delivery makes a step before publishing fail,
// and the delivery is attempted again.
type boxDir struct {
	dir string
}

func openBoxDir(path string) (*boxDir, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return &boxDir{dir: path}, nil
}

func (b *boxDir) close() {}

func (b *boxDir) createTmp(name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(b.dir, dirTmp, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// openNew is never called: directories are not flushed on Windows
// (dirsSync).
func (b *boxDir) openNew() (*os.File, error) { return os.Open(filepath.Join(b.dir, dirNew)) }

func (b *boxDir) publish(name string) error {
	return publish(filepath.Join(b.dir, dirTmp, name), filepath.Join(b.dir, dirNew, name))
}

func (b *boxDir) removeTmp(name string) { _ = os.Remove(filepath.Join(b.dir, dirTmp, name)) }

func (b *boxDir) withdraw(name string) bool {
	return os.Remove(filepath.Join(b.dir, dirNew, name)) == nil
}
