package maildir

import (
	"context"
	"sort"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
)

// Agent describes a registered agent.
type Agent struct {
	ID         string
	Registered time.Time
	LastSeen   time.Time // last activity or heartbeat
	Online     bool      // a live process acts as it now
	Unread     int       // unread messages, as Unread counts them (unread.go)
	Urgent     int       // how many of them are urgent (by their names)
	Doing      string    // what it says it is doing (SetDoing), or ""
	DoingAt    time.Time // when it said so
}

// Agents lists every registered agent, sorted by id, with its last-seen
// time and whether it is online now: its presence lock is held by a live
// process, or, where locks do not cross an OS boundary, its heartbeat is
// fresh; with how many messages wait in its new/ (counted from the
// listing) and what it says it is doing (SetDoing).
func (st *Store) Agents(ctx context.Context) ([]Agent, error) {
	const op = OpList
	ix, err := st.agents.load()
	if err != nil {
		return nil, ioError(op, "", err)
	}
	out := make([]Agent, 0, len(ix))
	for id, reg := range ix {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a := Agent{ID: id, Registered: reg}
		if u, err := st.unreadOf(op, id); err == nil { // none yet: no mailbox
			a.Unread, a.Urgent = u.Count, u.Urgent
		}
		a.Doing, a.DoingAt = st.readDoing(id)
		rec, seen, ok, err := st.readRecord(id)
		if err != nil {
			return nil, ioError(op, id, err)
		}
		if ok {
			a.LastSeen = seen
			st.mu.Lock()
			_, mine := st.live[id]
			st.mu.Unlock()
			a.Online = mine || durable.HeldElsewhere(st.presenceLockPath(id)) || st.liveElsewhere(rec, seen)
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Name is what the mailbox knows of one name, for a caller that wants to
// know about it without acting as it (ipc whoami).
type Name struct {
	// Agent is the registered agent; Listed is false (and the times zero)
	// when the name is not registered.
	Agent
	Listed bool // registered: ipc list shows it
	// ForwardsTo is where the name's mail goes while a rename's forwarding
	// lasts ("" when it does not forward).
	ForwardsTo string
}

// Lookup reports what the mailbox knows of id: whether it is registered,
// online now and last seen (as Agents reports them), and where it
// forwards. It registers nothing. Errors: InvalidID, Internal.
func (st *Store) Lookup(ctx context.Context, id string) (Name, error) {
	const op = OpList
	if err := checkID(op, "instance id", id); err != nil {
		return Name{}, err
	}
	agents, err := st.Agents(ctx)
	if err != nil {
		return Name{}, err
	}
	n := Name{Agent: Agent{ID: id}}
	for _, a := range agents {
		if a.ID == id {
			n.Agent, n.Listed = a, true
		}
	}
	to, err := st.resolve(id)
	if err != nil {
		return n, ioError(op, id, err)
	}
	if to != id {
		n.ForwardsTo = to
	}
	return n, nil
}
