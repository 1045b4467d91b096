package mcp

import (
	"context"
	"fmt"

	"github.com/ipc-dev/ipc/internal/present"
)

// shareFileArgs are the arguments of share_file.
type shareFileArgs struct {
	addressed
	Filepath    string `json:"filepath" jsonschema:"Absolute, or relative to the server's directory."`
	Description string `json:"description,omitempty" jsonschema:"What it is."`
}

func (s *Server) shareFileTool(ctx context.Context, a shareFileArgs) (string, error) {
	sess, err := s.actingAs("share_file", "from_id", a.FromID)
	if err != nil {
		return "", err
	}
	res, err := sess.ShareFile(ctx, a.ToID, a.Filepath, a.Description)
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf("File shared with %s: %s (%d bytes). %s (id %s)", res.To, res.Path, res.Size, present.Sent(res.SendResult), res.ID)
	if res.Resolved != "" {
		text += fmt.Sprintf("\nThe path is a symlink to %s.", res.Resolved)
	}
	return text + largeNote(res.To, res.LargeFile), nil
}
