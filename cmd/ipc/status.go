package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// runStatus: ipc status ID [--json] — what became of a message you sent
// (or received): queued, unread, surfaced, read, acknowledged, expired or
// bounced, with the doors that showed it and when.
func runStatus(ctx context.Context, c *cli, args []string) error {
	id, asJSON, err := parseID("status", "print JSON (times in RFC 3339)", args)
	if err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		d, err := s.Status(ctx, id)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(c.stdout, d)
		}
		printDelivery(c.screen(), d)
		return nil
	})
}

// printDelivery prints a status, one fact a line.
func printDelivery(w io.Writer, d maildir.Delivery) {
	stamp := func(t time.Time) string { return t.Format(time.RFC3339) }
	fmt.Fprintf(w, "Id: %s\nState: %s\nFrom: %s\n", d.ID, d.State, d.From)
	if d.Requested != "" && d.Requested != d.To {
		fmt.Fprintf(w, "To: %s (sent to %s)\n", d.To, d.Requested)
	} else {
		fmt.Fprintf(w, "To: %s\n", d.To)
	}
	if !d.SentAt.IsZero() {
		fmt.Fprintf(w, "Sent: %s\n", stamp(d.SentAt))
	}
	if d.Subject != "" {
		fmt.Fprintf(w, "Subject: %s\n", d.Subject)
	}
	if d.Priority != maildir.PriorityNormal {
		fmt.Fprintf(w, "Priority: %s\n", d.Priority)
	}
	if d.Thread != "" {
		fmt.Fprintf(w, "Thread: %s\n", d.Thread)
	}
	for _, s := range d.Surfaced {
		how := "shown"
		if s.Read {
			how = "read"
		}
		fmt.Fprintf(w, "Surfaced: %s %s (%s)\n", s.Door, stamp(s.At), how)
	}
	if !d.ReadAt.IsZero() {
		fmt.Fprintf(w, "Read: %s %s\n", d.ReadBy, stamp(d.ReadAt))
	}
	if !d.AckedAt.IsZero() {
		fmt.Fprintf(w, "Acknowledged: %s\n", stamp(d.AckedAt))
	}
	if !d.EndedAt.IsZero() {
		fmt.Fprintf(w, "Ended: %s\n", stamp(d.EndedAt))
	}
	if d.Reason != "" {
		fmt.Fprintf(w, "Reason: %s\n", d.Reason)
	}
}

// runAck: ipc ack ID [--json] — acknowledge a message of your mailbox (one
// shown with "Acknowledgement requested" asks for it); its sender's status
// then says acknowledged.
func runAck(ctx context.Context, c *cli, args []string) error {
	id, asJSON, err := parseID("ack", "print the result as JSON", args)
	if err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		if err := s.Ack(ctx, id); err != nil {
			return err
		}
		msg := "Acknowledged " + id
		if asJSON {
			return writeJSON(c.stdout, map[string]any{"status": "ok", "message": msg, "id": id})
		}
		fmt.Fprintln(c.stdout, msg)
		return nil
	})
}
