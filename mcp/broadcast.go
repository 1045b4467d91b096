package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipc-dev/ipc/maildir"
)

// broadcastArgs are the arguments of broadcast.
type broadcastArgs struct {
	FromID string `json:"from_id"`
	payloadArgs
}

func (s *Server) broadcastTool(ctx context.Context, a broadcastArgs) (string, error) {
	sess, err := s.actingAs("broadcast", "from_id", a.FromID)
	if err != nil {
		return "", err
	}
	p, err := a.payload(maildir.OpBroadcast)
	if err != nil {
		return "", err
	}
	res, err := sess.BroadcastPayload(ctx, p)
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf("Broadcast to %d instances", len(res.To))
	switch {
	case len(res.To) > 0:
		text += ": " + strings.Join(res.To, ", ")
	case len(res.Outcomes) == 0:
		text += " (no other agent is registered yet)"
	}
	if failed := res.Failed(); len(failed) > 0 {
		var names []string
		for _, f := range failed {
			text += fmt.Sprintf("\nNot delivered to %s: %s: %s", f.Agent, maildir.KindOf(f.Err), f.Err)
			names = append(names, f.Agent)
		}
		text += fmt.Sprintf("\nThe others have it: do not broadcast again; send to %s once fixed.", strings.Join(names, ", "))
	}
	return text + largeNote("each", res.LargeFile) + replayedNote(res.Replayed), nil
}
