package maildir

import "context"

// Reply sends p to the sender of message msgID (to its recipient when the
// session's agent sent it), in its thread, with its subject and "Re: ".
func (s *Session) Reply(ctx context.Context, msgID string, p Payload) (SendResult, error) {
	return SendResult{}, errorf(OpReply, Internal, s.ID(), "reply is not built yet")
}
