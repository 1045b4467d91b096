package mcp

import (
	"context"
	"time"
)

// listArgs are the arguments of list_instances: none.
type listArgs struct{}

func (s *Server) listTool(ctx context.Context, _ listArgs) (string, error) {
	agents, err := s.st.Agents(ctx)
	if err != nil {
		return "", err
	}
	me := ""
	if sess := s.session(); sess != nil {
		me = sess.ID()
	}
	return formatAgents(agents, me, time.Now()), nil
}
