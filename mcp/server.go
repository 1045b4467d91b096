package mcp

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ipc-dev/ipc/maildir"
)

// EnvChannel turns the Claude Code channel notifications off when set to
// "0" (they are on by default).
const EnvChannel = "IPC_CHANNEL"

// Name is the server name announced to clients.
const Name = "ipc"

//go:embed instructions.md
var instructions string

// Config configures a Server.
type Config struct {
	// ID is the identity to take at start (IPC_ID); empty waits for the
	// register tool.
	ID string
	// Secret is IPC_SHARED_SECRET: registration proofs are computed from
	// it, as the original's MCP server did.
	Secret string
	// Channel sends notifications/claude/channel when mail lands.
	Channel bool
	// ShareCommand allows the share_command tool.
	ShareCommand bool
	// Version is announced to clients.
	Version string
	// Budget is IPC_BUDGET: the most a check result may measure, in the
	// unit of the client's profile; "" keeps the client's (see
	// present.ForClient).
	Budget string
	// MaxMCPTokens is MAX_MCP_OUTPUT_TOKENS, Claude Code's limit on a tool
	// result, when set.
	MaxMCPTokens string
	// Logf receives diagnostics (never stdout). Nil discards them.
	Logf func(format string, args ...any)
}

// Server is the MCP server of one process. It acts as at most one identity
// at a time.
type Server struct {
	st  *maildir.Store
	cfg Config
	mcp *server.MCPServer
	run map[string]toolFunc // the tools by name, for the stdio transport

	mu       sync.Mutex
	sess     *maildir.Session   // nil until registered
	idCtx    context.Context    // ends when the identity changes (register, rename) or the server closes
	idCancel context.CancelFunc //
	startErr error              // why Config.ID could not be taken

	client    atomic.Value  // the client's name from initialize (string)
	ready     chan struct{} // closed once a client has initialized
	readyOnce sync.Once

	ctx       context.Context // the server's own lifetime
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewServer returns a server over st. When cfg.ID is set it registers that
// identity first, retrying for a moment while the name is held by a
// short-lived process (a hook that registers at session start); a failure
// is not fatal: it is reported to the model, which can register another
// name. Close the server to stop its goroutine and end its session; the
// caller closes st.
func NewServer(ctx context.Context, st *maildir.Store, cfg Config) *Server {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	s := &Server{st: st, cfg: cfg, ready: make(chan struct{}), run: map[string]toolFunc{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.idCtx, s.idCancel = context.WithCancel(s.ctx)
	if cfg.ID != "" {
		if err := s.autoRegister(ctx, cfg.ID); err != nil {
			s.startErr = err
			cfg.Logf("ipc mcp: cannot register %s (IPC_ID): %v", cfg.ID, err)
		}
	}

	hooks := &server.Hooks{}
	hooks.AddAfterInitialize(s.noteClient)
	hooks.AddAfterInitialize(func(context.Context, any, *mcpgo.InitializeRequest, *mcpgo.InitializeResult) {
		s.readyOnce.Do(func() { close(s.ready) })
	})
	opts := []server.ServerOption{
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithInstructions(s.instructions()),
		server.WithRecovery(),
		server.WithHooks(hooks),
	}
	if cfg.Channel {
		opts = append(opts, server.WithExperimental(map[string]any{"claude/channel": map[string]any{}}))
	}
	s.mcp = server.NewMCPServer(Name, cfg.Version, opts...)
	s.mcp.AddTools(s.tools()...)
	s.mcp.AddResource(mcpgo.NewResource("ipc://status", "status",
		mcpgo.WithResourceDescription("This server's identity, its unread mail, the mailbox and every registered agent with online/offline and last seen."),
		mcpgo.WithMIMEType("application/json")), s.status)

	if cfg.Channel {
		s.wg.Add(1)
		go s.announce()
	}
	return s
}

// MCPServer returns the underlying SDK server, for in-process clients.
func (s *Server) MCPServer() *server.MCPServer { return s.mcp }

// Serve speaks JSON-RPC over in and out (stdin and stdout) until in ends
// or ctx is cancelled. Only JSON-RPC is written to out. See stdio.go for
// the bounds it keeps on request size, memory and concurrency.
func (s *Server) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	return s.serveStdio(ctx, in, out)
}

// Close stops the server's goroutine, waits for it, and ends its session
// (the identity goes offline). It is idempotent.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.cancel()
		s.wg.Wait()
		s.mu.Lock()
		sess := s.sess
		s.sess = nil
		s.mu.Unlock()
		if sess != nil {
			err = sess.Close()
		}
	})
	return err
}

// session returns the current session, or nil before registration.
func (s *Server) session() *maildir.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess
}

// identity returns the current session and a context that ends when the
// identity changes.
func (s *Server) identity() (*maildir.Session, context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess, s.idCtx
}

// identityChangedLocked ends the current identity context and starts a new
// one, so that the channel goroutine follows the new name. s.mu is held.
func (s *Server) identityChangedLocked() {
	s.idCancel()
	s.idCtx, s.idCancel = context.WithCancel(s.ctx)
}

// register makes the server act as id, ending the session of the identity
// it acted as before, if any. It returns the identity given up ("" if none).
func (s *Server) register(ctx context.Context, id string) (previous string, err error) {
	sess, err := s.st.Login(ctx, id, maildir.Proof(id, s.cfg.Secret))
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	old := s.sess
	s.sess = sess
	s.startErr = nil
	s.identityChangedLocked()
	s.mu.Unlock()
	if old != nil && old != sess {
		previous = old.ID()
		if previous == id {
			previous = "" // re-registered under the same name: the core replaced it
		}
		old.Close()
	}
	return previous, nil
}

// autoRegister takes id at start. A name held by a short-lived process
// (the SessionStart hook registers too) is retried for a moment.
func (s *Server) autoRegister(ctx context.Context, id string) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, err := s.register(ctx, id)
		if err == nil || maildir.KindOf(err) != maildir.InUse || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// instructions are the server instructions: the embedded text, plus who
// this server is.
func (s *Server) instructions() string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(instructions))
	b.WriteString("\n\n")
	s.mu.Lock()
	sess, startErr := s.sess, s.startErr
	s.mu.Unlock()
	switch {
	case sess != nil:
		fmt.Fprintf(&b, "This server is already registered as %q (from IPC_ID): do not call register; pass %q as from_id, instance_id and old_id.", sess.ID(), sess.ID())
	case startErr != nil:
		fmt.Fprintf(&b, "IPC_ID asked for %q, which could not be taken (%v): register under another name.", s.cfg.ID, startErr)
	default:
		b.WriteString("This server has no identity yet: register first.")
	}
	if !s.cfg.Channel {
		b.WriteString("\nChannel notifications are off (IPC_CHANNEL=0): call check to see new mail.")
	}
	return b.String()
}

// logWriter adapts a Logf function to an io.Writer for the SDK's logger.
type logWriter func(format string, args ...any)

func (w logWriter) Write(p []byte) (int, error) {
	w("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
