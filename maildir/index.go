package maildir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
)

// index is a small JSON file under index/, read without a lock (it is only
// ever replaced atomically) and changed by read-modify-write under its
// durable.Lock. Readers cache the decoded value until the file's identity
// (inode, size, mtime) changes.
//
// A file that cannot be decoded is moved aside to <name>.corrupt-<time> and
// reported through Logf; rebuild, when set, recreates the value from the
// files it caches, otherwise the index starts empty.
type index[T any] struct {
	name    string
	path    string
	lk      *durable.Lock
	st      *Store
	rebuild func() (T, error)
	empty   func() T

	mu     sync.Mutex
	cached T
	info   fs.FileInfo
	have   bool
}

func newIndex[T any](st *Store, name string, empty func() T, rebuild func() (T, error)) *index[T] {
	dir := filepath.Join(st.root, indexDir)
	return &index[T]{
		name:    name,
		path:    filepath.Join(dir, name+".json"),
		lk:      durable.NewLock(filepath.Join(dir, name+".lock")),
		st:      st,
		rebuild: rebuild,
		empty:   empty,
	}
}

// indexFile is the envelope of every index file.
type indexFile[T any] struct {
	Version int `json:"version"`
	Data    T   `json:"data"`
}

const indexVersion = 1

func decodeIndex[T any](b []byte) (T, error) {
	var f indexFile[T]
	if err := json.Unmarshal(b, &f); err != nil {
		return f.Data, err
	}
	if f.Version != indexVersion {
		return f.Data, fmt.Errorf("unsupported index version %d", f.Version)
	}
	return f.Data, nil
}

// load returns the current value. The result is shared: callers must not
// modify it.
func (ix *index[T]) load() (T, error) {
	info, err := os.Stat(ix.path)
	ix.mu.Lock()
	if err == nil && ix.have && sameStamp(ix.info, info) {
		v := ix.cached
		ix.mu.Unlock()
		return v, nil
	}
	ix.mu.Unlock()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return ix.empty(), fmt.Errorf("stat %s: %w", ix.path, err)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return ix.repair(nil)
	}
	v, info, err := ix.read()
	if err != nil {
		return ix.repair(err)
	}
	ix.mu.Lock()
	ix.cached, ix.info, ix.have = v, info, true
	ix.mu.Unlock()
	return v, nil
}

// read decodes the file as it is now.
func (ix *index[T]) read() (T, fs.FileInfo, error) {
	f, err := os.Open(ix.path)
	if err != nil {
		return ix.empty(), nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ix.empty(), nil, err
	}
	b, err := readAllLimit(f, maxIndexSize)
	if err != nil {
		return ix.empty(), nil, fmt.Errorf("read %s: %w", ix.path, err)
	}
	v, err := decodeIndex[T](b)
	if err != nil {
		return ix.empty(), nil, &corruptError{path: ix.path, err: err}
	}
	return v, info, nil
}

type corruptError struct {
	path string
	err  error
}

func (e *corruptError) Error() string { return fmt.Sprintf("%s: corrupt: %v", e.path, e.err) }
func (e *corruptError) Unwrap() error { return e.err }

// repair handles a missing (cause nil) or unreadable index: a corrupt file
// is quarantined, then the value is rebuilt and written back under the lock.
func (ix *index[T]) repair(cause error) (T, error) {
	var ce *corruptError
	if cause != nil && !errors.As(cause, &ce) && !errors.Is(cause, fs.ErrNotExist) {
		return ix.empty(), cause
	}
	var out T
	err := ix.update(func(v *T) error { out = *v; return nil })
	return out, err
}

// update applies fn to the current value under the lock and writes the
// result atomically. fn may return errSkipWrite to leave the file as is.
func (ix *index[T]) update(fn func(*T) error) error {
	unlock, err := ix.lk.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	v, _, err := ix.read()
	write := false
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		v, write = ix.rebuilt(), true
	default:
		var ce *corruptError
		if !errors.As(err, &ce) {
			return err
		}
		aside, rerr := setAside(ix.path)
		if rerr != nil {
			return rerr
		}
		ix.st.opts.Logf("maildir: %v; moved aside to %s and rebuilt", err, aside)
		v, write = ix.rebuilt(), true
	}
	if ferr := fn(&v); ferr != nil && ferr != errSkipWrite {
		if write {
			_ = ix.write(v)
		}
		return ferr
	} else if ferr == errSkipWrite && !write {
		return nil
	}
	return ix.write(v)
}

var errSkipWrite = errors.New("skip write")

func (ix *index[T]) rebuilt() T {
	if ix.rebuild == nil {
		return ix.empty()
	}
	v, err := ix.rebuild()
	if err != nil {
		ix.st.opts.Logf("maildir: rebuild %s: %v", ix.name, err)
		return ix.empty()
	}
	return v
}

func (ix *index[T]) write(v T) error {
	b, err := json.MarshalIndent(indexFile[T]{Version: indexVersion, Data: v}, "", " ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", ix.name, err)
	}
	b = append(b, '\n')
	if err := durable.ReplaceFile(ix.path, b); err != nil {
		return fmt.Errorf("write %s: %w", ix.path, err)
	}
	if ix.st.opts.Sync != SyncNone {
		if err := durable.SyncDir(filepath.Dir(ix.path)); err != nil {
			return fmt.Errorf("sync %s: %w", filepath.Dir(ix.path), err)
		}
	}
	if info, err := os.Stat(ix.path); err == nil {
		ix.mu.Lock()
		ix.cached, ix.info, ix.have = v, info, true
		ix.mu.Unlock()
	}
	return nil
}

func sameStamp(a, b fs.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// maxIndexSize bounds what is read from an index file (a guard against a
// file replaced by something huge).
const maxIndexSize = 64 << 20

// setAside moves the index file at path that cannot be used to
// <path>.corrupt-<time>, where a human can look at it, and returns that name.
func setAside(path string) (string, error) {
	aside := fmt.Sprintf("%s.corrupt-%s", path, time.Now().UTC().Format("20060102T150405.000000000"))
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("quarantine %s: %w", path, err)
	}
	return aside, nil
}
