package present

import (
	"fmt"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// The original product's wording of results. Its Python clients print these
// strings and scripts match them, so every door uses them verbatim.

// Sent is the original's reply to a send: "Message sent", "Message queued
// for <to> (not yet registered)" or "Message forwarded from <a> to <b>".
func Sent(r maildir.SendResult) string {
	switch {
	case r.Forwarded:
		return fmt.Sprintf("Message forwarded from %s to %s", r.Requested, r.To)
	case r.Queued:
		return fmt.Sprintf("Message queued for %s (not yet registered)", r.To)
	}
	return "Message sent"
}

// SentWarnings are the sentences that follow a send that was probably a
// mistake, for every door to show: mail to a name nobody registered that
// is one typo away from a registered one, and mail to oneself. Both were
// delivered as asked.
func SentWarnings(r maildir.SendResult) []string {
	var out []string
	if r.Suggest != "" {
		out = append(out, fmt.Sprintf("%s is not registered; did you mean %s? The message waits for an agent named %s; send it again to %s if that is who you meant.", r.To, r.Suggest, r.To, r.Suggest))
	}
	if r.ToSelf {
		out = append(out, fmt.Sprintf("%s is you: the message is in your own mailbox.", r.To))
	}
	return out
}

// Broadcast is the original's reply to a broadcast, with the recipients
// that got no copy named after it: "Broadcast to 2 instances; 1 failed:
// carol".
func Broadcast(r maildir.BroadcastResult) string {
	s := fmt.Sprintf("Broadcast to %d instances", len(r.To))
	if failed := r.Failed(); len(failed) > 0 {
		names := make([]string, len(failed))
		for i, f := range failed {
			names[i] = f.Agent
		}
		s += fmt.Sprintf("; %d failed: %s", len(failed), strings.Join(names, ", "))
	}
	return s
}

// Renamed is the original's reply to a rename.
func Renamed(r maildir.RenameResult) string {
	return fmt.Sprintf("Renamed %s to %s", r.Old, r.New)
}

// Registered is the original's reply to a registration, with the number
// of queued unread messages waiting when there are any.
func Registered(id string, queued int) string {
	if queued > 0 {
		return fmt.Sprintf("Registered %s with %d queued messages", id, queued)
	}
	return "Registered " + id
}

// Delivery is a line for the doors: "Message <id> to bob: read by mcp at
// <time>; surfaced by channel at <time>, mcp at <time>".
func Delivery(d maildir.Delivery) string {
	s := fmt.Sprintf("Message %s to %s: %s", d.ID, d.To, d.State)
	switch {
	case d.State == maildir.StateRead && d.ReadBy != "":
		s += fmt.Sprintf(" by %s at %s", d.ReadBy, stampRFC(d.ReadAt))
	case d.State == maildir.StateAcknowledged:
		s += " at " + stampRFC(d.AckedAt)
	case d.State == maildir.StateExpired || d.State == maildir.StateBounced:
		s += " at " + stampRFC(d.EndedAt)
	}
	for i, sf := range d.Surfaced {
		sep := ", "
		switch {
		case i == 0 && d.State == maildir.StateSurfaced:
			sep = " by "
		case i == 0:
			sep = "; surfaced by "
		}
		s += sep + string(sf.Door) + " at " + stampRFC(sf.At)
	}
	if d.Reason != "" {
		s += "; " + d.Reason
	}
	return s
}

func stampRFC(t time.Time) string { return t.UTC().Format(time.RFC3339) }
