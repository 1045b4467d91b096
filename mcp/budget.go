package mcp

import (
	"context"
	"strings"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// Profile is the budget of this server's check results: the client's, as
// initialize named it (the strictest when it did not), or IPC_BUDGET's.
func (s *Server) Profile() present.Profile {
	name, _ := s.client.Load().(string)
	p := present.ForClient(name, s.cfg.MaxMCPTokens)
	if o, err := p.WithOverride(s.cfg.Budget); err == nil {
		p = o
	}
	return p
}

// worstNotice is the longest unread notice a result can end with (see
// unreadNotice and senderList): the budget keeps room for it.
var worstNotice = "\n\n📬 999999999 unread (999999999 urgent): from " + strings.TrimSuffix(strings.Repeat(strings.Repeat("x", maildir.MaxIDLen)+", ", 5), ", ") + ", … — call check"

// checkWithin claims the mail whose result, as render makes it and with
// the unread notice that may follow it, the client shows whole.
func (s *Server) checkWithin(ctx context.Context, sess *maildir.Session, render func(maildir.Shown) string) (maildir.Checked, error) {
	return maildir.CheckWithin(ctx, sess, maildir.CheckOptions{Door: maildir.DoorMCP}, s.budget(render))
}

// budget is the budget of a check result as render makes it, with room
// for the unread notice that may follow it.
func (s *Server) budget(render func(maildir.Shown) string) maildir.Budget {
	p := s.Profile()
	return maildir.Budget{Limit: p.Limit - p.Measure(worstNotice), Measure: p.Measure, Render: render}
}
