package maildir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// wrapPath attaches an operation and a path to err, leaving nil alone.
func wrapPath(op, path string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*os.LinkError); ok {
		return err
	}
	if _, ok := err.(*fs.PathError); ok {
		return err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// readAllLimit reads r to the end, failing if it holds more than limit bytes.
func readAllLimit(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}

// inDir runs fn, which creates or opens a file in dir. If fn fails because
// dir is gone (a human removed it, or the whole mailbox), dir is created
// again (0700) and fn runs once more: a long-lived process repairs the
// tree instead of failing until it is restarted.
func inDir(dir string, fn func() error) error {
	err := fn()
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if _, serr := os.Stat(dir); !errors.Is(serr, fs.ErrNotExist) {
		return err
	}
	if os.MkdirAll(dir, 0o700) != nil {
		return err
	}
	return fn()
}
