package maildir

import (
	"context"
	"time"
)

// The overseer's view: what the human watching the agents sees in ipc web
// and ipc tail --all. It reads every mailbox and never claims, marks or
// moves a message: reading through it is never reading on an agent's
// behalf.

// HumanID is the reserved identity of the human at the console: it sends
// from the web console's compose form, agents reply to it like to any
// agent, and no agent may register it.
const HumanID = "human"

// Human is a session acting as HumanID, shared by every console of this
// OS user (several may be open at once).
func (st *Store) Human(ctx context.Context) (*Session, error) {
	return nil, errorf(OpRegister, Internal, HumanID, "the human identity is not built yet")
}

// TrafficQuery selects the traffic a follower sees.
type TrafficQuery struct {
	Boxes   []string  // the mailboxes whose mail (received and sent) is followed; nil: every mailbox
	From    string    // only mail from this agent
	Thread  string    // only this conversation (any message id of it)
	Since   time.Time // the backlog starts here; zero: Backlog decides
	Backlog int       // how many of the latest messages come first (0: none)
}

// Traffic calls fn with each message of the backlog, oldest first, then
// with every message as it lands, until ctx ends or fn returns an error.
// It is woken by the watcher, never claims, and sees each message once
// even when a reader claims it at once.
func (st *Store) Traffic(ctx context.Context, q TrafficQuery, fn func(Message) error) error {
	return errorf(OpWait, Internal, "", "traffic is not built yet")
}

// Timeline says what became of any message of the mailbox, by id, for the
// overseer: the same Delivery its sender's status gives.
func (st *Store) Timeline(ctx context.Context, msgID string) (Delivery, Message, error) {
	return Delivery{}, Message{}, errorf(OpStatus, Internal, "", "timeline is not built yet")
}

// SearchAll is Search over every mailbox, for the overseer.
func (st *Store) SearchAll(ctx context.Context, q SearchQuery) (SearchResult, error) {
	return SearchResult{}, errorf(OpSearch, Internal, "", "search of every mailbox is not built yet")
}

// ThreadAll is Thread over every mailbox, for the overseer.
func (st *Store) ThreadAll(ctx context.Context, msgID string, pg Page) (MessagePage, error) {
	return MessagePage{}, errorf(OpThread, Internal, "", "thread of every mailbox is not built yet")
}

// SetDoing records what the session's agent says it is doing (one line,
// shown beside it in ipc list and the console); "" clears it.
func (s *Session) SetDoing(ctx context.Context, doing string) error {
	return errorf(OpList, Internal, s.ID(), "doing is not built yet")
}
