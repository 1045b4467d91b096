package mcp

import (
	"context"
	"encoding/json"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/wire"
)

// statusReport is the JSON of the ipc://status resource. status and
// instances are the original's fields; the rest is new.
type statusReport struct {
	Status       string             `json:"status"`
	Identity     *string            `json:"identity"`
	Note         string             `json:"note,omitempty"`
	Unread       int                `json:"unread"`
	UnreadFrom   []string           `json:"unread_from"`         // senders of the oldest few unread
	MoreFrom     bool               `json:"unread_from_partial"` // more unread than unread_from looked at
	Mailbox      string             `json:"mailbox"`
	Watching     string             `json:"watching"`
	SecureMode   bool               `json:"secure_mode"`
	Channel      bool               `json:"channel"`
	ShareCommand bool               `json:"share_command"`
	Version      string             `json:"version"`
	Instances    []wire.LegacyAgent `json:"instances"`
}

// status serves ipc://status.
func (s *Server) status(ctx context.Context, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
	r := statusReport{
		Status:       "ok",
		Mailbox:      s.st.Root(),
		Watching:     "events",
		SecureMode:   s.st.SecureMode(),
		Channel:      s.cfg.Channel,
		ShareCommand: s.cfg.ShareCommand != nil,
		Version:      s.cfg.Version,
		UnreadFrom:   []string{},
		Instances:    []wire.LegacyAgent{},
	}
	if s.st.FS().Polling {
		r.Watching = "polling"
	}
	if sess := s.session(); sess != nil {
		id := sess.ID()
		r.Identity = &id
		if u, err := sess.Unread(ctx); err == nil {
			r.Unread, r.UnreadFrom, r.MoreFrom = u.Count, append(r.UnreadFrom, u.From...), u.Partial
		}
	} else {
		s.mu.Lock()
		if s.startErr != nil {
			r.Note = "IPC_ID could not be taken: " + s.startErr.Error()
		} else {
			r.Note = "not registered: call register"
		}
		s.mu.Unlock()
	}
	agents, err := s.st.Agents(ctx)
	if err != nil {
		r.Status = "error"
		r.Note = err.Error()
	}
	for _, a := range agents {
		r.Instances = append(r.Instances, present.LegacyAgent(a))
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return []mcpgo.ResourceContents{mcpgo.TextResourceContents{
		URI: req.Params.URI, MIMEType: "application/json", Text: string(b),
	}}, nil
}
