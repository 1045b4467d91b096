package maildir

import (
	"context"

	"github.com/ipc-dev/ipc/internal/text"
)

// Reply sends p as an answer to message msgID, one the session's agent
// received or sent (for the human, any message: Store.mine), in that
// message's thread (converse: In-Reply-To,
// References, X-IPC-Thread, and its subject with "Re: " when p gives
// none). Who gets it is the rule every door shares:
//
//   - a message the agent received is answered to its sender; a broadcast
//     too, to its sender only; so is mail between two agents the human
//     answers;
//   - a message the agent sent is answered to its recipient, at the
//     address the agent used (forwarding takes it on from there);
//   - a notice of the mailbox itself (from SystemID) has nobody to answer:
//     BadRequest.
//
// p.ReplyTo is set to msgID. Errors: as SendPayload, NotFound (no such
// message of the agent's), BadRequest (a notice, or a sender that is not
// an agent's name, as in a file written by hand).
func (s *Session) Reply(ctx context.Context, msgID string, p Payload) (SendResult, error) {
	const op = OpReply
	if err := s.begin(op); err != nil {
		return SendResult{}, err
	}
	to, err := s.st.replyAddress(op, s.ID(), msgID)
	if err != nil {
		return SendResult{}, err
	}
	p.ReplyTo = msgID
	return s.sendPayload(op, to, p)
}

// replyAddress is who an answer to message msgID of agent me goes to.
func (st *Store) replyAddress(op Op, me, msgID string) (string, error) {
	orig, err := st.mine(op, me, msgID)
	if err != nil {
		return "", err
	}
	if rec, ok := st.readSent(me, msgID); ok {
		if rec.Requested != "" {
			return rec.Requested, nil
		}
		return rec.To, nil
	}
	switch {
	case orig.From == SystemID || orig.Kind == KindSystem:
		return "", errorf(op, BadRequest, me, "message %s is a notice from the mailbox itself: it cannot be replied to", text.Cut(msgID, 80))
	case !ValidID(orig.From):
		return "", errorf(op, BadRequest, me, "message %s has no sender to reply to (its From is %q)", text.Cut(msgID, 80), text.Cut(orig.From, 40))
	}
	return orig.From, nil
}
