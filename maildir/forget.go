package maildir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
)

// Forgetting a name: an agent that will never come back (a typo in IPC_ID,
// a retired helper) leaves the registry.

// ForgetOptions says how Forget forgets a name.
type ForgetOptions struct {
	// Caller is the identity of whoever asks ("" for nobody): a caller
	// cannot forget itself.
	Caller string
	// RemoveMail removes the name's maildir (read and unread mail, the
	// delivery records of its mail and of what it sent) as well. Without
	// it the maildir stays where it is: the name, registered again,
	// finds its mail, and mail sent to it meanwhile is queued there.
	RemoveMail bool
}

// ForgetResult describes what Forget removed.
type ForgetResult struct {
	ID string
	// Registered reports that the name was registered (listed by Agents).
	Registered bool
	// Forwards lists the forwardings that ended: the old names that
	// forwarded to the name, and the name itself when it forwarded
	// elsewhere.
	Forwards []string
	// Tokens is how many session tokens of the name were revoked.
	Tokens int
	// Mailbox is the name's maildir: kept there, or removed (MailRemoved).
	Mailbox     string
	MailRemoved bool
}

// Forget removes id from the registry: its presence record, its entry in
// the agents index, every forwarding to it or from it (the old names that
// forwarded to it are free again), and its session tokens. Its mail stays
// in its maildir unless opt.RemoveMail; the empty lock file
// presence/<id>.lock stays too (a lock file is never removed while it
// could be held).
//
// Like a registration it tries the presence lock of id, never waiting,
// and then takes the identity lock, so a registration of id racing a
// Forget either comes first (and the Forget is refused, or forgets a
// session that has ended) or comes after and registers the name anew.
//
// Errors: InvalidID; BadRequest for the caller's own name; InUse for a
// name a live session holds (in any process, this one included); NotFound
// for a name the mailbox does not know; NoSpace, Internal.
func (st *Store) Forget(ctx context.Context, id string, opt ForgetOptions) (ForgetResult, error) {
	const op = OpForget
	if err := checkID(op, "instance id", id); err != nil {
		return ForgetResult{}, err
	}
	if id == opt.Caller {
		return ForgetResult{}, errorf(op, BadRequest, id,
			"you act as %s: forget removes another name; act as someone else to forget %s", id, id)
	}
	if st.closed.Load() {
		return ForgetResult{}, errorf(op, SessionClosed, id, "the mailbox is closed")
	}
	if err := ctx.Err(); err != nil {
		return ForgetResult{}, err
	}
	st.mu.Lock()
	_, mine := st.live[id]
	st.mu.Unlock()
	if mine {
		return ForgetResult{}, st.inUseError(op, id)
	}
	hold, ok, err := durable.TryHold(st.presenceLockPath(id), 50*time.Millisecond)
	if err != nil {
		return ForgetResult{}, ioError(op, id, err)
	}
	if !ok {
		return ForgetResult{}, st.inUseError(op, id)
	}
	defer hold.Release()
	unlock, err := st.identity.Lock()
	if err != nil {
		return ForgetResult{}, ioError(op, id, err)
	}
	defer unlock()
	res, err := st.forget(op, id, opt)
	if err != nil {
		return res, ioError(op, id, err)
	}
	return res, nil
}

// forget is Forget with the presence lock of id and the identity lock
// held.
func (st *Store) forget(op Op, id string, opt ForgetOptions) (ForgetResult, error) {
	res := ForgetResult{ID: id, Mailbox: st.boxPath(id)}
	if err := st.settleRename(); err != nil {
		return res, err
	}
	rec, seen, known, err := st.readRecord(id)
	if err != nil {
		return res, err
	}
	if known && st.liveElsewhere(rec, seen) {
		return res, st.inUseError(op, id)
	}
	agents, err := st.agents.load()
	if err != nil {
		return res, err
	}
	_, res.Registered = agents[id]
	fw, err := st.forward.load()
	if err != nil {
		return res, err
	}
	for old, e := range fw {
		if old == id || e.To == id {
			res.Forwards = append(res.Forwards, old)
		}
	}
	_, boxErr := os.Stat(res.Mailbox)
	hasBox := boxErr == nil
	if !known && !res.Registered && len(res.Forwards) == 0 && !(opt.RemoveMail && hasBox) {
		if hasBox {
			return res, errorf(op, NotFound, id, "%s is not registered; mail queued for it stays in %s (forget --mail removes it)", id, res.Mailbox)
		}
		return res, errorf(op, NotFound, id, "no agent named %s: ipc list shows the registered names", id)
	}

	// Index entries first, then the records they are rebuilt from, so that
	// a failure part-way leaves records that rebuild the name (the next
	// Forget finishes the job) rather than indices naming a missing record.
	if err := st.agents.update(func(ix *agentsIndex) error {
		if _, ok := (*ix)[id]; !ok {
			return errSkipWrite
		}
		delete(*ix, id)
		return nil
	}); err != nil {
		return res, err
	}
	if err := st.forward.update(func(ix *forwardIndex) error {
		n := len(*ix)
		delete(*ix, id)
		endForwardsTo(*ix, id, "")
		if len(*ix) == n {
			return errSkipWrite
		}
		return nil
	}); err != nil {
		return res, err
	}
	if err := st.syncForwardRecords(id); err != nil {
		return res, err
	}
	if err := st.sessions.update(func(ix *sessionsIndex) error {
		n := len(*ix)
		for k, e := range *ix {
			if e.ID == id {
				delete(*ix, k)
				if e.Revoked.IsZero() {
					res.Tokens++
				}
			}
		}
		if len(*ix) == n {
			return errSkipWrite
		}
		return nil
	}); err != nil {
		return res, err
	}
	if err := removeIfExists(st.recordPath(id)); err != nil {
		return res, err
	}
	_ = removeIfExists(st.doingPath(id))
	if opt.RemoveMail && hasBox {
		st.forgetBox(id)
		if err := os.RemoveAll(res.Mailbox); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("remove the mailbox of %s: %w", id, err)
		}
		res.MailRemoved = true
	}
	return res, nil
}
