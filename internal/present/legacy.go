package present

import (
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// LegacyMessage returns m in the original's check-reply shape, as the
// socket door sends it and the CLI and MCP print it in JSON.
// The conversation fields are those of its headers: a message without
// them is in exactly the original's shape.
func LegacyMessage(m maildir.Message) wire.LegacyMessage {
	return wire.LegacyMessage{ID: m.ID, From: m.From, To: m.To, Timestamp: wire.LegacyTime(m.Time),
		Message: wire.LegacyInner{Content: m.Content, Data: m.Data, Extra: m.Extra},
		Subject: m.Subject, InReplyTo: m.InReplyTo, References: m.References, Thread: m.Thread,
		Priority: string(m.Priority), AckRequested: m.AckRequested}
}

// ConversationMessage is m as the conversation actions (thread, search)
// return it: LegacyMessage with its thread always named, its time in
// RFC 3339 and whether it has been read.
func ConversationMessage(m maildir.Message) wire.LegacyMessage {
	lm := LegacyMessage(m)
	lm.Thread, lm.Time, lm.Read = m.ThreadID(), m.Time.UTC().Format(wire.TimeLayout), &m.Read
	return lm
}

// LegacyAgent returns a in the original's list-reply shape.
func LegacyAgent(a maildir.Agent) wire.LegacyAgent {
	return wire.LegacyAgent{ID: a.ID, LastSeen: wire.LegacyTime(a.LastSeen), Online: a.Online, Registered: wire.LegacyTime(a.Registered)}
}
