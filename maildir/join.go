package maildir

import (
	"context"
)

// One person, several terminals, one name.
//
// Presence keeps two agents from both being carol: a name held by a live
// session of another process is refused with InUse (Login). That rule is
// about agents, processes that each believe they are carol, and it also
// keeps one agent's mistake (its shell running "ipc check --as bob") out
// of another's mail. It must not stop the person who runs "ipc watch" as
// carol in one terminal from replying as carol in a second one.
//
// JoinLocal is the login of a person's command (the CLI). Where the name
// is free it is LoginLocal, and it records that a person's command holds
// the name (joinable). Where the name is held by such a command, in a live
// process of the same OS user on this machine, it returns a shared
// session: one that acts as the name beside its holder without taking its
// presence. A shared session may send, broadcast, share, check, wait, read
// history and status, and acknowledge. Claiming stays exactly-once, because
// a message is claimed by the atomic rename from new/ to cur/ whichever
// process wins it, as for an Inbox. A shared session may not rename the
// name or be given a token: those change who the name is, which is its
// holder's business (InUse). It does not touch the holder's record, its
// last-seen time, or whether it is online, and closing it leaves the
// holder as it was.
//
// Only a process trusted with the mailbox's secret joins (the proof is
// checked as LoginLocal checks it), and only a holder that is provably
// this user's command on this machine is joined: its record says joinable,
// names this host and a live pid, and the record file belongs to this
// user. A name held by an agent (ipc mcp, the hook, a client of the socket
// door), by a process on another host, or by one that is not alive, still
// yields InUse, to commands and agents alike.

// JoinLocal is LoginLocal for a person's command: where another command of
// this OS user on this machine holds id, it returns a shared session
// instead of InUse (see above). Errors: as LoginLocal.
func (st *Store) JoinLocal(ctx context.Context, id string) (*Session, error) {
	return st.joinLocal(ctx, id, false)
}

// joinLocal is JoinLocal; human lets the reserved HumanID in (Store.Human).
func (st *Store) joinLocal(ctx context.Context, id string, human bool) (*Session, error) {
	s, err := st.loginAs(id, Proof(id, st.opts.Secret), true, human)
	if KindOf(err) != InUse {
		return s, err
	}
	rec, _, known, rerr := st.readRecord(id)
	if rerr != nil || !known || !rec.Joinable || !st.heldHereByThisUser(rec) {
		return nil, err
	}
	s = &Session{st: st, id: id, shared: true, touched: st.now()}
	if !rec.RateAt.IsZero() {
		s.rate = bucket{tokens: rec.RateTokens, at: rec.RateAt}
	}
	return s, nil
}

// heldHereByThisUser reports whether r names a live holder on this host
// whose record file belongs to the user of this process.
func (st *Store) heldHereByThisUser(r agentRecord) bool {
	return r.PID != 0 && r.Nonce != "" && r.Host == st.host && pidAlive(r.PID) && ownedByThisUser(st.recordPath(r.ID))
}

// Shared reports whether the session acts as its name beside the process
// that holds it (JoinLocal), rather than holding it.
func (s *Session) Shared() bool { return s.shared }

// refuseShared refuses op to a shared session: changing who the name is
// belongs to the process that holds it.
func (s *Session) refuseShared(op Op) error {
	if !s.shared {
		return nil
	}
	id := s.ID()
	return errorf(op, InUse, id, "%s is held by another command of yours (an ipc watch, say); this one acts beside it and may send and read as %s, but only that command may do this: run it there, or stop that command first", id, id)
}
