package maildir

import (
	"context"
	"strings"
)

// SentPage is one page of an agent's outbox, newest first.
type SentPage struct {
	Deliveries []Delivery
	Next       string // Page.After for the next, older page; "" when this is the last
}

// DefaultSentPage is how many messages a page of Sent holds when the Page
// does not say.
const DefaultSentPage = 20

// Sent lists the messages the session's agent sent, newest first, each
// with what became of it (as Status says it). pg.After is the id of the
// last message of the previous page: the page holds the messages sent
// before it. A page costs one listing of the agent's sent/ and the
// records of its own messages only, whatever the outbox holds: the order
// comes from the names (ids begin with their time). Errors: BadRequest
// (a malformed cursor or one not of this listing, a negative limit),
// Closed, Expired, Internal.
func (s *Session) Sent(ctx context.Context, pg Page) (SentPage, error) {
	const op = OpSent
	if err := s.begin(op); err != nil {
		return SentPage{}, err
	}
	me := s.ID()
	limit, err := pageLimit(op, me, pg, DefaultSentPage)
	if err != nil {
		return SentPage{}, err
	}
	names, err := listDir(s.st.boxPath(me, dirSent))
	if err != nil {
		return SentPage{}, ioError(op, me, err)
	}
	records := names[:0]
	for _, n := range names {
		if !strings.HasSuffix(n, sufExpired) && !strings.HasSuffix(n, sufBounced) {
			records = append(records, n)
		}
	}
	page, next, ok := pageOlder(records, pg.After, limit)
	if !ok {
		return SentPage{}, notACursor(op, me, pg.After)
	}
	out := SentPage{Deliveries: make([]Delivery, 0, len(page))}
	for _, id := range page {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if rec, ok := s.st.readSent(me, id); ok {
			out.Deliveries = append(out.Deliveries, s.st.deliveryOf(me, rec))
		}
	}
	out.Next = next
	return out, nil
}
