package socket

import (
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/text"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// Conversations: the optional top-level fields of send and broadcast
// (subject, reply_to, priority, ack; never inside "message", whose other
// keys are the sender's own and travel with it) and the actions reply,
// ack, sent, thread and search. None is an action of the original, so a
// legacy client never meets them. The listings page: "limit" and "after"
// (a previous reply's "next") on the request, "next" on the reply when
// more follow. thread and search show unread mail too, labelled
// "read": false, and mark nothing read: this door serves people and
// scripts, who read it as they would with the CLI.

// conversation reads the conversation fields of a send (withReplyTo) or a
// broadcast or reply into p.
func (c *call) conversation(p *maildir.Payload, withReplyTo bool) error {
	var err error
	if p.Subject, _, err = c.req.str(c.action, "subject"); err != nil {
		return err
	}
	prio, _, err := c.req.str(c.action, "priority")
	if err != nil {
		return err
	}
	if p.Priority, err = maildir.ParsePriority(maildir.Op(c.action), prio); err != nil {
		return err
	}
	if p.Ack, err = c.req.bool(c.action, "ack"); err != nil {
		return err
	}
	if withReplyTo {
		p.ReplyTo, _, err = c.req.str(c.action, "reply_to")
	}
	return err
}

// reply answers "message_id": "message" goes to its sender (to its
// recipient when the session sent it), in its thread, with its subject
// and "Re: " unless "subject" names another. The reply is send's.
func (c *call) reply() (wire.Reply, error) {
	id, err := c.req.need(c.action, "message_id")
	if err != nil {
		return wire.Reply{}, err
	}
	p, err := c.message()
	if err != nil {
		return wire.Reply{}, err
	}
	if err := c.conversation(&p, false); err != nil {
		return wire.Reply{}, err
	}
	res, err := c.s().Reply(c.ctx, id, p)
	if err != nil {
		return wire.Reply{}, err
	}
	rep := ok(present.Sent(res))
	rep.MessageID = res.ID
	return rep, nil
}

// ack acknowledges "message_id", a message the session received: its
// sender's message_status and sent then say so.
func (c *call) ack() (wire.Reply, error) {
	id, err := c.req.need(c.action, "message_id")
	if err != nil {
		return wire.Reply{}, err
	}
	if err := c.s().Ack(c.ctx, id); err != nil {
		return wire.Reply{}, err
	}
	return ok("Acknowledged " + id), nil
}

// sent lists the messages the session sent, newest first, each with what
// became of it ("deliveries", as message_status gives them).
func (c *call) sent() (wire.Reply, error) {
	pg, err := c.page()
	if err != nil {
		return wire.Reply{}, err
	}
	res, err := c.s().Sent(c.ctx, pg)
	if err != nil {
		return wire.Reply{}, err
	}
	rep := wire.Reply{Status: wire.StatusOK, Deliveries: make([]wire.Delivery, len(res.Deliveries)), Next: res.Next}
	for i, d := range res.Deliveries {
		rep.Deliveries[i] = wireDelivery(d)
	}
	return rep, nil
}

// thread returns the conversation of "message_id", oldest first, across
// the mail the session sent and received.
func (c *call) thread() (wire.Reply, error) {
	id, err := c.req.need(c.action, "message_id")
	if err != nil {
		return wire.Reply{}, err
	}
	pg, err := c.page()
	if err != nil {
		return wire.Reply{}, err
	}
	res, err := c.s().Thread(c.ctx, id, pg)
	if err != nil {
		return wire.Reply{}, err
	}
	return messagePage(res), nil
}

// search finds the mail the session sent or received, newest first:
// "query" (terms, "quoted phrases", prefix* terms), and optionally "from",
// "to", "thread" (a message id of the conversation), "since" (RFC 3339)
// and "unread".
func (c *call) search() (wire.Reply, error) {
	var q maildir.SearchQuery
	var err error
	if q.Text, err = c.req.need(c.action, "query"); err != nil {
		return wire.Reply{}, err
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"from", &q.From}, {"to", &q.To}, {"thread", &q.Thread}} {
		if *f.dst, _, err = c.req.str(c.action, f.key); err != nil {
			return wire.Reply{}, err
		}
	}
	if q.Since, err = c.since(); err != nil {
		return wire.Reply{}, err
	}
	if q.Unread, err = c.req.bool(c.action, "unread"); err != nil {
		return wire.Reply{}, err
	}
	if q.Page, err = c.page(); err != nil {
		return wire.Reply{}, err
	}
	res, err := c.s().Search(c.ctx, q)
	if err != nil {
		return wire.Reply{}, err
	}
	return messagePage(res.MessagePage), nil
}

// since reads "since", an RFC 3339 time; zero when absent.
func (c *call) since() (time.Time, error) {
	s, present, err := c.req.str(c.action, "since")
	if err != nil || !present {
		return time.Time{}, err
	}
	t, perr := time.Parse(time.RFC3339, s)
	if perr != nil {
		return time.Time{}, doorError(c.action, maildir.BadRequest, "'since' must be an RFC 3339 time such as 2025-01-02T15:04:05Z, not %q", text.Cut(s, 40))
	}
	return t, nil
}

// page reads "limit" (0: the listing's default) and "after" (the "next"
// of the previous page).
func (c *call) page() (maildir.Page, error) {
	limit, err := c.req.int(c.action, "limit", 0)
	if err != nil {
		return maildir.Page{}, err
	}
	if limit < 0 {
		return maildir.Page{}, doorError(c.action, maildir.BadRequest, "'limit' must not be negative")
	}
	after, _, err := c.req.str(c.action, "after")
	return maildir.Page{Limit: limit, After: after}, err
}

// messagePage is the reply carrying one page of messages.
func messagePage(pg maildir.MessagePage) wire.Reply {
	rep := wire.Reply{Status: wire.StatusOK, Messages: make([]wire.LegacyMessage, len(pg.Messages)), Next: pg.Next}
	for i, m := range pg.Messages {
		rep.Messages[i] = present.ConversationMessage(m)
	}
	return rep
}
