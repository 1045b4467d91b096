package socket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// Defaults for Config fields left zero.
const (
	DefaultHost         = "127.0.0.1"
	DefaultPort         = 9876
	DefaultMaxConns     = 512
	DefaultIdleTimeout  = 10 * time.Second
	DefaultReadTimeout  = 60 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultStreamIdle   = 5 * time.Minute
	DefaultSessionIdle  = 10 * time.Minute

	lingerTimeout = 2 * time.Second // reading what a client still sends after the last reply
	lingerMax     = 256 << 20
	maxRejecters  = 64 // connections being turned away at once when over the cap
)

// Config configures a Server. Zero fields take the defaults above.
type Config struct {
	// TCP is the "host:port" to listen on ("" for no TCP listener). Port 0
	// picks a free port. A host other than loopback must be asked for
	// explicitly: there is no authentication beyond secure mode.
	TCP string
	// PortFallback: if TCP's port is taken by another program, listen on
	// a free port of the same host instead (and say so in the log).
	PortFallback bool
	// Socket is the Unix socket path ("" for none). Its directory is
	// created 0700; a stale socket file there is replaced.
	Socket string
	// RuntimeDir is $XDG_RUNTIME_DIR: the directory of DefaultSocketPath
	// (Unix), which a server makes sure is private to this user.
	RuntimeDir string
	// WSLDistro is $WSL_DISTRO_NAME: set under WSL, where a socket on a
	// Windows drive is refused (WSL is also told by its interop file).
	WSLDistro string

	MaxConns     int           // open connections; more are answered "busy" and closed
	MaxFrame     int           // the largest request, in bytes (DefaultMaxFrame)
	IdleTimeout  time.Duration // legacy: from connecting to the first byte of the request
	ReadTimeout  time.Duration // from the first byte of a request to its last
	WriteTimeout time.Duration // to write one reply or event
	StreamIdle   time.Duration // fast path without a subscription: the longest silence between requests
	SessionIdle  time.Duration // a session unused for this long is closed (its token still resumes it)
	IdleExit     time.Duration // Run stops after this long with no live agent and no connection (0: never)

	Version string                           // reported by hello, e.g. "ipc v1.0.0"
	Logf    func(format string, args ...any) // diagnostics; nil discards

	mailbox *servedMailbox // proven by hello; set by Run
}

func (c *Config) setDefaults() {
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxFrame <= 0 {
		c.MaxFrame = DefaultMaxFrame
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.StreamIdle <= 0 {
		c.StreamIdle = DefaultStreamIdle
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = DefaultSessionIdle
	}
	if c.Version == "" {
		c.Version = "ipc"
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// Server serves the legacy protocol and the fast path over TCP and a Unix
// socket, as a door over one maildir.Store. Requests of different
// connections run concurrently (no server-wide lock), so their deliveries
// share the core's group commit.
type Server struct {
	st       *maildir.Store
	cfg      Config
	sessions *sessionTable

	// reqCtx is the context of requests: cancelled only when Shutdown gives
	// up waiting. subCtx ends subscriptions and idle waits at shutdown.
	reqCtx    context.Context
	reqCancel context.CancelFunc
	subCtx    context.Context
	subCancel context.CancelFunc

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*conn]struct{}
	closing   bool
	rejecting int
	maxReject int // connections turned away at once, at most
	tcpAddr   *net.TCPAddr
	sockPath  string
	notice    string
	lastConn  time.Time    // when a connection last opened or closed
	refused   map[int]bool // peers whose refusal was logged, by uid (-1: unidentified, -2: out of descriptors)

	wg        sync.WaitGroup // accept loops, connections, the reaper
	closeOnce sync.Once
}

// listen binds the configured listeners and starts serving st. The caller
// stops the server with Shutdown (or Close) and closes st afterwards.
func listen(st *maildir.Store, cfg Config) (*Server, error) {
	cfg.setDefaults()
	if cfg.TCP == "" && cfg.Socket == "" {
		return nil, errors.New("socket: nothing to listen on: configure a TCP address or a Unix socket")
	}
	srv := &Server{st: st, cfg: cfg, conns: make(map[*conn]struct{})}
	if lim := fileLimit(); lim > 0 {
		conns := cfg.MaxConns
		srv.cfg.MaxConns, srv.maxReject = connLimits(conns, lim)
		if srv.cfg.MaxConns < conns {
			cfg.Logf("socket: serving at most %d connections at once: this process may open only %d files (raise the limit with ulimit -n)", srv.cfg.MaxConns, lim)
		}
	} else {
		srv.maxReject = maxRejecters
	}
	srv.sessions = newSessionTable(st, cfg.SessionIdle)
	srv.reqCtx, srv.reqCancel = context.WithCancel(context.Background())
	srv.subCtx, srv.subCancel = context.WithCancel(srv.reqCtx)
	if cfg.TCP != "" {
		l, notice, err := listenTCP(cfg.TCP, cfg.PortFallback)
		if err != nil {
			srv.closeListeners()
			return nil, err
		}
		srv.notice = notice
		srv.tcpAddr = l.Addr().(*net.TCPAddr)
		srv.listeners = append(srv.listeners, l)
		if !srv.tcpAddr.IP.IsLoopback() {
			cfg.Logf("socket: listening on %s, which is not loopback: any host that reaches it can use the mailbox", srv.tcpAddr)
		}
	}
	if cfg.Socket != "" {
		l, err := listenUnix(cfg.Socket, cfg.RuntimeDir, cfg.WSLDistro)
		if err != nil {
			srv.closeListeners()
			return nil, err
		}
		srv.sockPath = cfg.Socket
		srv.listeners = append(srv.listeners, l)
	}
	for _, l := range srv.listeners {
		srv.wg.Add(1)
		go srv.acceptLoop(l)
	}
	srv.wg.Add(1)
	go srv.reaper()
	return srv, nil
}

// connLimits fits the connection cap and the number of connections turned
// away at once into the process's open-file limit, leaving a quarter of it
// (at least 32 files) to the mailbox itself: every delivery opens files and
// every session holds a lock. Otherwise idle connections could take every
// descriptor and make the requests of the clients being served fail.
func connLimits(maxConns, fileLimit int) (conns, rejecters int) {
	rejecters = min(maxRejecters, max(fileLimit/8, 1))
	room := fileLimit - max(32, fileLimit/4) - rejecters
	return max(min(maxConns, room), 1), rejecters
}

// listenTCP listens on addr. If the port is taken and fallback is set, it
// listens on a free port of the same host and returns a notice saying so.
func listenTCP(addr string, fallback bool) (net.Listener, string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("socket: TCP address %q: %w", addr, err)
	}
	if host == "" {
		host = DefaultHost // never every interface by accident
	}
	addr = net.JoinHostPort(host, port)
	l, err := net.Listen("tcp", addr)
	if err == nil {
		return l, "", nil
	}
	if !portBusy(err) {
		return nil, "", fmt.Errorf("socket: listen on %s: %w", addr, err)
	}
	busy := fmt.Sprintf("port %s on %s is taken by another program (perhaps a server of another mailbox, or the original claude-ipc-mcp broker)", port, host)
	if !fallback || port == "0" {
		return nil, "", fmt.Errorf("socket: %s: stop it, or choose another port with IPC_PORT / --port: %w", busy, err)
	}
	l, err2 := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err2 != nil {
		return nil, "", fmt.Errorf("socket: %s, and no free port was found: %w", busy, err2)
	}
	return l, fmt.Sprintf("%s: listening on %s instead (recorded in server.json, where the clients of this mailbox look)", busy, l.Addr()), nil
}

// Addr returns the TCP address served, or nil.
func (srv *Server) Addr() *net.TCPAddr { return srv.tcpAddr }

// SocketPath returns the Unix socket served, or "".
func (srv *Server) SocketPath() string { return srv.sockPath }

// Notice returns what listen had to do differently from the configuration
// (a fallback port), or "".
func (srv *Server) Notice() string { return srv.notice }

func (srv *Server) acceptLoop(l net.Listener) {
	defer srv.wg.Done()
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if srv.isClosing() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off and retry.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			srv.cfg.Logf("socket: accept: %v; retrying in %v", err, delay)
			select {
			case <-time.After(delay):
			case <-srv.subCtx.Done():
				return
			}
			continue
		}
		delay = 0
		srv.startConn(nc)
	}
}

// startConn serves nc, or turns it away when over the connection cap.
func (srv *Server) startConn(nc net.Conn) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	switch {
	case srv.closing:
		nc.Close()
	case len(srv.conns) >= srv.cfg.MaxConns:
		if srv.rejecting >= srv.maxReject {
			nc.Close()
			return
		}
		srv.rejecting++
		srv.wg.Add(1)
		go srv.reject(nc)
	default:
		c := &conn{srv: srv, nc: nc}
		srv.conns[c] = struct{}{}
		srv.lastConn = time.Now()
		srv.wg.Add(1)
		go c.serve()
	}
}

// reject answers a connection over the cap with a busy error.
func (srv *Server) reject(nc net.Conn) {
	defer srv.wg.Done()
	defer func() {
		srv.mu.Lock()
		srv.rejecting--
		srv.mu.Unlock()
	}()
	err := doorError("", maildir.Busy, "server busy: %d connections are open; try again shortly", srv.cfg.MaxConns)
	writeAndLinger(nc, errorReply("", err), srv.cfg.WriteTimeout)
}

func (srv *Server) forget(c *conn) {
	srv.mu.Lock()
	delete(srv.conns, c)
	srv.lastConn = time.Now()
	srv.mu.Unlock()
}

// connActivity returns the number of connections open and when one last
// opened or closed (zero if none ever did).
func (srv *Server) connActivity() (open int, last time.Time) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.conns), srv.lastConn
}

func (srv *Server) isClosing() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.closing
}

// reaper closes idle sessions.
func (srv *Server) reaper() {
	defer srv.wg.Done()
	every := min(max(srv.cfg.SessionIdle/4, 50*time.Millisecond), time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-srv.subCtx.Done():
			return
		case <-t.C:
			srv.sessions.reap()
		}
	}
}

func (srv *Server) closeListeners() {
	for _, l := range srv.listeners {
		l.Close()
	}
}

// Shutdown stops the server gracefully: it stops accepting, interrupts
// connections waiting for a request, ends subscriptions (fast-path clients
// get a "shutdown" event), lets requests in flight finish and their replies
// be written, then closes the server's sessions. If ctx ends first, the
// remaining connections are closed at once; Shutdown still waits for their
// goroutines, and returns ctx.Err().
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.mu.Lock()
	srv.closing = true
	conns := make([]*conn, 0, len(srv.conns))
	for c := range srv.conns {
		conns = append(conns, c)
	}
	srv.mu.Unlock()
	srv.closeOnce.Do(srv.closeListeners)
	srv.subCancel()
	for _, c := range conns {
		c.interruptIdle()
	}
	done := make(chan struct{})
	go func() {
		srv.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		srv.reqCancel()
		srv.mu.Lock()
		for c := range srv.conns {
			c.nc.Close()
		}
		srv.mu.Unlock()
		<-done
	}
	srv.reqCancel()
	srv.sessions.closeAll()
	return err
}

// Close stops the server at once: like Shutdown with an expired context.
func (srv *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv.Shutdown(ctx)
	return nil
}

// conn is one client connection.
type conn struct {
	srv  *Server
	nc   net.Conn
	fr   *framer
	peer peerAccess // who is at the other end, decided before the first request

	mu   sync.Mutex // guards busy and the read deadline against Shutdown
	busy bool       // a request is being read or served

	// fast path (owned by the serving goroutine unless noted)
	fast    bool
	bound   *entry
	out     chan []byte
	sub     *subscription
	pending *entry // a subscription to start once its reply is queued
}

// serve reads the first request. "hello" turns the connection into a
// fast-path connection; anything else is a legacy request: one reply, then
// the connection is closed.
func (c *conn) serve() {
	defer c.srv.wg.Done()
	defer c.srv.forget(c)
	defer c.nc.Close()
	defer func() {
		if r := recover(); r != nil {
			c.srv.cfg.Logf("socket: panic serving %s: %v\n%s", c.nc.RemoteAddr(), r, debug.Stack())
		}
	}()
	if c.peer = c.srv.admit(c); c.peer.refusal != nil {
		c.srv.logRefusal(c.peer)
		c.writeLegacy(errorReply("", c.peer.refusal))
		return
	}
	c.fr = newFramer(c.nc, c.srv.cfg.MaxFrame)
	c.fr.OnStart = c.startRequest
	frame, err := c.readFrame(c.srv.cfg.IdleTimeout)
	if err != nil {
		c.writeLegacy(errorReply("", c.frameError(err, true)))
		return
	}
	req, err := parseRequest(frame)
	if err != nil {
		c.writeLegacy(errorReply("", err))
		return
	}
	if req.actionName() == "hello" {
		c.serveFast(req)
		return
	}
	if extra := trimSpace(c.fr.Buffered()); len(extra) > 0 {
		c.writeLegacy(errorReply("", doorError("", maildir.BadRequest,
			"extra data after the request: send one JSON object per connection, or open a persistent connection with hello")))
		return
	}
	c.writeLegacy(c.handle(req))
}

// readFrame waits for the next request: up to idle for its first byte (0:
// no limit), then ReadTimeout for the rest.
func (c *conn) readFrame(idle time.Duration) ([]byte, error) {
	c.mu.Lock()
	if c.srv.isClosing() {
		c.mu.Unlock()
		return nil, errShutdown
	}
	c.busy = false
	var dl time.Time
	if idle > 0 {
		dl = time.Now().Add(idle)
	}
	c.nc.SetReadDeadline(dl)
	c.mu.Unlock()
	frame, err := c.fr.Next()
	if err != nil && c.srv.isClosing() && isTimeout(err) {
		c.mu.Lock()
		busy := c.busy
		c.mu.Unlock()
		if !busy {
			return nil, errShutdown
		}
	}
	return frame, err
}

// startRequest is called when the first byte of a request arrives.
func (c *conn) startRequest() {
	c.mu.Lock()
	c.busy = true
	c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.ReadTimeout))
	c.mu.Unlock()
}

// interruptIdle wakes a connection waiting for its next request, at
// shutdown. A request being read is left to finish.
func (c *conn) interruptIdle() {
	c.mu.Lock()
	if !c.busy {
		c.nc.SetReadDeadline(time.Unix(1, 0))
	}
	c.mu.Unlock()
}

var errShutdown = errors.New("server shutting down")

// frameError describes a failure to read a request.
func (c *conn) frameError(err error, first bool) error {
	var se *syntaxError
	switch {
	case errors.Is(err, errShutdown):
		return doorError("", maildir.Busy, "the server is shutting down: try again in a moment")
	case errors.Is(err, errFrameTooLarge):
		return doorError("", maildir.TooLarge, "request over the %d-byte limit: send large content as a file", c.srv.cfg.MaxFrame)
	case errors.As(err, &se):
		return doorError("", maildir.BadRequest, "malformed JSON request: %v", se)
	case errors.Is(err, io.EOF) && first:
		return doorError("", maildir.BadRequest, "empty request: send one JSON object, e.g. {\"action\": \"register\", \"instance_id\": \"alice\"}")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return doorError("", maildir.BadRequest, "the connection ended in the middle of a request")
	case isTimeout(err) && c.isBusy():
		return doorError("", maildir.Timeout, "timed out: the request did not arrive completely within %v", c.srv.cfg.ReadTimeout)
	case isTimeout(err) && first:
		return doorError("", maildir.Timeout, "timed out: no request within %v of connecting", c.srv.cfg.IdleTimeout)
	case isTimeout(err):
		return doorError("", maildir.Timeout, "no request for %v: closing the idle connection (send ping to keep it open, or subscribe)", c.srv.cfg.StreamIdle)
	}
	return doorError("", maildir.BadRequest, "reading the request: %v", err)
}

func (c *conn) isBusy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.busy
}

// handle serves one request and returns its reply (never an error: errors
// become error replies here).
func (c *conn) handle(req request) (rep wire.Reply) {
	action := req.actionName()
	defer func() {
		if r := recover(); r != nil {
			c.srv.cfg.Logf("socket: panic in %q: %v\n%s", action, r, debug.Stack())
			rep = errorReply(action, doorError(action, maildir.Internal, "internal error serving %q (logged by the server)", action))
		}
		rep.ID = req.id()
	}()
	rep, err := c.dispatch(req, action)
	if err != nil {
		return errorReply(action, err)
	}
	return rep
}

func (c *conn) dispatch(req request, action string) (wire.Reply, error) {
	ctx := c.srv.reqCtx
	v, known := verbs[action]
	cl := &call{ctx: ctx, srv: c.srv, conn: c, req: req, action: action}
	if known && !v.session {
		return v.handle(cl)
	}
	// As in the original, the token is checked before the action is.
	for attempt := 0; ; attempt++ {
		ent, cached, err := c.session(ctx, req, action)
		if err != nil {
			return wire.Reply{}, err
		}
		cl.ent = ent
		rep, err := c.run(cl, v, known, action)
		c.srv.sessions.release(ent)
		if maildir.KindOf(err) == maildir.TokenExpired && c.bound == ent {
			// The token expired while this connection held its session:
			// let the name go, so that it can be registered again.
			c.unbind()
		}
		if maildir.KindOf(err) == maildir.SessionClosed && cached && attempt == 0 {
			// Replaced by a new registration of the name (or reaped while
			// in use): forget it and try the token again.
			c.srv.sessions.evict(ent)
			if c.bound == ent {
				c.unbind()
			}
			continue
		}
		return rep, err
	}
}

func (c *conn) run(cl *call, v verb, known bool, action string) (wire.Reply, error) {
	if !known {
		return wire.Reply{}, unknownAction(cl.req["action"])
	}
	if v.fast && !c.fast {
		return wire.Reply{}, doorError(action, maildir.BadRequest, "%s needs a persistent connection: open it with {\"action\": \"hello\", \"version\": 2}", action)
	}
	if !v.nobody {
		if err := checkSelf(cl.req, action, cl.s()); err != nil {
			return wire.Reply{}, err
		}
	}
	return v.handle(cl)
}

// session returns the session a request acts as: its session_token's, or
// on a fast-path connection the connection's bound session. A token on a
// fast-path connection binds the connection to its session.
func (c *conn) session(ctx context.Context, req request, action string) (ent *entry, cached bool, err error) {
	token, present, err := req.str(action, "session_token")
	if err != nil {
		return nil, false, err
	}
	if !present || token == "" {
		if c.fast && c.bound != nil {
			c.srv.sessions.use(c.bound)
			return c.bound, true, nil
		}
		return nil, false, &maildir.Error{Op: "resume", Kind: maildir.InvalidToken, Msg: msgBadToken}
	}
	ent, err = c.srv.sessions.acquire(ctx, token)
	if err != nil {
		return nil, false, err
	}
	if c.fast {
		c.bind(ent)
	}
	return ent, true, nil
}

// writeLegacy writes the one reply of a legacy connection in a single
// write, then closes it gently (see writeAndLinger).
func (c *conn) writeLegacy(rep wire.Reply) {
	writeAndLinger(c.nc, rep, c.srv.cfg.WriteTimeout)
}

// writeAndLinger writes rep in one write, shuts down the sending side, and
// reads (and discards) whatever the client still sends until it closes,
// for a bounded time. Closing a socket with unread input makes the kernel
// send a reset, which can destroy the reply before the client reads it.
func writeAndLinger(nc net.Conn, rep wire.Reply, timeout time.Duration) {
	b, err := wire.Encode(rep)
	if err != nil {
		b = []byte(`{"status": "error", "message": "internal error encoding the reply", "error_code": "internal", "recoverable": true}` + "\n")
	}
	nc.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := nc.Write(b); err != nil {
		return
	}
	linger(nc)
}

func linger(nc net.Conn) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.Copy(io.Discard, io.LimitReader(nc, lingerMax))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// hostPort formats a TCP address for humans and files.
func hostPort(a *net.TCPAddr) string {
	if a == nil {
		return ""
	}
	return net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port))
}
