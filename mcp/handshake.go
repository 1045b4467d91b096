package mcp

import (
	"context"
	"maps"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The handshake: a client starts with initialize (protocol revisions up
// to 2025-11-25) or with server/discover (2026-07-28, no initialize). The
// server learns from it who the client is, and answers with instructions
// and capabilities for that client:
//
//   - Channel notifications are sent, declared and described only to a
//     client that shows them (channelClient), unless
//     Config.ChannelAnyClient.
//   - Such a client is offered only the revisions that let a server send
//     notifications of its own: on 2026-07-28 Claude Code skips channel
//     notifications ("connection negotiated a modern protocol revision"),
//     and offered 2025-11-25 at most it falls back to initialize.
//   - Notifications start after the reply to the client's first request
//     other than server/discover, whichever handshake it used.

// claudeCode is the clientInfo name of Claude Code.
const claudeCode = "claude-code"

// channelClient reports whether a client shows channel events: Claude
// Code, or a client that declares the experimental claude/channel
// capability.
func channelClient(info *mcpgo.Implementation, caps *mcpgo.ClientCapabilities) bool {
	if info != nil && info.Name == claudeCode {
		return true
	}
	if caps != nil {
		_, ok := caps.Experimental[channelCapability]
		return ok
	}
	return false
}

// handshakeHooks adapt the SDK's answers to initialize and server/discover
// to the client.
func (s *Server) handshakeHooks() *server.Hooks {
	hooks := &server.Hooks{}
	hooks.AddAfterInitialize(func(_ context.Context, _ any, req *mcpgo.InitializeRequest, res *mcpgo.InitializeResult) {
		s.greet(&req.Params.ClientInfo, &req.Params.Capabilities, &res.Capabilities, &res.Instructions)
		if !s.viaStdio.Load() {
			s.markReady() // an in-process client: the reply is delivered as the hook returns
		}
	})
	hooks.AddAfterDiscover(func(ctx context.Context, _ any, _ *mcpgo.DiscoverRequest, res *mcpgo.DiscoverResult) {
		var (
			info *mcpgo.Implementation
			caps *mcpgo.ClientCapabilities
		)
		if p := server.RequestProtocolInfoFromContext(ctx); p != nil {
			info, caps = p.ClientInfo, p.ClientCapabilities
		}
		if s.greet(info, caps, &res.Capabilities, &res.Instructions) {
			res.SupportedVersions = mcpgo.LegacyProtocolVersions()
		}
	})
	return hooks
}

// greet records the client's name (its budget, budget.go) and whether
// channel notifications reach it, and writes
// the instructions and capabilities of the reply for it. It reports whether
// they do.
func (s *Server) greet(info *mcpgo.Implementation, caps *mcpgo.ClientCapabilities, srvCaps *mcpgo.ServerCapabilities, instructions *string) bool {
	if info != nil {
		s.client.Store(info.Name)
	}
	channels := s.cfg.Channel && (s.cfg.ChannelAnyClient || channelClient(info, caps))
	s.mu.Lock()
	s.channels = channels
	s.mu.Unlock()
	if !channels && srvCaps.Experimental != nil {
		srvCaps.Experimental = maps.Clone(srvCaps.Experimental) // the server's own map is shared
		delete(srvCaps.Experimental, channelCapability)
		if len(srvCaps.Experimental) == 0 {
			srvCaps.Experimental = nil
		}
	}
	*instructions = s.instructions()
	return channels
}

// markReady lets the announcer start: the client may now receive
// notifications.
func (s *Server) markReady() {
	s.readyOnce.Do(func() { close(s.ready) })
}

// channelsOn reports whether the client shows channel events.
func (s *Server) channelsOn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channels
}
