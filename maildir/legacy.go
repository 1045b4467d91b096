package maildir

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The original product's wording of results. Its Python clients print these
// strings and scripts match them, so every door uses them verbatim.

// Summary is the original's reply to a send: "Message sent", "Message
// queued for <to> (not yet registered)" or "Message forwarded from <a> to
// <b>".
func (r SendResult) Summary() string {
	switch {
	case r.Forwarded:
		return fmt.Sprintf("Message forwarded from %s to %s", r.Requested, r.To)
	case r.Queued:
		return fmt.Sprintf("Message queued for %s (not yet registered)", r.To)
	}
	return "Message sent"
}

// Summary is the original's reply to a broadcast, with the recipients
// that got no copy named after it: "Broadcast to 2 instances; 1 failed:
// carol".
func (r BroadcastResult) Summary() string {
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

// Summary is the original's reply to a rename.
func (r RenameResult) Summary() string {
	return fmt.Sprintf("Renamed %s to %s", r.Old, r.New)
}

// RegisteredSummary is the original's reply to a registration with queued
// unread messages waiting.
func RegisteredSummary(id string, queued int) string {
	if queued > 0 {
		return fmt.Sprintf("Registered %s with %d queued messages", id, queued)
	}
	return "Registered " + id
}

// LegacyMessage is a message in the shape of the original's check reply:
// {"from","to","timestamp","message":{"content","data"}} plus its id.
type LegacyMessage struct {
	ID        string      `json:"id"`
	From      string      `json:"from"`
	To        string      `json:"to"`
	Timestamp string      `json:"timestamp"`
	Message   LegacyInner `json:"message"`
}

// LegacyInner is the "message" object of a LegacyMessage: content, data
// when present, and the sender's extra keys (see Payload), encoded as one
// object by MarshalJSON.
type LegacyInner struct {
	Content string
	Data    json.RawMessage
	Extra   json.RawMessage
}

// Legacy returns m in the original's check-reply shape.
func (m Message) Legacy() LegacyMessage {
	return LegacyMessage{ID: m.ID, From: m.From, To: m.To, Timestamp: legacyTime(m.Time),
		Message: LegacyInner{Content: m.Content, Data: m.Data, Extra: m.Extra}}
}

// LegacyAgent is an agent in the shape of the original's list reply, with
// the online flag and registration time added.
type LegacyAgent struct {
	ID         string `json:"id"`
	LastSeen   string `json:"last_seen"`
	Online     bool   `json:"online"`
	Registered string `json:"registered_at"`
}

// Legacy returns a in the original's list-reply shape.
func (a Agent) Legacy() LegacyAgent {
	return LegacyAgent{ID: a.ID, LastSeen: legacyTime(a.LastSeen), Online: a.Online, Registered: legacyTime(a.Registered)}
}
