package maildir

import "context"

// Thread returns the conversation message msgID belongs to, oldest first,
// across the mail the session's agent sent and received, read and unread,
// without changing any message's state.
func (s *Session) Thread(ctx context.Context, msgID string, pg Page) (MessagePage, error) {
	return MessagePage{}, errorf(OpThread, Internal, s.ID(), "thread is not built yet")
}
