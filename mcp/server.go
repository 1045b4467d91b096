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

// EnvChannel chooses the clients that get Claude Code channel
// notifications: unset or "auto", the clients known to show them (see
// channelClient); "1" (on, true, yes), every client; "0" (off, false, no),
// none.
const EnvChannel = "IPC_CHANNEL"

// autoRegisterFor is how long a name given by IPC_ID and held by another
// live process is retried in the background (a hook that registers at
// session start holds it for a moment).
const autoRegisterFor = 3 * time.Second

// Name is the server name announced to clients.
const Name = "ipc"

//go:embed instructions.md
var instructions string

// Config configures a Server.
type Config struct {
	// ID is the identity to take at start (IPC_ID); empty waits for the
	// register tool.
	ID string
	// Channel sends notifications/claude/channel when mail lands, to a
	// client known to show them (channelClient) and describes them in its
	// instructions.
	Channel bool
	// ChannelAnyClient sends them to any client (IPC_CHANNEL=1).
	ChannelAnyClient bool
	// ShareCommand runs the commands of the share_command tool
	// (internal/sharecmd); nil turns the tool off.
	ShareCommand maildir.CommandRunner
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

	mu       sync.Mutex
	sess     *maildir.Session   // nil until registered
	idCtx    context.Context    // ends when the identity changes (register, rename) or the server closes
	idCancel context.CancelFunc //
	startErr error              // why Config.ID could not be taken
	channels bool               // the client shows channel events (set by the handshake)

	client atomic.Value // the client's name from the handshake (string): its budget

	// pending is closed when taking Config.ID has ended; autoCancel ends
	// its retries early (register).
	pending    chan struct{}
	autoCancel context.CancelFunc

	ready     chan struct{} // closed once a client may receive notifications
	readyOnce sync.Once
	viaStdio  atomic.Bool // the stdio transport signals ready, after its first reply

	ctx       context.Context // the server's own lifetime
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewServer returns a server over st. When cfg.ID is set it tries to
// register that identity once; while the name is held by another live
// process it retries in the background (see startAutoRegister), so that
// the handshake is answered at once. A failure is not fatal: it is reported
// to the model, which can register another name. Close the server to stop
// its goroutines and end its session; the caller closes st.
func NewServer(ctx context.Context, st *maildir.Store, cfg Config) *Server {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	s := &Server{st: st, cfg: cfg, ready: make(chan struct{})}
	s.channels = cfg.Channel && cfg.ChannelAnyClient // until a handshake names the client
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.idCtx, s.idCancel = context.WithCancel(s.ctx)
	s.startAutoRegister(ctx, cfg.ID)

	opts := []server.ServerOption{
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithInstructions(s.instructions()),
		server.WithRecovery(),
		server.WithToolHandlerMiddleware(s.door),
		server.WithHooks(s.handshakeHooks()),
	}
	if cfg.Channel {
		opts = append(opts, server.WithExperimental(map[string]any{channelCapability: map[string]any{}}))
	}
	s.mcp = server.NewMCPServer(Name, cfg.Version, opts...)
	s.mcp.AddTools(append(s.tools(), s.mailTool())...)
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
	sess, err := s.st.LoginLocal(ctx, id)
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

// startAutoRegister takes id (Config.ID) at start with one attempt, so
// that the instructions can name the identity. When another live process
// holds the name, it keeps trying in the background for autoRegisterFor
// instead of delaying the handshake (a client such as codex exec gives its
// servers about a second); tools that need the identity wait for the
// outcome (awaitIdentity).
func (s *Server) startAutoRegister(ctx context.Context, id string) {
	s.pending = make(chan struct{})
	s.autoCancel = func() {}
	if id == "" {
		close(s.pending)
		return
	}
	_, err := s.register(ctx, id)
	if err == nil || maildir.KindOf(err) != maildir.InUse {
		s.failedStart(err)
		close(s.pending)
		return
	}
	s.mu.Lock()
	s.startErr = err
	s.mu.Unlock()
	retryCtx, cancel := context.WithTimeout(s.ctx, autoRegisterFor)
	s.autoCancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(s.pending)
		defer cancel()
		s.failedStart(s.retryRegister(retryCtx, id, err))
	}()
}

// retryRegister registers id again while err says the name is in use,
// until ctx ends, and returns the last error (nil: registered).
func (s *Server) retryRegister(ctx context.Context, id string, err error) error {
	for maildir.KindOf(err) == maildir.InUse {
		pause(ctx, 100*time.Millisecond)
		if ctx.Err() != nil {
			return err
		}
		_, err = s.register(ctx, id)
	}
	return err
}

// failedStart records why Config.ID could not be taken (nil: it was).
func (s *Server) failedStart(err error) {
	if err == nil {
		return
	}
	s.cfg.Logf("ipc mcp: cannot register %s (IPC_ID): %v", s.cfg.ID, err)
	s.mu.Lock()
	if s.sess == nil {
		s.startErr = err
	}
	s.mu.Unlock()
}

// awaitIdentity waits until taking Config.ID has ended, or ctx ends.
func (s *Server) awaitIdentity(ctx context.Context) {
	select {
	case <-s.pending:
	case <-ctx.Done():
	}
}

// registering reports whether Config.ID is still being retried.
func (s *Server) registering() bool {
	select {
	case <-s.pending:
		return false
	default:
		return true
	}
}

// instructions are the server instructions: who this server is first, the
// embedded text, and what channel events are where the client shows them.
func (s *Server) instructions() string {
	var b strings.Builder
	s.mu.Lock()
	sess, startErr, channels := s.sess, s.startErr, s.channels
	s.mu.Unlock()
	const what = "ipc, the mailbox of the AI agents on this machine"
	switch {
	case sess != nil:
		fmt.Fprintf(&b, "You are %q on %s: pass %q as from_id, instance_id and old_id; do not call register.", sess.ID(), what, sess.ID())
	case s.registering():
		fmt.Fprintf(&b, "IPC_ID asks for %q on %s, but another live process holds that name: this server retries for a few seconds and tools wait for it. If a tool answers not_registered, register another name.", s.cfg.ID, what)
	case startErr != nil:
		fmt.Fprintf(&b, "IPC_ID asked for %q on %s, which could not be taken (%v): register another name.", s.cfg.ID, what, startErr)
	default:
		fmt.Fprintf(&b, "You have no name yet on %s: call register first.", what)
	}
	b.WriteString("\n\n")
	b.WriteString(strings.TrimSpace(instructions))
	if channels {
		b.WriteString("\n\n")
		b.WriteString(channelInstructions)
	}
	return b.String()
}

// logWriter adapts a Logf function to an io.Writer for the SDK's logger.
type logWriter func(format string, args ...any)

func (w logWriter) Write(p []byte) (int, error) {
	w("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
