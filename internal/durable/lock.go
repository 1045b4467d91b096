package durable

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// Lock pairs an in-process mutex with an flock on a lock file, so that
// goroutines of one process and other processes are both excluded, and the
// race detector sees the ordering. Lock files hold no data (on Windows the
// locked byte cannot be read by others) and are never deleted (deleting a
// lock file races with a waiter locking the old inode).
type Lock struct {
	mu sync.Mutex
	fl *flock.Flock
}

// NewLock makes the lock whose lock file is at path; it is created when
// first taken.
func NewLock(path string) *Lock {
	return &Lock{fl: flock.New(path, flock.SetPermissions(0o600))}
}

// Lock takes the lock, waiting for other processes, and returns its
// release. A lock file whose directory was removed is created again.
func (l *Lock) Lock() (unlock func(), err error) {
	l.mu.Lock()
	if err := inDir(filepath.Dir(l.fl.Path()), l.fl.Lock); err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("lock %s: %w", l.fl.Path(), err)
	}
	return func() {
		_ = l.fl.Unlock()
		l.mu.Unlock()
	}, nil
}

// Hold is an flock held for a long time (an identity's presence). It is
// taken with a short retry so that a momentary probe by another process does not look
// like a live holder.
type Hold struct {
	fl *flock.Flock
}

// Intact reports whether the lock file at the path is still the file the
// lock is held on: a lock file deleted or replaced under its holder no
// longer excludes anybody.
func (h *Hold) Intact() bool {
	held, err := h.fl.Stat()
	if err != nil {
		return false
	}
	cur, err := os.Stat(h.fl.Path())
	return err == nil && os.SameFile(held, cur)
}

// TryHold tries to take the lock at path, retrying for up to wait; ok is
// false when another holds it.
func TryHold(path string, wait time.Duration) (h *Hold, ok bool, err error) {
	fl := flock.New(path, flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err = inDir(filepath.Dir(path), func() (err error) {
		// One attempt whatever the clock says: on a loaded machine the
		// short wait can be over before the first try, and a free name
		// would then be reported in use.
		if ok, err = fl.TryLock(); ok || err != nil {
			return err
		}
		ok, err = fl.TryLockContext(ctx, 2*time.Millisecond)
		return err
	})
	if err != nil && ctx.Err() == nil {
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		_ = fl.Close()
		return nil, false, nil
	}
	return &Hold{fl: fl}, true, nil
}

// Release gives the lock up; a nil Hold holds nothing.
func (h *Hold) Release() {
	if h != nil {
		_ = h.fl.Unlock()
	}
}

// HeldElsewhere reports whether some other open file description holds the
// lock at path. It takes a shared lock for an instant, which an exclusive
// holder refuses.
func HeldElsewhere(path string) bool {
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryRLock()
	if err != nil {
		return false
	}
	if ok {
		_ = fl.Unlock()
		return false
	}
	_ = fl.Close()
	return true
}
