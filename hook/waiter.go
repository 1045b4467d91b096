package hook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// The one wake waiter of an identity.
//
// Each Stop hook starts a waiter that may live for most of an hour. Only
// the newest may live: a waiter records itself in hooks/<id>.wake, and an
// older waiter that finds another's record there ends quietly (exit 0, no
// wake). hooks/<id>.lock serialises the record with the waiter's claim of
// the mail, so that a waiter that lost its place never claims mail after
// its successor started.
//
// A waiter lives on while the next turn runs: a turn the user interrupts
// ends without a Stop hook, and the waiter of the turn before is then what
// wakes the idle session. The next Stop hook replaces it.

// supersedePoll is how often a waiter looks whether it is still the newest
// and whether the session that started it still runs. A superseded waiter
// ends within this interval.
const supersedePoll = 200 * time.Millisecond

// waiterRecord is the on-disk state of the wake waiter of one identity.
type waiterRecord struct {
	path string       // hooks/<id>.wake: the nonce and pid of the newest waiter
	lock *flock.Flock // hooks/<id>.lock
}

// stateDir is the hook's own directory in the mailbox at root.
func stateDir(root string) string { return filepath.Join(root, "hooks") }

func openWaiterRecord(root, id string) (*waiterRecord, error) {
	dir := stateDir(root)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hook state: %w", err)
	}
	return &waiterRecord{
		path: filepath.Join(dir, id+".wake"),
		lock: flock.New(filepath.Join(dir, id+".lock"), flock.SetPermissions(0o600)),
	}, nil
}

// locked runs f holding hooks/<id>.lock.
func (r *waiterRecord) locked(f func() error) error {
	if err := r.lock.Lock(); err != nil {
		return fmt.Errorf("hook state: lock %s: %w", r.lock.Path(), err)
	}
	defer r.lock.Unlock()
	return f()
}

// write replaces the record with a new nonce for this process and
// returns the nonce.
func (r *waiterRecord) write() (string, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	nonce := hex.EncodeToString(b[:])
	tmp := r.path + "." + nonce + ".tmp"
	line := fmt.Sprintf("%s wait %d\n", nonce, os.Getpid())
	if err := os.WriteFile(tmp, []byte(line), 0o600); err != nil {
		return "", fmt.Errorf("hook state: %w", err)
	}
	if err := os.Rename(tmp, r.path); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("hook state: %w", err)
	}
	return nonce, nil
}

// holds reports whether the record still names nonce. A record that is
// gone (the state directory was removed) leaves the waiter in place.
func (r *waiterRecord) holds(nonce string) bool {
	b, err := os.ReadFile(r.path)
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return true // unreadable for a moment: keep waiting, look again
	}
	mine, _, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	return mine == nonce
}

// waiter is this process as the newest wake waiter of an identity.
type waiter struct {
	rec   *waiterRecord
	nonce string
	ppid  int // the process that started the hook: the Claude Code session
}

// becomeWaiter records this process as the newest waiter, which ends the
// previous one.
func becomeWaiter(root, id string) (*waiter, error) {
	rec, err := openWaiterRecord(root, id)
	if err != nil {
		return nil, err
	}
	w := &waiter{rec: rec, ppid: os.Getppid()}
	err = rec.locked(func() error {
		nonce, err := rec.write()
		w.nonce = nonce
		return err
	})
	return w, err
}

// current reports whether the waiter may still wake the session: it is
// the newest, and the session that started it still runs (a hook whose
// parent ended is adopted by another process).
func (w *waiter) current() bool {
	return w.rec.holds(w.nonce) && os.Getppid() == w.ppid
}

// claim runs f, which claims and shows mail, while the waiter is current
// and holds the lock, so that no successor starts in between. It reports
// false, without running f, when the waiter is no longer current.
func (w *waiter) claim(f func() error) (bool, error) {
	ok := false
	err := w.rec.locked(func() error {
		if !w.current() {
			return nil
		}
		ok = true
		return f()
	})
	return ok, err
}

// watch cancels the waiter's wait once it is no longer current. The
// returned stop ends the watch and waits for it.
func (w *waiter) watch(ctx context.Context, cancel context.CancelFunc) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(supersedePoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if !w.current() {
					cancel()
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
