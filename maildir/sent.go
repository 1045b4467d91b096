package maildir

import "context"

// SentPage is one page of an agent's outbox, newest first.
type SentPage struct {
	Deliveries []Delivery
	Next       string
}

// Sent lists the messages the session's agent sent, newest first, each
// with what became of it.
func (s *Session) Sent(ctx context.Context, pg Page) (SentPage, error) {
	return SentPage{}, errorf(OpSent, Internal, s.ID(), "sent is not built yet")
}
