package mcp

import (
	"context"
	"fmt"

	"github.com/ipc-dev/ipc/internal/present"
)

// renameArgs are the arguments of rename.
type renameArgs struct {
	OldID string `json:"old_id" jsonschema:"Your current name."`
	NewID string `json:"new_id" jsonschema:"A name nobody holds."`
}

func (s *Server) renameTool(ctx context.Context, a renameArgs) (string, error) {
	sess, err := s.actingAs("rename", "old_id", a.OldID)
	if err != nil {
		return "", err
	}
	res, err := sess.Rename(ctx, a.NewID)
	if res.New != "" {
		s.mu.Lock()
		s.identityChangedLocked()
		s.mu.Unlock()
	}
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf("%s. You are now %q: pass it as from_id from now on. Mail to %q forwards to you until %s; %d other agents were told.",
		present.Renamed(res), res.New, res.Old, res.Until.Local().Format("15:04"), res.Notified)
	if w := res.Warning(); w != "" {
		text += " Warning: " + w + "."
	}
	return text, nil
}
