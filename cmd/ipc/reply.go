package main

import (
	"context"
	"strings"

	"github.com/ipc-dev/ipc/maildir"
)

// runReply: ipc reply [--subject S] [--priority P] [--ack] [--data JSON]
// [--idempotency-key KEY] [--json] ID MESSAGE... — answers message ID in
// its thread: to its sender, or to its recipient when you sent it
// (maildir.Session.Reply says who). MESSAGE "-" reads stdin.
func runReply(ctx context.Context, c *cli, args []string) error {
	fs, f := newPayloadFlags("reply", withAck)
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch len(words) {
	case 0:
		return usageError("reply: missing message id: ipc reply ID MESSAGE...")
	case 1:
		return usageError("reply: missing message: ipc reply %s MESSAGE... (or - to read stdin)", words[0])
	}
	content, err := c.body(strings.Join(words[1:], " "))
	if err != nil {
		return err
	}
	p, err := f.payload("reply", content)
	if err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		r, err := s.Reply(ctx, strings.TrimSpace(words[0]), p)
		if err != nil {
			return err
		}
		return c.printSend(r, *f.asJSON)
	})
}
