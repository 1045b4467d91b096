package mcp

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// mustOpenAt opens the mailbox at root for a test: no fsyncs, and polling
// when the suite runs on the polling fallback.
func mustOpenAt(tb testing.TB, root string) *maildir.Store {
	tb.Helper()
	return mustOpenWith(tb, root, maildir.Options{})
}

// mustOpenWith is mustOpenAt with opts.
func mustOpenWith(tb testing.TB, root string, opts maildir.Options) *maildir.Store {
	tb.Helper()
	opts.Sync = maildir.SyncNone
	ipctest.Poll(os.Getenv).Apply(&opts.Poll, &opts.PollInterval)
	return ipctest.Open(tb, maildir.Open, root, opts)
}

// peer is an in-process MCP client of a Server, with the channel
// notifications it received.
type peer struct {
	tb  testing.TB
	srv *Server
	c   *client.Client

	mu    sync.Mutex
	notes []mcpgo.JSONRPCNotification
	got   chan struct{} // a notification arrived

	instructions string // as the client received them
}

// newPeer starts a Server with cfg over its own Store of the mailbox at
// root, as a separate "ipc mcp" process would, and connects an in-process
// client to it (each in-process client has its own session, unlike stdio).
// The client introduces itself as Claude Code.
func newPeer(tb testing.TB, root string, cfg Config) *peer {
	tb.Helper()
	return newPeerClient(tb, root, cfg, claudeCode, mcpgo.ClientCapabilities{})
}

// newPeerClient is newPeer with a client that introduces itself as name,
// with caps.
func newPeerClient(tb testing.TB, root string, cfg Config, name string, caps mcpgo.ClientCapabilities) *peer {
	tb.Helper()
	st := mustOpenAt(tb, root)
	if cfg.Logf == nil {
		cfg.Logf = tb.Logf
	}
	srv := NewServer(context.Background(), st, cfg)
	c, err := client.NewInProcessClient(srv.MCPServer())
	if err != nil {
		tb.Fatal(err)
	}
	p := &peer{tb: tb, srv: srv, c: c, got: make(chan struct{}, 1000)}
	c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		p.mu.Lock()
		p.notes = append(p.notes, n)
		p.mu.Unlock()
		p.got <- struct{}{}
	})
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = mcpgo.LATEST_LEGACY_PROTOCOL_VERSION // as Claude Code does
	init.Params.ClientInfo = mcpgo.Implementation{Name: name, Version: "1"}
	init.Params.Capabilities = caps
	res, err := c.Initialize(ctx, init)
	if err != nil {
		tb.Fatal(err)
	}
	p.instructions = res.Instructions
	tb.Cleanup(func() {
		c.Close()
		srv.Close()
	})
	return p
}

// call calls a tool and returns its text and whether it is an error result.
// A JSON-RPC error fails the test.
func (p *peer) call(name string, args map[string]any) (string, bool) {
	p.tb.Helper()
	res, err := p.callErr(name, args)
	if err != nil {
		p.tb.Fatalf("%s %v: JSON-RPC error %v", name, args, err)
	}
	return res.text, res.isError
}

type callResult struct {
	text    string
	isError bool
}

func (p *peer) callErr(name string, args map[string]any) (callResult, error) {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	if args != nil {
		req.Params.Arguments = args
	}
	res, err := p.c.CallTool(ctx, req)
	if err != nil {
		return callResult{}, err
	}
	if res.StructuredContent != nil {
		p.tb.Fatalf("%s: result has structured content; the model would see only that", name)
	}
	var b strings.Builder
	for _, c := range res.Content {
		tc, ok := c.(mcpgo.TextContent)
		if !ok {
			p.tb.Fatalf("%s: non-text content %T", name, c)
		}
		b.WriteString(tc.Text)
	}
	return callResult{b.String(), res.IsError}, nil
}

// ok calls a tool that must succeed and returns its text.
func (p *peer) ok(name string, args map[string]any) string {
	p.tb.Helper()
	text, isErr := p.call(name, args)
	if isErr {
		p.tb.Fatalf("%s %v: error result %q", name, args, text)
	}
	return text
}

// fail calls a tool that must fail with kind and returns its text.
func (p *peer) fail(name string, args map[string]any, kind string) string {
	p.tb.Helper()
	text, isErr := p.call(name, args)
	if !isErr || !strings.HasPrefix(text, kind+": ") {
		p.tb.Fatalf("%s %v = %q (isError %v), want a %s error", name, args, text, isErr, kind)
	}
	return text
}

// notifications returns the channel notifications received so far.
func (p *peer) channelNotes() []mcpgo.JSONRPCNotification {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []mcpgo.JSONRPCNotification
	for _, n := range p.notes {
		if n.Method == channelMethod {
			out = append(out, n)
		}
	}
	return out
}

// waitChannel waits until n channel notifications have arrived.
func (p *peer) waitChannel(n int) []mcpgo.JSONRPCNotification {
	p.tb.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		if got := p.channelNotes(); len(got) >= n {
			return got
		}
		select {
		case <-p.got:
		case <-deadline.C:
			p.tb.Fatalf("got %d channel notifications, want %d", len(p.channelNotes()), n)
		}
	}
}

func mustContain(tb testing.TB, text string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			tb.Fatalf("text lacks %q:\n%s", w, text)
		}
	}
}

// mustFrames parses the frames of a check result (present.Parse).
func mustFrames(tb testing.TB, text string) []present.Frame {
	tb.Helper()
	frames, err := present.Parse(text)
	if err != nil {
		tb.Fatalf("%v:\n%s", err, text)
	}
	return frames
}

// mustFrame fails unless each of wants lies inside a frame of text (the
// body or the data of a framed message): peer text, byte for byte, and
// never outside its frame.
func mustFrame(tb testing.TB, text string, wants ...string) []present.Frame {
	tb.Helper()
	frames := mustFrames(tb, text)
	for _, w := range wants {
		found := false
		for _, f := range frames {
			found = found || strings.Contains(f.Body, w) || strings.Contains(f.Data, w)
		}
		if !found {
			tb.Fatalf("no frame holds %q:\n%s", w, text)
		}
	}
	return frames
}
