package mcp

import (
	"fmt"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// formatAgents renders list_instances.
func formatAgents(agents []maildir.Agent, me string, now time.Time) string {
	if len(agents) == 0 {
		return `No agents are registered yet. Register with register {"instance_id": "<name>"}.`
	}
	online := 0
	for _, a := range agents {
		if a.Online {
			online++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Registered agents: %d (%d online now)\n", len(agents), online)
	for _, a := range agents {
		state := "offline"
		if a.Online {
			state = "online"
		}
		you := ""
		if a.ID == me {
			you = " (you)"
		}
		fmt.Fprintf(&b, "- %s%s: %s, last seen %s (%s)\n", a.ID, you, state, present.Stamp(a.LastSeen), present.Ago(now, a.LastSeen))
	}
	return b.String()
}
