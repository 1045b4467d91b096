package maildir

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
)

// Session is one identity acting on the mailbox. Identity is fixed at login
// (and changed only by Rename): no method takes a sender argument.
type Session struct {
	st *Store

	mu        sync.Mutex
	id        string
	hold      *durable.Hold // nil for a shared session
	shared    bool          // acts beside the process holding the name (join.go)
	closed    bool
	rate      bucket
	touched   time.Time
	tokenHash string
	expires   time.Time // zero: no token, no expiry
	refreshed time.Time
}

// Login makes this process act as id. proof is required in secure mode
// (see Proof). A name held by a live session of another process is refused
// with InUse; a name this process already acts as is taken over by the new
// session (the old one is closed). Other errors: Invalid, Denied,
// RateLimited (100 registrations of one name per minute), NoSpace, Internal.
func (st *Store) Login(ctx context.Context, id, proof string) (*Session, error) {
	return st.login(id, proof, false)
}

// login is Login; joinable records that a command of a person holds the
// name, which another such command may join (join.go).
func (st *Store) login(id, proof string, joinable bool) (*Session, error) {
	return st.loginAs(id, proof, joinable, false)
}

// loginAs is login; human lets the reserved HumanID in (Store.Human only).
func (st *Store) loginAs(id, proof string, joinable, human bool) (*Session, error) {
	const op = OpRegister
	if err := checkID(op, "instance id", id); err != nil {
		return nil, err
	}
	if err := reservedName(op, id); err != nil && !(human && id == HumanID) {
		return nil, err
	}
	if !st.allowRegister(id, st.now()) {
		return nil, errorf(op, RateLimited, id, "too many registration attempts for %s: wait a minute", id)
	}
	if !st.checkProof(id, proof) {
		return nil, errorf(op, Denied, id, "invalid auth token: secure mode needs sha256(\"<id>:<IPC_SHARED_SECRET>\") in hex")
	}
	return st.acquire(op, id, joinable)
}

// acquire takes the presence of id for a new session of this process and
// records it as registered. Like a rename it holds the presence lock of id
// and then the identity lock while it checks and writes, so that a rename
// onto id and a registration of id never both win. A name that forwards
// (it was renamed) is refused with Forwarded until its forwarding ends; a
// name taken by a new owner leaves every forwarding chain.
func (st *Store) acquire(op Op, id string, joinable bool) (*Session, error) {
	if st.closed.Load() {
		return nil, errorf(op, SessionClosed, id, "the mailbox is closed")
	}
	st.mu.Lock()
	prev := st.live[id]
	st.mu.Unlock()
	var hold *durable.Hold
	if prev != nil {
		hold = prev.detach(id)
	}
	if hold == nil {
		h, ok, err := durable.TryHold(st.presenceLockPath(id), 50*time.Millisecond)
		if err != nil {
			return nil, ioError(op, id, err)
		}
		if !ok {
			return nil, st.inUseError(op, id)
		}
		hold = h
	}
	unlock, err := st.identity.Lock()
	if err != nil {
		hold.Release()
		return nil, ioError(op, id, err)
	}
	rec, err := st.register(op, id, prev != nil, joinable)
	unlock()
	if err != nil {
		hold.Release()
		return nil, ioError(op, id, err)
	}
	s := &Session{st: st, id: id, hold: hold, touched: rec.Since}
	if prev != nil {
		s.rate = prev.rate
	} else if !rec.RateAt.IsZero() {
		s.rate = bucket{tokens: rec.RateTokens, at: rec.RateAt}
	}
	st.mu.Lock()
	st.live[id] = s
	st.mu.Unlock()
	return s, nil
}

// register checks that this process may take id and records it as the
// holder. The caller holds the presence lock of id and the identity lock;
// mine says that this process already acted as id; joinable that the new
// holder is a person's command (join.go).
func (st *Store) register(op Op, id string, mine, joinable bool) (agentRecord, error) {
	if err := st.settleRename(); err != nil {
		return agentRecord{}, err
	}
	rec, seen, known, err := st.readRecord(id)
	if err != nil {
		return rec, err
	}
	if known && !mine && st.liveElsewhere(rec, seen) {
		return rec, st.inUseError(op, id)
	}
	now := st.now()
	if err := st.refuseForwarded(op, id, "", now); err != nil {
		return rec, err
	}
	newOwner := !known || rec.RenamedTo != ""
	priorTarget := rec.RenamedTo
	if newOwner {
		rec = agentRecord{ID: id, Registered: now, NamedAt: rec.NamedAt}
	}
	rec.PID, rec.Host, rec.Nonce, rec.Since, rec.Joinable = st.pid, st.host, st.nonce, now, joinable
	if err := st.writeRecord(rec); err != nil {
		return rec, err
	}
	err = st.agents.update(func(ix *agentsIndex) error {
		if _, ok := (*ix)[id]; ok {
			return errSkipWrite
		}
		(*ix)[id] = rec.Registered
		return nil
	})
	if err == nil {
		err = st.forward.update(func(ix *forwardIndex) error {
			_, source := (*ix)[id]
			inbound := false
			for _, e := range *ix {
				inbound = inbound || e.To == id
			}
			if !source && !(newOwner && inbound) {
				return errSkipWrite
			}
			delete(*ix, id) // a registered name is no longer forwarded
			if newOwner {
				endForwardsTo(*ix, id, priorTarget)
			}
			return nil
		})
	}
	if err == nil && newOwner {
		err = st.syncForwardRecords(id)
	}
	if err == nil {
		err = st.ensureBox(id)
	}
	return rec, err
}

func (st *Store) inUseError(op Op, id string) error {
	rec, seen, _, _ := st.readRecord(id)
	detail := ""
	if rec.PID != 0 {
		detail = fmt.Sprintf(" (pid %d on %s, seen %s ago)", rec.PID, rec.Host, st.now().Sub(seen).Round(time.Second))
	}
	return errorf(op, InUse, id, "%s is in use by a live session of another process%s: choose another name, or stop that process", id, detail)
}

// detach hands the presence lock of a session replaced within this process
// to its successor and closes the session without releasing the lock.
func (s *Session) detach(id string) *durable.Hold {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.id != id {
		return nil // closed, or renamed away from id meanwhile
	}
	s.closed = true
	h := s.hold
	s.hold = nil
	return h
}

// ID returns the identity the session acts as.
func (s *Session) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// begin checks that the session may act and records activity.
func (s *Session) begin(op Op) error {
	now := s.st.now()
	s.mu.Lock()
	if s.closed || (s.shared && s.st.closed.Load()) {
		id := s.id
		s.mu.Unlock()
		return errorf(op, SessionClosed, id, "this session has ended (another registration replaced it, or it was closed): register again")
	}
	if !s.expires.IsZero() && now.After(s.expires) {
		id := s.id
		s.mu.Unlock()
		return errorf(op, TokenExpired, id, "session expired: register again with the same instance id to recover your mailbox")
	}
	touch := !s.shared && now.Sub(s.touched) >= time.Second
	if touch {
		s.touched = now
	}
	id := s.id
	s.mu.Unlock()
	if touch {
		s.st.touch(id)
	}
	s.refreshToken(now)
	return nil
}

// Close ends the session: the identity goes offline and its name may be
// taken by another process. Closing a shared session (JoinLocal) leaves the
// holder as it was. It is idempotent.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	id, hold, rate := s.id, s.hold, s.rate
	s.hold = nil
	s.mu.Unlock()
	if s.shared {
		return nil // the holder's record and presence are its own
	}

	st := s.st
	st.mu.Lock()
	if st.live[id] == s {
		delete(st.live, id)
	}
	st.mu.Unlock()
	var err error
	if rec, _, ok, rerr := st.readRecord(id); rerr == nil && ok && rec.Nonce == st.nonce {
		rec.PID, rec.Host, rec.Nonce, rec.Joinable = 0, "", "", false
		rec.RateTokens, rec.RateAt = rate.tokens, rate.at
		err = st.writeRecord(rec)
	}
	hold.Release()
	return err
}

// allow applies the send rate limit to n messages.
func (s *Session) allow(op Op, n int) error {
	s.mu.Lock()
	ok, wait := s.rate.take(s.st.now(), float64(n), s.st.opts.RateBurst, s.st.opts.RatePerSecond)
	id := s.id
	s.mu.Unlock()
	if ok {
		return nil
	}
	return errorf(op, RateLimited, id, "rate limit exceeded: wait %s before sending more (limits: IPC_RATE_BURST, IPC_RATE_PER_SEC)", wait.Round(time.Millisecond)+time.Millisecond)
}
