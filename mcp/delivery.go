package mcp

import (
	"context"

	"github.com/mark3labs/mcp-go/server"

	"github.com/ipc-dev/ipc/internal/present"
)

// The tenth tool: what became of a message. Its definition is kept tiny
// (the token budget of the tool list); the states are in the reply.

// messageStatusArgs are the arguments of message_status.
type messageStatusArgs struct {
	MessageID string `json:"message_id"`
}

// messageStatusTool is the message_status tool: the sender (or the
// recipient) of a message asks what became of it.
func (s *Server) messageStatusTool() server.ServerTool {
	return tool("message_status", "What became of a message you sent (the id send returned).",
		s.messageStatus, hints(true, false, true, false))
}

func (s *Server) messageStatus(ctx context.Context, a messageStatusArgs) (string, error) {
	sess := s.session()
	if sess == nil {
		return "", notRegistered("message_status", nil)
	}
	d, err := sess.Status(ctx, a.MessageID)
	if err != nil {
		return "", err
	}
	return present.Delivery(d), nil
}
