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
}

// Agents lists every registered agent, sorted by id, with its last-seen
// time and whether it is online now: its presence lock is held by a live
// process, or, where locks do not cross an OS boundary, its heartbeat is
// fresh.
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
