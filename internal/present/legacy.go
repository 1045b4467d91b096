package present

import (
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// LegacyMessage returns m in the original's check-reply shape, as the
// socket door sends it and the CLI and MCP print it in JSON.
func LegacyMessage(m maildir.Message) wire.LegacyMessage {
	return wire.LegacyMessage{ID: m.ID, From: m.From, To: m.To, Timestamp: wire.LegacyTime(m.Time),
		Message: wire.LegacyInner{Content: m.Content, Data: m.Data, Extra: m.Extra}}
}

// LegacyAgent returns a in the original's list-reply shape.
func LegacyAgent(a maildir.Agent) wire.LegacyAgent {
	return wire.LegacyAgent{ID: a.ID, LastSeen: wire.LegacyTime(a.LastSeen), Online: a.Online, Registered: wire.LegacyTime(a.Registered)}
}
