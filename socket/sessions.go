package socket

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// sessionTable holds the sessions the server acts as, by token. A legacy
// client comes back on a new connection with its token each time; the
// session stays open between its requests (so the identity is online and
// its name held) until it has been idle for the configured time, then it
// is closed and a later request resumes it from the token (Store.Resume).
//
// A session bound to an open fast-path connection is attached: it is never
// closed for idleness, and another connection cannot take its name over by
// registering it (in_use), as with a live session of another process. A
// session that is not attached is let go when another process of the
// mailbox owner asks for its name (release).
type sessionTable struct {
	st   *maildir.Store
	idle time.Duration
	now  func() time.Time

	mu       sync.Mutex
	byToken  map[[32]byte]*entry
	released map[string]time.Time // names let go (release), until when they stay away from legacy clients
}

// releaseHold is how long a name released to another process stays away
// from this server's legacy clients: long enough for the process that
// asked to take it, so that a script polling in a loop cannot snatch it
// back first. After it, the core's presence decides (in_use while the
// other process runs).
const releaseHold = 2 * time.Second

// entry is one session of the table.
type entry struct {
	s        *maildir.Session
	key      [32]byte
	refs     int // requests in flight + attached connections
	attached int // fast-path connections bound to it
	lastUse  time.Time
}

func newSessionTable(st *maildir.Store, idle time.Duration) *sessionTable {
	return &sessionTable{st: st, idle: idle, now: time.Now, byToken: make(map[[32]byte]*entry)}
}

func tokenKey(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// add records a session just registered with token and returns it
// acquired (the caller releases it).
func (t *sessionTable) add(token string, s *maildir.Session) *entry {
	e := &entry{s: s, key: tokenKey(token), refs: 1}
	t.mu.Lock()
	t.byToken[e.key] = e
	t.mu.Unlock()
	return e
}

// acquire returns the session of token for one request, resuming it from
// the core if the table does not hold it. Errors are the core's: BadToken,
// Expired, InUse.
func (t *sessionTable) acquire(ctx context.Context, token string) (*entry, error) {
	if token == "" {
		return nil, &maildir.Error{Op: "resume", Kind: maildir.InvalidToken, Msg: msgBadToken}
	}
	key := tokenKey(token)
	t.mu.Lock()
	if e := t.byToken[key]; e != nil {
		e.refs++
		t.mu.Unlock()
		return e, nil
	}
	t.mu.Unlock()
	s, err := t.st.Resume(ctx, token)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.heldOff(s); err != nil {
		return nil, err
	}
	e := t.byToken[key]
	if e == nil || e.s != s {
		e = &entry{s: s, key: key}
		t.byToken[key] = e
	}
	e.refs++
	return e, nil
}

// release ends one use of e.
func (t *sessionTable) release(e *entry) {
	t.mu.Lock()
	e.refs--
	e.lastUse = t.now()
	t.mu.Unlock()
}

// use acquires e again for one request.
func (t *sessionTable) use(e *entry) {
	t.mu.Lock()
	e.refs++
	t.mu.Unlock()
}

// attach binds e to a fast-path connection (until detach).
func (t *sessionTable) attach(e *entry) {
	t.mu.Lock()
	e.refs++
	e.attached++
	t.mu.Unlock()
}

func (t *sessionTable) detach(e *entry) {
	t.mu.Lock()
	e.refs--
	e.attached--
	e.lastUse = t.now()
	t.mu.Unlock()
}

// evict forgets e after its session was found closed (replaced by a new
// registration of the same name), so the next request resumes by token.
func (t *sessionTable) evict(e *entry) {
	t.mu.Lock()
	if t.byToken[e.key] == e {
		delete(t.byToken, e.key)
	}
	t.mu.Unlock()
}

// attachedElsewhere reports whether id is acted as by a session attached
// to a connection other than the one holding mine (nil: none).
func (t *sessionTable) attachedElsewhere(id string, mine *entry) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range t.byToken {
		if e.attached > 0 && e != mine && e.s.ID() == id {
			return true
		}
	}
	return false
}

// How letGo found a name.
type holding int

const (
	heldNot      holding = iota // the table holds no session of the name
	heldReleased                // its idle sessions were closed
	heldAttached                // bound to a fast-path connection: kept
	heldBusy                    // a request is using it: kept
)

// letGo closes the sessions of id that only wait for a legacy client's
// next request, so that another process can take the name; their tokens
// resume them later. Sessions bound to a connection or in use are kept.
func (t *sessionTable) letGo(id string) holding {
	t.mu.Lock()
	defer t.mu.Unlock()
	var mine []*entry
	for _, e := range t.byToken {
		if e.s.ID() != id {
			continue
		}
		switch {
		case e.attached > 0:
			return heldAttached
		case e.refs > 0:
			return heldBusy
		}
		mine = append(mine, e)
	}
	if len(mine) == 0 {
		return heldNot
	}
	for _, e := range mine {
		delete(t.byToken, e.key)
		e.s.Close()
	}
	if t.released == nil {
		t.released = make(map[string]time.Time)
	}
	t.released[id] = t.now().Add(releaseHold)
	return heldReleased
}

// heldOff refuses s, just resumed for a legacy client, while its name is
// being handed to the process that asked for it, and closes it again, so
// that the name is free. A session the table holds for another token (a
// registration since) is left alone. Called with t.mu held.
func (t *sessionTable) heldOff(s *maildir.Session) error {
	id := s.ID()
	until, ok := t.released[id]
	if !ok {
		return nil
	}
	now := t.now()
	for k, until := range t.released {
		if !now.Before(until) {
			delete(t.released, k)
		}
	}
	if !now.Before(until) {
		return nil
	}
	for _, e := range t.byToken {
		if e.s == s {
			return nil
		}
	}
	s.Close()
	return &maildir.Error{Op: "resume", Kind: maildir.InUse, Agent: id,
		Msg: id + " was just handed to another process of its user, which asked for it (the CLI): try again in a moment"}
}

// registered forgets that id was released: a registration takes it openly.
func (t *sessionTable) registered(id string) {
	t.mu.Lock()
	delete(t.released, id)
	t.mu.Unlock()
}

// reap closes the sessions idle for longer than the idle time. Closing
// happens under the table lock, so no request can pick a session up while
// it is being closed.
func (t *sessionTable) reap() {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, e := range t.byToken {
		if e.refs == 0 && now.Sub(e.lastUse) >= t.idle {
			delete(t.byToken, k)
			e.s.Close()
		}
	}
}

// closeAll closes every session (at shutdown, once no request is running).
func (t *sessionTable) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, e := range t.byToken {
		delete(t.byToken, k)
		e.s.Close()
	}
}
