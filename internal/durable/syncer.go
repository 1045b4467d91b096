package durable

import (
	"io"
	"os"
	"path/filepath"
)

// Policy says when a Syncer flushes to stable storage.
type Policy int

// The policies. Batch and Full are equally durable: a file and the
// directory entry that publishes it are on disk when the call returns.
// Batch lets concurrent callers in one process share their flushes (group
// commit, see committer); Full gives each its own fsyncs; None never
// flushes.
const (
	Batch Policy = iota
	Full
	None
)

// Syncer makes files and directory entries durable as its policy says.
type Syncer struct {
	policy Policy
	commit *committer // group commit under Batch
}

// NewSyncer makes the Syncer of the tree at root, whose filesystem is
// fsType (as DetectFS names it). Close releases it.
func NewSyncer(root, fsType string, p Policy) *Syncer {
	return &Syncer{policy: p, commit: newCommitter(root, fsType)}
}

// Close releases the descriptor held for filesystem syncs.
func (s *Syncer) Close() { s.commit.close() }

// Begin announces a caller about to make several things durable in turn
// (a file, then the directory publishing it), so that a group commit waits
// for its next item; the returned end must be called when it is done.
func (s *Syncer) Begin() (end func()) {
	if s.policy != Batch {
		return func() {}
	}
	s.commit.enter()
	return s.commit.leave
}

// SyncsDirs reports whether directory entries are flushed at all: not
// under None, and never on Windows (see SyncDir).
func (s *Syncer) SyncsDirs() bool { return s.policy != None && dirsSync }

// file makes a file just written durable.
func (s *Syncer) file(f *os.File) error {
	switch s.policy {
	case None:
		return nil
	case Full:
		return f.Sync()
	}
	return s.commit.commit(&commitItem{file: f})
}

// Dir makes the entries of an open directory durable.
func (s *Syncer) Dir(d *os.File) error {
	switch {
	case !s.SyncsDirs():
		return nil
	case s.policy == Full:
		return syncDirFile(d)
	}
	return s.commit.commit(&commitItem{dir: d})
}

// dirAt makes the entries of the directory at path durable.
func (s *Syncer) dirAt(path string) error {
	if !s.SyncsDirs() {
		return nil
	}
	return withDir(path, s.Dir)
}

// Fill writes a file just created with write, makes it durable and closes
// it. The file is closed whatever happens; removing it is the caller's.
func (s *Syncer) Fill(f *os.File, write func(io.Writer) error) error {
	err := write(f)
	if err == nil {
		err = s.file(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFile creates the file at path, which must not exist (0600), fills
// it with write and makes it and its directory entry durable. On failure
// nothing is left at path.
func (s *Syncer) WriteFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = s.Fill(f, write)
	if err == nil {
		err = s.dirAt(filepath.Dir(path))
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

// SyncDir flushes the entries of the directory at path to stable storage,
// whatever the policy (a no-op on Windows).
func SyncDir(path string) error {
	if !dirsSync {
		return nil
	}
	return withDir(path, syncDirFile)
}

// withDir runs fn on the directory at path, opened for flushing.
func withDir(path string, fn func(*os.File) error) error {
	d, err := OpenDir(path)
	if err != nil {
		return err
	}
	err = fn(d)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
