// Package web is the console door: a local web page for the human who
// watches the agents, served with the standard library's HTTP server and
// assets embedded in the binary. It reads every mailbox through the core's
// overseer calls (maildir.Store.Traffic, Timeline, SearchAll, ThreadAll,
// Agents), which never claim, move or mark a message, and it sends as the
// human (maildir.HumanID) through the human's own session. Every request
// needs the console's token and the loopback Host and Origin it listens on
// (auth.go), and comes from a process of the console's own OS user when
// the kernel can tell (peer.go). The routes and the page's hooks are in docs/web.md.
//
// One file per concept: server.go (listen, serve, shut down), auth.go
// (the token, Host and Origin), api.go (the JSON routes and the errors),
// events.go (the server-sent event stream), assets.go (the embedded page),
// peer.go (refusing another OS user).
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// DefaultAddr is where the console listens unless told otherwise: the
// loopback address, on any free port.
const DefaultAddr = "127.0.0.1:0"

// shutdownGrace bounds how long Run waits for requests in flight once its
// context ends; the event streams end at once.
const shutdownGrace = 5 * time.Second

// Config says where the console listens.
type Config struct {
	// Addr is a host:port or a bare port; "" is DefaultAddr. The host
	// must be a loopback address or "localhost" unless ListenAny.
	Addr string
	// ListenAny allows a host that is not loopback. Anyone who reaches
	// the port and learns the token then reads every mailbox and writes
	// as the human.
	ListenAny bool
	// Token is the secret every request carries; "" makes a random one
	// (256 bits, as 64 hex digits).
	Token string
	// Logf receives the server's diagnostics (never the token); nil
	// discards them.
	Logf func(format string, args ...any)
}

// Server is a listening console. Run serves it until its context ends.
type Server struct {
	st    *maildir.Store
	ln    net.Listener
	token string
	port  string
	hosts map[string]bool // the Host headers it answers to
	any   bool            // ListenAny: any IP literal of the port is its host too
	logf  func(format string, args ...any)
	http  *http.Server

	stop    context.CancelFunc // ends every request's context: the event streams return
	streams sync.WaitGroup     // the event streams being served
	open    atomic.Int32       // how many: at most MaxStreams

	humanMu sync.Mutex
	human   *maildir.Session // the human's session, opened at the first send
}

// Listen opens the console's listener on cfg.Addr. The caller runs it
// with Run, which also closes it.
func Listen(st *maildir.Store, cfg Config) (*Server, error) {
	addr, err := listenAddr(cfg.Addr, cfg.ListenAny)
	if err != nil {
		return nil, err
	}
	token := cfg.Token
	if token == "" {
		if token, err = NewToken(); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("web: listen on %s: %w", addr, err)
	}
	s := &Server{st: st, ln: ln, token: token, any: cfg.ListenAny, logf: cfg.Logf}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s.hosts = hostsOf(ln.Addr().(*net.TCPAddr), s.port)
	base, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.http = &http.Server{
		Handler:           s.guard(s.routes()),
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnContext:       connContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	return s, nil
}

// NewToken returns a random 256-bit token as 64 hex digits.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("web: make a token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// listenAddr turns a port or host:port into the address to listen on,
// refusing a host that is not loopback unless any.
func listenAddr(addr string, any bool) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	if _, err := strconv.ParseUint(addr, 10, 16); err == nil {
		return net.JoinHostPort("127.0.0.1", addr), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("web: --addr %q is neither a port nor host:port", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("web: --addr %q: the port must be a number from 0 to 65535", addr)
	}
	if !any && !isLoopback(host) {
		return "", fmt.Errorf("web: --addr %q is not a loopback address: the console reads every mailbox, so it listens on 127.0.0.1, ::1 or localhost unless --listen-any is given", addr)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// isLoopback reports whether host is "localhost" or a loopback IP.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URL is the address to open, with the token: what ipc web prints.
func (s *Server) URL() string { return s.BaseURL() + "/?token=" + s.token }

// BaseURL is the console's origin, without the token.
func (s *Server) BaseURL() string {
	ip := s.ln.Addr().(*net.TCPAddr).IP
	host := ip.String()
	if ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, s.port)
}

// Token is the secret every request must carry.
func (s *Server) Token() string { return s.token }

// Run serves until ctx ends, then shuts down: the event streams end, the
// requests in flight get shutdownGrace to finish, and every goroutine the
// server started has returned when Run does. It closes the listener and
// the human's session, not the store.
func (s *Server) Run(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- s.http.Serve(s.ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	s.stop() // every request's context: the event streams return
	shut, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if e := s.http.Shutdown(shut); e != nil {
		s.http.Close()
	}
	if e := <-served; err == nil && !errors.Is(e, http.ErrServerClosed) {
		err = e
	}
	s.streams.Wait()
	s.humanMu.Lock()
	if s.human != nil {
		s.human.Close()
		s.human = nil
	}
	s.humanMu.Unlock()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// humanSession is the human's session, opened at the first send and kept
// until Run returns; a session that ended is opened again.
func (s *Server) humanSession(ctx context.Context) (*maildir.Session, error) {
	s.humanMu.Lock()
	defer s.humanMu.Unlock()
	if s.human != nil {
		return s.human, nil
	}
	h, err := s.st.Human(ctx)
	if err != nil {
		return nil, err
	}
	s.human = h
	return h, nil
}

// dropHuman forgets h after it reported the session closed, so that the
// next send opens a new one.
func (s *Server) dropHuman(h *maildir.Session) {
	s.humanMu.Lock()
	defer s.humanMu.Unlock()
	if s.human == h {
		s.human = nil
		h.Close()
	}
}
