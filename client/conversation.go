package client

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ipc-dev/ipc/internal/wire"
)

// Delivery is what became of a message, as message_status and sent
// return it.
type Delivery = wire.Delivery

// Conversation holds the optional conversation fields of a message being
// sent; its zero value sends today's message.
type Conversation struct {
	Subject  string // one line
	Priority string // "", "normal", "high" or "urgent"
	Ack      bool   // ask the recipient to acknowledge it
	ReplyTo  string // SendMessage: the id of a message this answers, whose thread it joins
}

// fields sets the conversation's non-zero fields on req.
func (cv Conversation) fields(req map[string]any) map[string]any {
	for k, v := range map[string]string{"subject": cv.Subject, "priority": cv.Priority, "reply_to": cv.ReplyTo} {
		if v != "" {
			req[k] = v
		}
	}
	if cv.Ack {
		req["ack"] = true
	}
	return req
}

// Page bounds a listing: at most Limit entries (0: the server's default)
// after the cursor After (a previous page's next; "" for the first page).
type Page struct {
	Limit int
	After string
}

// fields sets the page's non-zero fields on req.
func (pg Page) fields(req map[string]any) map[string]any {
	if pg.Limit > 0 {
		req["limit"] = pg.Limit
	}
	if pg.After != "" {
		req["after"] = pg.After
	}
	return req
}

// SearchQuery is a search of the mail the session sent or received.
type SearchQuery struct {
	Query            string // terms (all must match), "quoted phrases", prefix* terms
	From, To, Thread string // only mail from, to, or in the conversation of (a message id) these
	Since            time.Time
	Unread           bool // only mail not read yet
	Page                  // newest first
}

// SendMessage sends content (and optional data) to to with the
// conversation fields of cv, and returns the reply: its message_id names
// the message.
func (c *Client) SendMessage(ctx context.Context, to, content string, data json.RawMessage, cv Conversation) (Reply, error) {
	return c.Do(ctx, cv.fields(map[string]any{"action": "send", "to_id": to, "message": message(content, data)}))
}

// Reply answers message msgID: content goes to its sender (to its
// recipient when the session sent it), in its thread, with its subject and
// "Re: " unless cv names another. cv.ReplyTo is not used.
func (c *Client) Reply(ctx context.Context, msgID, content string, data json.RawMessage, cv Conversation) (Reply, error) {
	cv.ReplyTo = ""
	return c.Do(ctx, cv.fields(map[string]any{"action": "reply", "message_id": msgID, "message": message(content, data)}))
}

// Ack acknowledges message msgID, which the session received.
func (c *Client) Ack(ctx context.Context, msgID string) error {
	_, err := c.Do(ctx, map[string]any{"action": "ack", "message_id": msgID})
	return err
}

// Sent returns a page of the messages the session sent, newest first,
// each with what became of it, and the cursor of the next page ("" after
// the last).
func (c *Client) Sent(ctx context.Context, pg Page) ([]Delivery, string, error) {
	rep, err := c.Do(ctx, pg.fields(map[string]any{"action": "sent"}))
	return rep.Deliveries, rep.Next, err
}

// Thread returns a page of the conversation of message msgID, oldest
// first, read and unread (Message.Read says which), and the cursor of the
// next page. It marks nothing read.
func (c *Client) Thread(ctx context.Context, msgID string, pg Page) ([]Message, string, error) {
	rep, err := c.Do(ctx, pg.fields(map[string]any{"action": "thread", "message_id": msgID}))
	return rep.Messages, rep.Next, err
}

// Search returns a page of the mail the session sent or received that
// matches q, newest first, and the cursor of the next page. It marks
// nothing read.
func (c *Client) Search(ctx context.Context, q SearchQuery) ([]Message, string, error) {
	req := q.Page.fields(map[string]any{"action": "search", "query": q.Query})
	for k, v := range map[string]string{"from": q.From, "to": q.To, "thread": q.Thread} {
		if v != "" {
			req[k] = v
		}
	}
	if !q.Since.IsZero() {
		req["since"] = q.Since.Format(time.RFC3339Nano)
	}
	if q.Unread {
		req["unread"] = true
	}
	rep, err := c.Do(ctx, req)
	return rep.Messages, rep.Next, err
}
