package maildir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
)

// A rename is a transaction over several files: the records of both names
// (and of every name forwarding to the old one), the agents, forward and
// sessions indices, and the maildir. It runs under the identity lock
// (index/identity.lock), which every rename and registration takes after
// the presence locks of the names involved, so that no other identity
// change sees it half done, and in this order:
//
//	intent      index/rename.json records what is about to happen
//	new-record  the record of the new name (restored from the intent on undo)
//	forward     forward.json gains old -> new: the point of no return
//	old-record  records agree with forward.json
//	agents      agents.json lists new instead of old
//	mailbox     the maildir of old moves to new
//	sessions    tokens of old act as new
//	doing       presence/<old>.doing becomes presence/<new>.doing
//	done        the intent is removed
//
// A failure or a crash before forward leaves the old identity as it was
// (the new name's record is put back); one after it is finished: every
// later step is idempotent. Whoever takes the identity lock next (a
// registration, a rename, Open, or the heartbeat of a running process)
// settles an intent left by a process that died.
type renameIntent struct {
	Old         string          `json:"old"`
	New         string          `json:"new"`
	At          time.Time       `json:"at"`
	Registered  time.Time       `json:"registered_at"`          // of the agent being renamed
	PriorTarget string          `json:"prior_target,omitempty"` // where the new name forwarded before
	Prior       json.RawMessage `json:"prior_record,omitempty"` // the new name's record before, if any
}

type renameTx struct {
	renameIntent
	newRec    agentRecord
	committed bool
}

const intentFile = "rename.json"

func (st *Store) intentPath() string { return filepath.Join(st.root, indexDir, intentFile) }

// renameStep is one step of a rename; steps after the commit are
// idempotent.
type renameStep struct {
	name string
	do   func(*Store, *renameTx) error
}

var (
	stepsBeforeCommit = []renameStep{
		{"intent", (*Store).writeIntent},
		{"new-record", func(st *Store, tx *renameTx) error { return st.writeRecord(tx.newRec) }},
	}
	stepCommit       = renameStep{"forward", (*Store).commitForward}
	stepsAfterCommit = []renameStep{
		{"old-record", (*Store).forwardOldRecord},
		{"agents", (*Store).renameAgent},
		{"mailbox", func(st *Store, tx *renameTx) error { return st.moveBox(tx.Old, tx.New) }},
		{"sessions", (*Store).renameSessions},
		{"doing", (*Store).moveDoing},
		{"done", func(st *Store, tx *renameTx) error { return removeIfExists(st.intentPath()) }},
	}
)

// renameSteps lists the steps of a rename in order.
func renameSteps() []renameStep {
	out := append([]renameStep{}, stepsBeforeCommit...)
	out = append(out, stepCommit)
	return append(out, stepsAfterCommit...)
}

// applyRename runs the steps of tx. On failure it undoes a rename that did
// not reach the commit and tries once to finish one that did; tx.committed
// says which.
func (st *Store) applyRename(tx *renameTx) error {
	for _, step := range renameSteps() {
		err := st.fault("rename:" + step.name)
		if err == nil {
			err = step.do(st, tx)
		}
		if err == nil {
			if step.name == stepCommit.name {
				tx.committed = true
			}
			continue
		}
		committed, cerr := st.renameCommitted(tx)
		if cerr != nil {
			// Whether forward.json was written is unknown: leave the intent
			// for the next identity change to settle.
			return errors.Join(err, cerr)
		}
		tx.committed = committed
		if committed {
			// Took effect: finishing once more is all that is left, and
			// when it works the rename succeeded.
			ferr := st.finishRename(tx)
			if ferr == nil {
				return nil
			}
			st.opts.Logf("maildir: rename %s to %s: %v; then finishing: %v", tx.Old, tx.New, err, ferr)
			return ferr
		}
		if uerr := st.undoRename(tx); uerr != nil {
			st.opts.Logf("maildir: rename %s to %s: undoing: %v (the next registration or rename retries)", tx.Old, tx.New, uerr)
		}
		return err
	}
	return nil
}

// fault is the test seam of the rename steps: nil in production.
func (st *Store) fault(step string) error {
	if st.faultHook == nil {
		return nil
	}
	return st.faultHook(step)
}

func (st *Store) writeIntent(tx *renameTx) error {
	b, err := json.MarshalIndent(tx.renameIntent, "", " ")
	if err != nil {
		return fmt.Errorf("encode rename intent: %w", err)
	}
	if err := durable.ReplaceFile(st.intentPath(), append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", st.intentPath(), err)
	}
	return durable.SyncDir(filepath.Dir(st.intentPath()))
}

// commitForward writes old -> new into forward.json in one atomic
// replacement: the new name is no longer a forwarding source, forwardings
// that pointed at it (when it had another owner) go to where it forwarded
// or end, and those that pointed at old point at new.
func (st *Store) commitForward(tx *renameTx) error {
	return st.forward.update(func(ix *forwardIndex) error {
		delete(*ix, tx.New)
		endForwardsTo(*ix, tx.New, tx.PriorTarget)
		for k, e := range *ix {
			if e.To == tx.Old {
				e.To = tx.New
				(*ix)[k] = e
			}
			if tx.At.Sub(e.At) >= ForwardFor {
				delete(*ix, k)
			}
		}
		(*ix)[tx.Old] = forwardEntry{To: tx.New, At: tx.At}
		return nil
	})
}

// renameCommitted reports whether forward.json holds the entry of tx.
func (st *Store) renameCommitted(tx *renameTx) (bool, error) {
	fw, err := st.forward.load()
	if err != nil {
		return false, err
	}
	e, ok := fw[tx.Old]
	return ok && e.To == tx.New && e.At.Equal(tx.At), nil
}

func (st *Store) forwardOldRecord(tx *renameTx) error {
	old := agentRecord{ID: tx.Old, Registered: tx.Registered, RenamedTo: tx.New, RenamedAt: tx.At}
	if err := st.writeRecord(old); err != nil {
		return err
	}
	return st.syncForwardRecords(tx.Old, tx.New)
}

func (st *Store) renameAgent(tx *renameTx) error {
	return st.agents.update(func(ix *agentsIndex) error {
		delete(*ix, tx.Old)
		(*ix)[tx.New] = tx.Registered
		return nil
	})
}

func (st *Store) renameSessions(tx *renameTx) error {
	return st.sessions.update(func(ix *sessionsIndex) error {
		changed := false
		for k, e := range *ix {
			if e.ID == tx.Old {
				e.ID = tx.New
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

// moveDoing gives what old said it was doing to the new name, in one
// rename of the file (replacing what a former holder of the new name left):
// a crash leaves it under one name or the other, never lost. It is
// idempotent: once moved, old has none and the new name's stays.
func (st *Store) moveDoing(tx *renameTx) error {
	err := os.Rename(st.doingPath(tx.Old), st.doingPath(tx.New))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// finishRename runs every step after the commit.
func (st *Store) finishRename(tx *renameTx) error {
	for _, step := range stepsAfterCommit {
		if err := step.do(st, tx); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	return nil
}

// undoRename puts back the new name's record and drops the intent.
func (st *Store) undoRename(tx *renameTx) error {
	path := st.recordPath(tx.New)
	var err error
	if len(tx.Prior) > 0 {
		err = durable.ReplaceFile(path, tx.Prior)
	} else {
		err = removeIfExists(path)
	}
	if err != nil {
		return err
	}
	return removeIfExists(st.intentPath())
}

// settleRename finishes or undoes a rename left part-way by a process that
// died. The caller holds the identity lock.
func (st *Store) settleRename() error {
	b, err := os.ReadFile(st.intentPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", st.intentPath(), err)
	}
	tx := &renameTx{}
	if err := json.Unmarshal(b, &tx.renameIntent); err != nil || !ValidID(tx.Old) || !ValidID(tx.New) {
		aside, rerr := setAside(st.intentPath())
		if rerr != nil {
			return rerr
		}
		st.opts.Logf("maildir: %s is corrupt (%v); moved aside to %s", st.intentPath(), err, aside)
		return nil
	}
	committed, err := st.renameCommitted(tx)
	if err != nil {
		return err
	}
	if committed {
		st.opts.Logf("maildir: finishing the rename of %s to %s left by a process that stopped", tx.Old, tx.New)
		return st.finishRename(tx)
	}
	st.opts.Logf("maildir: undoing the rename of %s to %s left by a process that stopped before it took effect", tx.Old, tx.New)
	return st.undoRename(tx)
}

// settleIfNeeded settles a rename left part-way, if there is one, taking
// the identity lock for it.
func (st *Store) settleIfNeeded() error {
	if _, err := os.Stat(st.intentPath()); err != nil {
		return nil
	}
	unlock, err := st.identity.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	return st.settleRename()
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
