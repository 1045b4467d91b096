package maildir

import (
	"context"
)

// Reading mail without acting as its owner.
//
// A Claude Code hook runs as a short process beside the long-lived
// "ipc mcp" that acts as the same identity and holds its presence, so it
// cannot Login (the name is InUse). An Inbox gives such a process the
// mailbox of one identity without taking presence: it can count, peek at
// and claim unread mail, and wait for new mail.
//
// This is safe because reading never depended on presence: a message is
// claimed by renaming it from new/ to cur/, and exactly one claimer wins
// that rename whichever process it runs in. Mail claimed through an Inbox
// is therefore delivered exactly once even while a Session of the same
// identity checks at the same moment. An Inbox does not register the name,
// touch its presence, refresh its last-seen time or change whether it is
// online, and it sends nothing.

// Inbox is access to the mail of one identity by a process that does not
// act as it. It follows forwarding, so an Inbox of a name that was renamed
// reads the new name's mail while the forwarding lasts.
type Inbox struct {
	st *Store
	id string
}

// Inbox returns the mailbox of id for a process that does not hold id's
// presence. proof is checked as Login checks it: in secure mode it must be
// Proof(id, secret). Errors: Invalid, Denied.
func (st *Store) Inbox(id, proof string) (*Inbox, error) {
	const op = OpInbox
	if err := checkID(op, "instance id", id); err != nil {
		return nil, err
	}
	if id == SystemID {
		return nil, errorf(op, InvalidID, id, "%q has no mailbox", id)
	}
	if !st.checkProof(id, proof) {
		return nil, errorf(op, Denied, id, "invalid auth token: secure mode needs sha256(\"<id>:<IPC_SHARED_SECRET>\") in hex")
	}
	return &Inbox{st: st, id: id}, nil
}

// ID returns the name the Inbox was opened for.
func (b *Inbox) ID() string { return b.id }

// box returns the address whose maildir holds the mail of b now.
func (b *Inbox) box(op Op) (string, error) {
	to, err := b.st.resolve(b.id)
	if err != nil {
		return "", ioError(op, b.id, err)
	}
	return to, nil
}

// Unread counts unread messages and names their senders without marking
// anything read.
func (b *Inbox) Unread(ctx context.Context) (Unread, error) {
	const op = OpUnread
	id, err := b.box(op)
	if err != nil {
		return Unread{}, err
	}
	return b.st.unread(op, id)
}

// Peek returns up to max unread messages (max <= 0: all) in arrival order
// without marking them read.
func (b *Inbox) Peek(ctx context.Context, max int) ([]Message, error) {
	const op = OpPeek
	id, err := b.box(op)
	if err != nil {
		return nil, err
	}
	return b.st.peek(ctx, op, id, max)
}

// Check claims unread messages as Session.Check does: each is returned to
// exactly one checker, in whatever process, and stays on disk as read.
// Errors: Internal.
func (b *Inbox) Check(ctx context.Context, opt CheckOptions) (CheckResult, error) {
	id, err := b.box("check")
	if err != nil {
		return CheckResult{}, err
	}
	return b.st.check(ctx, id, opt)
}

// WaitNew blocks until the mailbox holds an unread message whose id is not
// in seen, or ctx ends (then it returns ctx.Err()). Unlike Session.Wait it
// does not return for mail that was already waiting, so a caller that
// announces mail can wait for the next arrival without spinning. It is
// woken by the watcher, never by sleeping.
func (b *Inbox) WaitNew(ctx context.Context, seen map[string]bool) error {
	id, err := b.box("wait")
	if err != nil {
		return err
	}
	return b.st.waitNew(ctx, id, seen, func() bool { return true })
}

// Wait blocks until the mailbox holds unread mail or ctx ends, as
// Session.Wait does: woken by the watcher, never by sleeping; an entry that
// is not mail is moved aside and does not end it. It returns ctx.Err()
// when ctx ends first.
func (b *Inbox) Wait(ctx context.Context) error { return b.WaitNew(ctx, nil) }

// Peek returns up to max unread messages of the session (max <= 0: all) in
// arrival order without marking them read. Errors: Closed, Expired,
// Internal.
func (s *Session) Peek(ctx context.Context, max int) ([]Message, error) {
	const op = OpPeek
	if err := s.begin(op); err != nil {
		return nil, err
	}
	return s.st.peek(ctx, op, s.ID(), max)
}

// WaitNew blocks until the session has an unread message whose id is not
// in seen, or ctx ends (then it returns ctx.Err()). Unlike Wait it does not
// return for mail that was already waiting: a door that announces new mail
// (an MCP channel notification) waits with the ids it has announced. It
// returns early when it is woken after the session was renamed; a caller
// that renames the session should still cancel ctx and wait again, since
// the rename moves the watched directory. Errors: Closed, Expired, Internal.
func (s *Session) WaitNew(ctx context.Context, seen map[string]bool) error {
	const op = OpWait
	if err := s.begin(op); err != nil {
		return err
	}
	id := s.ID()
	return s.st.waitNew(ctx, id, seen, func() bool { return s.ID() == id })
}

// peek reads the unread messages of the maildir of id, oldest first,
// without claiming them.
func (st *Store) peek(ctx context.Context, op Op, id string, max int) ([]Message, error) {
	st.sweepAliases(id)
	dir := st.boxPath(id, dirNew)
	names, err := listDir(dir)
	if err != nil {
		return nil, ioError(op, id, err)
	}
	names = st.stuck.usable(dir, names)
	sortArrival(names)
	var out []Message
	for _, n := range names {
		if max > 0 && len(out) >= max {
			break
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		m, ok, err := st.readEntry(id, dirNew, n, nil)
		if err != nil {
			return out, ioError(op, id, err)
		}
		if ok { // else claimed meanwhile, or not a message and moved aside
			out = append(out, m)
		}
	}
	return out, nil
}

// waitNew waits until new/ of id holds a name not in seen. still reports
// whether the waiter still acts as id; when it does not, waitNew returns
// so that the caller starts again under its new name.
func (st *Store) waitNew(ctx context.Context, id string, seen map[string]bool, still func() bool) error {
	const op = OpWait
	dir := st.boxPath(id, dirNew)
	ch, cancel, err := st.subscribe(dir) // before listing: nothing lands unseen
	if err != nil {
		return ioError(op, id, err)
	}
	defer cancel()
	for {
		names, err := listDir(dir)
		if err != nil {
			return ioError(op, id, err)
		}
		var unseen []string
		for _, n := range names {
			if !seen[baseID(n)] {
				unseen = append(unseen, n)
			}
		}
		if st.hasMail(id, unseen) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !still() {
			return nil
		}
	}
}
