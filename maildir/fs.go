package maildir

import (
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
