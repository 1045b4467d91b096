package maildir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
)

// RenameResult describes a rename.
type RenameResult struct {
	Old, New string
	Notified int       // registered agents told about it
	Until    time.Time // the old name forwards to the new one until then

	// Unnotified lists the registered agents the notice did not reach, and
	// NoticeErr says why. The rename itself took effect.
	Unnotified []string
	NoticeErr  error
}

// Warning is a sentence about the agents that were not told of the rename,
// or "" when every one was.
func (r RenameResult) Warning() string {
	if len(r.Unnotified) == 0 {
		return ""
	}
	return fmt.Sprintf("the rename took effect, but %d agents were not told (%s): %v",
		len(r.Unnotified), strings.Join(r.Unnotified, ", "), r.NoticeErr)
}

// Rename changes the session's own name to newID. The old name forwards to
// the new one for ForwardFor (persisted; every forwarding to the old name
// now points at the new one, so chains end at their final target), unread
// and future mail follows, every other registered agent gets a notice from
// SystemID, tokens of the session keep working under the new name, and
// what the agent said it was doing (SetDoing) is the new name's. A name
// may be renamed once per RenameCooldown.
//
// A rename is one transaction against other renames and registrations (see
// renameTx): of two renames onto one name, or a rename and a registration
// of it, exactly one wins. A name that forwards may be taken only by the
// agent it forwards to (taking its old name back). A notice that cannot be
// delivered does not undo the rename: the result lists who was not told.
// Errors: Invalid, BadRequest, Exists, InUse, Forwarded, RateLimited,
// Closed, NoSpace, Internal.
func (s *Session) Rename(ctx context.Context, newID string) (RenameResult, error) {
	const op = OpRename
	if err := s.begin(op); err != nil {
		return RenameResult{}, err
	}
	if err := s.refuseShared(op); err != nil {
		return RenameResult{}, err
	}
	st := s.st
	old := s.ID()
	if err := checkID(op, "new instance id", newID); err != nil {
		return RenameResult{}, err
	}
	if err := reservedName(op, newID); err != nil {
		return RenameResult{}, err
	}
	if old == HumanID {
		return RenameResult{}, errorf(op, BadRequest, old, "%q is the person at the console: it keeps its name", old)
	}
	if newID == old {
		return RenameResult{}, errorf(op, BadRequest, old, "you are already %s", old)
	}
	// An early answer for the common case; planRename checks again under
	// the locks.
	if agents, err := st.agents.load(); err == nil {
		if _, ok := agents[newID]; ok {
			return RenameResult{}, errorf(op, Exists, newID, "Instance %s already exists: choose another name", newID)
		}
	}
	// Locks: the session holds the presence of old; the presence of newID
	// is tried, never waited for; then the identity lock, which every
	// rename and registration takes, is waited for.
	hold, ok, err := durable.TryHold(st.presenceLockPath(newID), 50*time.Millisecond)
	if err != nil {
		return RenameResult{}, ioError(op, newID, err)
	}
	if !ok {
		return RenameResult{}, st.inUseError(op, newID)
	}
	unlock, err := st.identity.Lock()
	if err != nil {
		hold.Release()
		return RenameResult{}, ioError(op, old, err)
	}
	tx, err := s.planRename(op, old, newID)
	if err == nil {
		err = st.applyRename(tx)
	}
	unlock()
	if err != nil && (tx == nil || !tx.committed) {
		hold.Release()
		return RenameResult{}, ioError(op, old, err)
	}
	s.becomeRenamed(old, newID, hold)
	res := RenameResult{Old: old, New: newID, Until: tx.At.Add(ForwardFor)}
	if err != nil {
		return res, ioError(op, newID, fmt.Errorf("%s now forwards to %s, but finishing the rename failed (the next registration or rename completes it): %w", old, newID, err))
	}
	st.notifyRename(&res, tx.At)
	return res, nil
}

// planRename validates a rename of the session from old to newID. It runs
// with the presence locks of both names and the identity lock held, so
// what it checks stays true until the rename is applied.
func (s *Session) planRename(op Op, old, newID string) (*renameTx, error) {
	st := s.st
	if err := st.settleRename(); err != nil {
		return nil, err
	}
	if s.ID() != old {
		return nil, errorf(op, BadRequest, old, "a concurrent rename of this session changed its name: you are now %s", s.ID())
	}
	// A registration of old may have replaced this session while the
	// rename waited for the locks: the name is no longer this session's
	// to rename.
	if err := s.begin(op); err != nil {
		return nil, err
	}
	now := st.now()
	rec, _, _, err := st.readRecord(old)
	if err != nil {
		return nil, err
	}
	if wait := RenameCooldown - now.Sub(rec.NamedAt); !rec.NamedAt.IsZero() && wait > 0 {
		return nil, errorf(op, RateLimited, old, "Rate limit: can rename again in %d minutes", int(wait.Minutes()))
	}
	agents, err := st.agents.load()
	if err != nil {
		return nil, err
	}
	prior, known, err := st.readRecordFile(newID)
	if err != nil {
		return nil, err
	}
	nrec, _, _, err := st.readRecord(newID)
	if err != nil {
		return nil, err
	}
	if _, ok := agents[newID]; ok || (known && nrec.RenamedTo == "") {
		return nil, errorf(op, Exists, newID, "Instance %s already exists: choose another name", newID)
	}
	if err := st.refuseForwarded(op, newID, old, now); err != nil {
		return nil, err
	}
	tx := &renameTx{renameIntent: renameIntent{
		Old: old, New: newID, At: now, Registered: rec.Registered,
		PriorTarget: nrec.RenamedTo, Prior: prior,
	}}
	if tx.Registered.IsZero() {
		tx.Registered = now
	}
	tx.newRec = agentRecord{ID: newID, Registered: tx.Registered, NamedAt: now,
		PID: st.pid, Host: st.host, Nonce: st.nonce, Since: now}
	return tx, nil
}

// becomeRenamed moves the session and this process's presence to newID. A
// session closed meanwhile keeps nothing: the new name is left offline.
func (s *Session) becomeRenamed(old, newID string, hold *durable.Hold) {
	st := s.st
	s.mu.Lock()
	if s.closed {
		s.id = newID
		s.mu.Unlock()
		hold.Release()
		return
	}
	prevHold := s.hold
	s.id, s.hold = newID, hold
	s.mu.Unlock()
	st.mu.Lock()
	if st.live[old] == s {
		delete(st.live, old)
	}
	st.live[newID] = s
	st.mu.Unlock()
	prevHold.Release()
	st.moveDedupe(old, newID)
}

// notifyRename tells every other registered agent about the rename, and
// records in res who could not be told.
func (st *Store) notifyRename(res *RenameResult, at time.Time) {
	agents, err := st.agents.load()
	if err != nil {
		res.NoticeErr = err
		return
	}
	var to []string
	for id := range agents {
		if id != res.Old && id != res.New {
			to = append(to, id)
		}
	}
	sort.Strings(to)
	notice := Message{From: SystemID, Time: at, Kind: KindSystem, Content: "📝 " + res.Old + " renamed to " + res.New}
	done, err := st.deliverAll(notice, to)
	res.Notified = len(done)
	if err == nil {
		return
	}
	told := map[string]bool{}
	for _, id := range done {
		told[id] = true
	}
	for _, id := range to {
		if !told[id] {
			res.Unnotified = append(res.Unnotified, id)
		}
	}
	res.NoticeErr = ioError(OpRename, res.New, err)
	st.opts.Logf("maildir: rename %s to %s: %s", res.Old, res.New, res.Warning())
}

// refuseForwarded refuses to give id to taker while id forwards to another
// agent: only the agent it forwards to may take it back.
func (st *Store) refuseForwarded(op Op, id, taker string, now time.Time) error {
	fw, err := st.forward.load()
	if err != nil {
		return err
	}
	e, ok := fw[id]
	if !ok || now.Sub(e.At) >= ForwardFor {
		return nil
	}
	to, err := st.resolve(id)
	if err != nil {
		return err
	}
	if to == taker {
		return nil
	}
	until := e.At.Add(ForwardFor)
	return errorf(op, Forwarded, id,
		"%s was renamed to %s and its mail forwards there until %s (in %s): act as %s (IPC_ID=%s) or choose another name; until then only %s can take %s back, by renaming to it",
		id, to, until.UTC().Format(time.RFC3339), until.Sub(now).Round(time.Minute), to, to, to, id)
}

// endForwardsTo handles the forwardings that point at name when name is
// given to a new owner: they go on to target (where name itself forwarded,
// the final target of the mail they carried) or, without one, end. Mail for
// an old name never reaches whoever takes the name next.
func endForwardsTo(ix forwardIndex, name, target string) {
	for k, e := range ix {
		if e.To != name {
			continue
		}
		if target == "" || target == name || target == k {
			delete(ix, k)
			continue
		}
		e.To = target
		ix[k] = e
	}
}

// syncForwardRecords makes every record that forwards to one of names
// agree with the forward index, the point of no return of a rename: a
// record whose entry points elsewhere follows it, one without an entry
// ends (its forwarding is marked expired). It is idempotent.
func (st *Store) syncForwardRecords(names ...string) error {
	fw, err := st.forward.load()
	if err != nil {
		return err
	}
	recs, err := st.records()
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r.RenamedTo == "" || !contains(names, r.RenamedTo) || r.RenamedAt.IsZero() {
			continue
		}
		e, ok := fw[r.ID]
		switch {
		case ok && e.To == r.RenamedTo && e.At.Equal(r.RenamedAt):
			continue
		case ok:
			r.RenamedTo, r.RenamedAt = e.To, e.At
		default:
			r.RenamedAt = time.Time{}
		}
		if err := st.writeRecord(r); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// moveBox gives the maildir of old to newID: a whole-directory rename when
// newID has none, otherwise message by message (never overwriting: names
// are unique), so future mail already waiting for newID is kept; the
// delivery records (state/, sent/) go with the messages. It is idempotent.
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
	for _, sub := range []string{dirNew, dirCur, dirState, dirSent} {
		names, err := listDir(filepath.Join(src, sub))
		if err != nil {
			return err
		}
		if len(names) > 0 && (sub == dirState || sub == dirSent) {
			if err := os.MkdirAll(filepath.Join(dst, sub), 0o700); err != nil {
				return err
			}
		}
		for _, n := range names {
			err := durable.Publish(filepath.Join(src, sub, n), filepath.Join(dst, sub, n))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
