package maildir

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// RenameResult describes a rename.
type RenameResult struct {
	Old, New string
	Notified int       // registered agents told about it
	Until    time.Time // the old name forwards to the new one until then
}

// Rename changes the session's own name to newID. The old name forwards to
// the new one for ForwardFor (persisted; chains resolve), unread and future
// mail follows, every other registered agent gets a notice from SystemID,
// and tokens of the session keep working under the new name. A name may be
// renamed once per RenameCooldown. Errors: Invalid, Exists, InUse,
// RateLimited, Closed, NoSpace, Internal.
func (s *Session) Rename(ctx context.Context, newID string) (RenameResult, error) {
	const op = "rename"
	if err := s.begin(op); err != nil {
		return RenameResult{}, err
	}
	st := s.st
	old := s.ID()
	if err := checkID(op, "new instance id", newID); err != nil {
		return RenameResult{}, err
	}
	if newID == SystemID {
		return RenameResult{}, errorf(op, Invalid, newID, "%q is reserved for notices from the mailbox itself", newID)
	}
	if newID == old {
		return RenameResult{}, errorf(op, BadRequest, old, "you are already %s", old)
	}
	now := st.now()
	rec, _, _, err := st.readRecord(old)
	if err != nil {
		return RenameResult{}, ioError(op, old, err)
	}
	agents, err := st.agents.load()
	if err != nil {
		return RenameResult{}, ioError(op, old, err)
	}
	if _, ok := agents[newID]; ok {
		return RenameResult{}, errorf(op, Exists, newID, "Instance %s already exists: choose another name", newID)
	}
	if wait := RenameCooldown - now.Sub(rec.NamedAt); !rec.NamedAt.IsZero() && wait > 0 {
		return RenameResult{}, errorf(op, RateLimited, old, "Rate limit: can rename again in %d minutes", int(wait.Minutes()))
	}
	hold, ok, err := tryHold(st.presenceLockPath(newID), 50*time.Millisecond)
	if err != nil {
		return RenameResult{}, ioError(op, newID, err)
	}
	if !ok {
		return RenameResult{}, st.inUseError(op, newID)
	}

	// Records first: they are the truth the indices are rebuilt from.
	newRec := agentRecord{ID: newID, Registered: rec.Registered, NamedAt: now,
		PID: st.pid, Host: st.host, Nonce: st.nonce, Since: now}
	if newRec.Registered.IsZero() {
		newRec.Registered = now
	}
	oldRec := agentRecord{ID: old, Registered: rec.Registered, RenamedTo: newID, RenamedAt: now}
	err = st.writeRecord(newRec)
	if err == nil {
		err = st.writeRecord(oldRec)
	}
	if err == nil {
		err = st.agents.update(func(ix *agentsIndex) error {
			delete(*ix, old)
			(*ix)[newID] = newRec.Registered
			return nil
		})
	}
	if err == nil {
		err = st.forward.update(func(ix *forwardIndex) error {
			delete(*ix, newID)
			(*ix)[old] = forwardEntry{To: newID, At: now}
			for k, e := range *ix {
				if now.Sub(e.At) >= ForwardFor {
					delete(*ix, k)
				}
			}
			return nil
		})
	}
	if err == nil {
		err = st.moveBox(old, newID)
	}
	if err == nil {
		err = st.sessions.update(func(ix *sessionsIndex) error {
			changed := false
			for k, e := range *ix {
				if e.ID == old {
					e.ID = newID
					(*ix)[k] = e
					changed = true
				}
			}
			if !changed {
				return errSkipWrite
			}
			return nil
		})
	}
	if err != nil {
		hold.release()
		return RenameResult{}, ioError(op, old, err)
	}

	s.mu.Lock()
	prevHold := s.hold
	s.id, s.hold = newID, hold
	s.mu.Unlock()
	st.mu.Lock()
	if st.live[old] == s {
		delete(st.live, old)
	}
	st.live[newID] = s
	st.mu.Unlock()
	prevHold.release()

	res := RenameResult{Old: old, New: newID, Until: now.Add(ForwardFor)}
	var to []string
	for id := range agents {
		if id != old && id != newID {
			to = append(to, id)
		}
	}
	sort.Strings(to)
	notice := Message{From: SystemID, Time: now, Kind: KindSystem, Content: "📝 " + old + " renamed to " + newID}
	done, err := st.deliverAll(notice, to)
	res.Notified = len(done)
	return res, ioError(op, newID, err)
}

// moveBox gives the maildir of old to newID: a whole-directory rename when
// newID has none, otherwise message by message (never overwriting: names
// are unique), so future mail already waiting for newID is kept.
func (st *Store) moveBox(old, newID string) error {
	src, dst := st.boxPath(old), st.boxPath(newID)
	st.forgetBox(old)
	if _, err := os.Stat(dst); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(src, dst); err == nil || errors.Is(err, fs.ErrNotExist) {
			return st.ensureBox(newID)
		}
	}
	if err := st.ensureBox(newID); err != nil {
		return err
	}
	for _, sub := range []string{dirNew, dirCur} {
		names, err := listDir(filepath.Join(src, sub))
		if err != nil {
			return err
		}
		for _, n := range names {
			err := publish(filepath.Join(src, sub, n), filepath.Join(dst, sub, n))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
