package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipc-dev/ipc/internal/present"
)

// registerArgs are the arguments of register.
type registerArgs struct {
	InstanceID string `json:"instance_id" jsonschema:"1-32 of A-Z a-z 0-9 - _"`
}

func (s *Server) registerTool(ctx context.Context, a registerArgs) (string, error) {
	s.autoCancel() // the model chose: stop retrying IPC_ID
	s.awaitIdentity(ctx)
	previous, err := s.register(ctx, a.InstanceID)
	if err != nil {
		return "", err
	}
	sess := s.session()
	u, err := sess.Unread(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(present.Registered(a.InstanceID, u.Count))
	fmt.Fprintf(&b, ". You are %q: pass it as from_id, instance_id and old_id.", a.InstanceID)
	if previous != "" {
		fmt.Fprintf(&b, " (You were %q; that name is now offline.)", previous)
	}
	if u.Count > 0 {
		b.WriteString(" Call check to read your mail.")
	}
	return b.String(), nil
}
