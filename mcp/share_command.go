package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// shareCommandArgs are the arguments of share_command.
type shareCommandArgs struct {
	addressed
	Command     string `json:"command" jsonschema:"Program and arguments; quotes group words."`
	Description string `json:"description,omitempty" jsonschema:"Why."`
}

func (s *Server) shareCommandTool(ctx context.Context, a shareCommandArgs) (string, error) {
	sess, err := s.actingAs("share_command", "from_id", a.FromID)
	if err != nil {
		return "", err
	}
	if s.cfg.ShareCommand == nil {
		return "", advised{&maildir.Error{Op: maildir.OpShareCommand, Kind: maildir.Denied,
			Msg: "share_command is disabled on this machine (IPC_SHARE_COMMAND=0): run the command yourself if your user allows it, and send its output with send"}}
	}
	res, err := sess.ShareCommand(ctx, a.ToID, a.Command, a.Description, s.cfg.ShareCommand)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Command output shared with %s: %q ", res.To, a.Command)
	if res.TimedOut {
		fmt.Fprintf(&b, "timed out after %s and was killed", maildir.CommandTimeout)
	} else {
		fmt.Fprintf(&b, "exited %d", res.ExitCode)
	}
	fmt.Fprintf(&b, " (stdout %d bytes, stderr %d bytes", len(res.Stdout), len(res.Stderr))
	if res.Truncated {
		fmt.Fprintf(&b, ", cut at %d bytes each", maildir.MaxCommandOutput)
	}
	fmt.Fprintf(&b, "). %s (id %s)", present.Sent(res.SendResult), res.ID)
	return b.String() + largeNote(res.To, res.LargeFile), nil
}
