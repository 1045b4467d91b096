package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// The tenth tool, mail: everything about mail already sent or received,
// in one definition (the token budget of the tool list): what became of a
// message, its thread, acknowledging it, search, and your outbox. A thread
// or search never shows the text of unread mail to you (check does, once)
// and marks nothing read.

// mailArgs are the arguments of mail. Which are given decides what it does
// (see mail).
type mailArgs struct {
	MessageID string `json:"message_id,omitempty"`
	Thread    bool   `json:"thread,omitempty"`
	Ack       bool   `json:"ack,omitempty"`
	Query     string `json:"query,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Since     string `json:"since,omitempty"` // RFC 3339, or a duration back from now (24h)
	Unread    bool   `json:"unread,omitempty"`
	After     string `json:"after,omitempty"`
}

// searching reports whether the arguments ask for a search.
func (a mailArgs) searching() bool {
	return a.Query != "" || a.From != "" || a.To != "" || a.Since != "" || a.Unread
}

// mailTool is the mail tool.
func (s *Server) mailTool() server.ServerTool {
	return tool("mail", "Past mail. message_id: its status; +thread: its conversation; +ack: acknowledge it. "+
		"query, from, to, since, unread: search. No args: your sent mail.",
		s.mail, hints(false, false, false, false))
}

// mail does what its arguments ask: acknowledge message_id (ack), then
// show its thread (thread), a search (query or a filter, within the
// thread of message_id when given), or what became of message_id; with
// none of these, the outbox.
func (s *Server) mail(ctx context.Context, a mailArgs) (string, error) {
	sess := s.session()
	if sess == nil {
		return "", notRegistered("mail", nil)
	}
	if (a.Ack || a.Thread) && a.MessageID == "" {
		return "", &maildir.Error{Op: "mail", Kind: maildir.BadRequest, Msg: "thread and ack need a message_id"}
	}
	acked := ""
	if a.Ack {
		if err := sess.Ack(ctx, a.MessageID); err != nil {
			return "", err
		}
		acked = "Acknowledged " + a.MessageID + ": its sender's mail tool now says so.\n"
	}
	switch {
	case a.searching():
		q := maildir.SearchQuery{Text: a.Query, From: a.From, To: a.To, Unread: a.Unread}
		if a.Thread || a.MessageID != "" {
			q.Thread = a.MessageID
		}
		since, err := maildir.ParseSince("mail", a.Since, time.Now())
		if err != nil {
			return "", err
		}
		q.Since = since
		return s.pageOf(sess.ID(), a.After, "Search, newest first", func(pg maildir.Page) (maildir.MessagePage, error) {
			q.Page = pg
			res, err := sess.Search(ctx, q)
			return res.MessagePage, err
		})
	case a.Thread:
		return s.pageOf(sess.ID(), a.After, acked+"Thread of "+a.MessageID+", oldest first", func(pg maildir.Page) (maildir.MessagePage, error) {
			return sess.Thread(ctx, a.MessageID, pg)
		})
	case a.Ack:
		return strings.TrimSuffix(acked, "\n"), nil
	case a.MessageID != "":
		d, err := sess.Status(ctx, a.MessageID)
		if err != nil {
			return "", err
		}
		return present.Delivery(d), nil
	}
	return s.sent(ctx, sess, a.After)
}

// mailPage is how many messages a thread or search result asks for: the
// client's budget cuts it further, at a message boundary.
const mailPage = 20

// pageOf renders one page of messages that fits the client's budget,
// whole messages only. When the page fetched does not fit, the messages
// that do are fetched again as a page of their own, so that its cursor
// continues exactly after the last one shown.
func (s *Server) pageOf(me, after, head string, fetch func(maildir.Page) (maildir.MessagePage, error)) (string, error) {
	p := s.Profile()
	limit := p.Limit - p.Measure(worstNotice)
	now := time.Now()
	pg, err := fetch(maildir.Page{Limit: mailPage, After: after})
	if err != nil {
		return "", err
	}
	render := func(pg maildir.MessagePage, extra string) string {
		h := fmt.Sprintf("%s: %d message(s)%s", head, len(pg.Messages), extra)
		if pg.Next != "" {
			h += fmt.Sprintf("; more follow: call mail again with the same arguments and after %q", pg.Next)
		}
		return present.Listing(h, pg.Messages, me, now)
	}
	text := render(pg, "")
	if p.Measure(text) <= limit || len(pg.Messages) <= 1 {
		return text, nil
	}
	fit := len(pg.Messages) - 1
	for fit > 1 && p.Measure(render(maildir.MessagePage{Messages: pg.Messages[:fit], Next: strings.Repeat("x", len(pg.Next)+40)}, "")) > limit {
		fit--
	}
	short, err := fetch(maildir.Page{Limit: fit, After: after})
	if err != nil {
		return "", err
	}
	return render(short, " shown, the most this client takes at once"), nil
}

// sent renders a page of the outbox, newest first, each message with what
// became of it.
func (s *Server) sent(ctx context.Context, sess *maildir.Session, after string) (string, error) {
	res, err := sess.Sent(ctx, maildir.Page{Limit: mailPage, After: after})
	if err != nil {
		return "", err
	}
	if len(res.Deliveries) == 0 {
		return "You have sent no messages.", nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Sent, newest first: %d message(s)", len(res.Deliveries))
	if res.Next != "" {
		fmt.Fprintf(&b, "; more follow: call mail with after %q", res.Next)
	}
	for _, d := range res.Deliveries {
		b.WriteString("\n- " + present.Delivery(d))
	}
	return b.String(), nil
}
