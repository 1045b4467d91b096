package durable

import (
	"errors"
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

// inDir runs fn, which creates or opens a file in dir. If fn fails because
// dir is gone (a human removed it, or the whole tree), dir is created
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
