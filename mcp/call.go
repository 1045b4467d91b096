package mcp

import (
	"context"
	"fmt"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// door is callTool as mcp-go middleware: the path of the calls the SDK
// reads (in-process clients). Registered after the SDK's recovery.
func (s *Server) door(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		t := s.mcp.GetTool(req.Params.Name)
		if t == nil { // the SDK looked it up before the middleware
			return next(ctx, req)
		}
		return s.callTool(ctx, t.Tool, next, req), nil
	}
}

// callTool runs one call of tool def: it checks the arguments against
// def's schema (checkArguments), runs handler (the typed handler, or the
// middleware chain ending in it), maps its error once (toolError) and
// appends the unread notice. The stdio transport calls it with the
// arguments as sent (req.Params.RawArguments), without the SDK's decoding
// into maps; the SDK's own path reaches it through door.
func (s *Server) callTool(ctx context.Context, def mcpgo.Tool, handler server.ToolHandlerFunc, req mcpgo.CallToolRequest) *mcpgo.CallToolResult {
	res, err := s.checkedCall(ctx, def, handler, req)
	if err != nil {
		res = toolError(err)
	}
	if notice := s.unreadNotice(ctx); notice != "" {
		tc := res.Content[0].(mcpgo.TextContent)
		tc.Text = strings.TrimRight(tc.Text, "\n") + "\n\n" + notice
		res.Content[0] = tc
	}
	return res
}

// checkedCall runs handler on req once its arguments pass def's schema,
// with the arguments rewritten as checkArguments returns them.
func (s *Server) checkedCall(ctx context.Context, def mcpgo.Tool, handler server.ToolHandlerFunc, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	raw := req.Params.RawArguments
	if len(raw) == 0 {
		if err := req.BindArguments(&raw); err != nil {
			return nil, badArguments(def.Name, err)
		}
	}
	raw, err := checkArguments(def.Name, def.InputSchema, raw)
	if err != nil {
		return nil, err
	}
	req.Params.Arguments, req.Params.RawArguments = nil, raw
	return handler(ctx, req)
}

// actingAs returns the session when claimed (the value of field) names this
// server's identity (maildir.Session.Claim: the tool schemas require the
// field, so an empty claim is refused).
func (s *Server) actingAs(tool, field, claimed string) (*maildir.Session, error) {
	s.awaitIdentity(s.ctx) // IPC_ID may still be retried, for at most autoRegisterFor
	sess := s.session()
	if sess == nil {
		s.mu.Lock()
		why := s.startErr
		s.mu.Unlock()
		return nil, notRegistered(tool, why)
	}
	if err := sess.Claim(maildir.Op(tool), field, claimed, false); err != nil {
		return nil, err
	}
	return sess, nil
}

// unreadNotice is the line that ends every result while mail waits, or "".
// Its cost does not grow with the backlog: the count comes from the
// mailbox listing and only the oldest few messages are opened for their
// senders ("…" says others may be waiting too).
func (s *Server) unreadNotice(ctx context.Context) string {
	sess := s.session()
	if sess == nil {
		return ""
	}
	u, err := sess.Unread(ctx)
	if err != nil || u.Count == 0 {
		return ""
	}
	return fmt.Sprintf("📬 %s: from %s — call check", present.UnreadCount(u), senderList(u, 5))
}

// senderList names at most n senders of u, with "…" when there may be more.
func senderList(u maildir.Unread, n int) string {
	from := make([]string, 0, len(u.From))
	for _, f := range u.From {
		if !maildir.ValidID(f) {
			f = "unknown" // a hand-written file's From: bounded, on one line
		}
		from = append(from, f)
	}
	more := u.Partial
	if len(from) > n {
		from, more = from[:n], true
	}
	list := strings.Join(from, ", ")
	if more {
		list += ", …"
	}
	return list
}
