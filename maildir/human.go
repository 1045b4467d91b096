package maildir

import (
	"context"
	"strings"
)

// HumanID is the reserved identity of the human at the console: it sends
// from the web console's compose form, agents reply to it like to any
// agent, and no agent may register it. Mail to it lands in mail/human/ like
// any mailbox's, and ipc list shows it once a console has opened.
const HumanID = "human"

// reservedName refuses the names no agent may register or be renamed to:
// SystemID, the mailbox's own notice sender, and HumanID, the person at
// the console, in any case: "Human" would pass for the person to other
// agents, and on a filesystem that ignores case (macOS, Windows, /mnt/c)
// mail/Human is the human's own mailbox.
func reservedName(op Op, id string) error {
	switch {
	case strings.EqualFold(id, SystemID):
		return errorf(op, InvalidID, id, "%q is reserved for notices from the mailbox itself: choose another name", id)
	case strings.EqualFold(id, HumanID):
		return errorf(op, InvalidID, id, "%q is reserved for the person at the console (ipc web, ipc tail): choose another name", id)
	}
	return nil
}

// Human is a session acting as HumanID, for the consoles of this OS user:
// several may be open at once, in one process or several.
//
// It is JoinLocal's rule, not LoginLocal's: the first console takes the
// name as a person's command (joinable), and a console of another process
// of the same user on this machine acts beside it (a shared session)
// instead of being refused with InUse, as a second terminal of a person
// does. LoginLocal would let only one console in at a time. A second
// console of the same process gets a shared session beside the first
// rather than taking its presence over (Login's rule for one process),
// which would close the first console's session under it. A console of
// another OS user, or on another host, is still refused with InUse.
//
// Errors: as JoinLocal.
func (st *Store) Human(ctx context.Context) (*Session, error) {
	st.mu.Lock()
	holder := st.live[HumanID]
	st.mu.Unlock()
	if holder != nil && holder.begin(OpRegister) == nil {
		return &Session{st: st, id: HumanID, shared: true, touched: st.now()}, nil
	}
	return st.joinLocal(ctx, HumanID, true)
}
