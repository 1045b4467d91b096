package maildir

import (
	"io/fs"
	"syscall"
	"testing"
)

// TestEntryErrorsThatMayPass: a failure that says nothing about the entry
// (a stale NFS handle, an interrupted call, a process out of files or
// memory) never makes a message one to move aside; a failure that does
// (EIO, a refused link, no permission) does.
func TestEntryErrorsThatMayPass(t *testing.T) {
	path := t.TempDir() + "/entry" // absent: the Lstat fallback finds nothing
	for _, c := range []struct {
		err     syscall.Errno
		setAway bool
	}{
		{syscall.ESTALE, false}, {syscall.EINTR, false}, {syscall.EAGAIN, false},
		{syscall.ETIMEDOUT, false}, {syscall.EMFILE, false}, {syscall.ENFILE, false},
		{syscall.ENOMEM, false}, {syscall.EIO, true}, {syscall.EACCES, true},
	} {
		wrapped := &fs.PathError{Op: "read", Path: path, Err: c.err}
		if got := isNotMessage(classifyRead(wrapped)); got != c.setAway {
			t.Errorf("classifyRead(%v) sets the entry aside: %v, want %v", c.err, got, c.setAway)
		}
		wrapped.Op = "open"
		if got := isNotMessage(classifyOpen(path, wrapped)); got != c.setAway {
			t.Errorf("classifyOpen(%v) sets the entry aside: %v, want %v", c.err, got, c.setAway)
		}
	}
	if err := classifyRead(fs.ErrNotExist); err != fs.ErrNotExist {
		t.Errorf("classifyRead(ErrNotExist) = %v", err)
	}
}
