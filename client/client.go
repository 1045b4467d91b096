// Package client is the Go client of the socket door (package socket's
// protocol 2, the fast path, and one-shot requests of protocol 1): Dial
// and DialMailbox open a pipelined connection, ReleaseName and Legacy are
// one-request helpers. Errors a server reports are *Error values with the
// reply's error_code as their Kind.
//
// It must not import the core (maildir), the server (socket), nor the
// libraries beneath them (fsnotify, flock): a Go program that only talks
// to a server depends on this package, internal/wire and internal/rootfile
// alone (make deps checks it).
package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/rootfile"
	"github.com/ipc-dev/ipc/internal/wire"
)

// maxFrame bounds a frame the client accepts from a server.
const maxFrame = 64 << 20

// writeTimeout bounds the write of one request, as the server bounds the
// write of a reply.
const writeTimeout = 30 * time.Second

// ErrNotRunning is returned by DialMailbox when no server serves the mailbox.
var ErrNotRunning = errors.New("socket: no server is running for this mailbox")

// ErrWrongMailbox is returned by DialMailbox when the server that answers
// does not prove it serves the mailbox.
var ErrWrongMailbox = errors.New("socket: the server that answered does not prove it serves this mailbox")

// Reply is a frame the server writes: a reply, or an event on the fast
// path (see package socket's documentation for its fields).
type Reply = wire.Reply

// Message is a message as check and mail events carry it, in the
// original's shape.
type Message = wire.LegacyMessage

// Agent is a registered agent as list returns it, in the original's shape.
type Agent = wire.LegacyAgent

// Identity is the "mailbox" of a hello reply: the mailbox a server says
// it serves, and its proof.
type Identity = wire.Identity

// Status values of a reply.
const (
	StatusOK    = wire.StatusOK
	StatusError = wire.StatusError
)

// Events a server pushes on the fast path.
const (
	EventMail    = wire.EventMail    // new messages for the subscribed identity
	EventEnded   = wire.EventEnded   // the subscription stopped; the connection stays open
	EventClosing = wire.EventClosing // the server closes the connection after this event
)

// Version is the protocol version this client speaks (the fast path).
const Version = wire.Version

// Client is a fast-path connection. It is safe for concurrent use:
// requests of several goroutines are pipelined on the one connection and
// each gets its own reply. Errors the server reports are *Error values, so
// KindOf gives their error_code.
type Client struct {
	nc        net.Conn
	hello     Reply
	challenge string // sent in hello, for the server's proof

	wmu     sync.Mutex // serializes writes, so pending is in wire order
	mu      sync.Mutex
	pending []*pendingCall
	nextID  uint64
	err     error // why the connection ended

	events chan Reply
	closed chan struct{}
	done   chan struct{} // the reader has ended
	once   sync.Once
}

type pendingCall struct {
	id    string
	reply chan Reply // buffered: the reader never waits for a caller
}

// Dial connects to a server ("tcp", "127.0.0.1:9876" or "unix", a socket
// path) and opens the fast path with hello, carrying a fresh challenge.
// Dial checks nothing about the server; DialMailbox does.
func Dial(ctx context.Context, network, address string) (*Client, error) {
	challenge, err := wire.NewChallenge()
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	c := &Client{nc: nc, challenge: challenge, events: make(chan Reply, 64), closed: make(chan struct{}), done: make(chan struct{})}
	go c.read()
	rep, err := c.Do(ctx, map[string]any{"action": "hello", "version": wire.Version, "challenge": challenge})
	if err != nil {
		c.Close()
		return nil, err
	}
	c.hello = rep
	return c, nil
}

// DialMailbox connects to the server of the mailbox at root, as recorded
// in its server.json: the Unix socket first, then TCP. It returns
// ErrNotRunning if no server holds the mailbox's run lock (server.lock),
// and ErrWrongMailbox (wrapped) if the server that answers does not prove,
// in its hello reply, that it holds the mailbox's key (mailbox.json): a port
// or socket path reused by another mailbox's server, or by a program
// replaying what a server of this mailbox once said, gets nothing but that
// hello. The pid in Server().Mailbox is then the one the server proved.
func DialMailbox(ctx context.Context, root string) (*Client, error) {
	rs, ok, err := rootfile.Running(root)
	if err != nil {
		return nil, err
	}
	if !ok || rs.PID == 0 {
		return nil, ErrNotRunning
	}
	key, ok, err := rootfile.ReadMailboxKey(root)
	if err != nil {
		return nil, err
	}
	if !ok { // a server makes the key before it listens
		return nil, fmt.Errorf("%w: %s has no key yet (pid %d is starting, or is an older version that cannot prove which mailbox it serves)",
			ErrNotRunning, wire.IdentityFile, rs.PID)
	}
	var firstErr error
	for _, ep := range [][2]string{{"unix", rs.Socket}, {"tcp", rs.TCP}} {
		if ep[1] == "" {
			continue
		}
		c, err := Dial(ctx, ep[0], ep[1])
		if err == nil {
			err = c.verifyMailbox(key, root, ep[1])
			if err == nil {
				return c, nil
			}
			c.Close()
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = ErrNotRunning
	}
	return nil, firstErr
}

// verifyMailbox checks that the server's hello proved the key of the
// mailbox at root, and otherwise names what answered.
func (c *Client) verifyMailbox(key wire.MailboxKey, root, addr string) error {
	mb := c.hello.Mailbox
	if key.Verify(c.challenge, mb) {
		return nil
	}
	who := holderOf(addr, c.hello)
	if abs, _ := filepath.Abs(root); mb != nil && mb.Root == abs {
		return fmt.Errorf("%w: %s says it serves this mailbox (pid %d) but cannot prove it: its hello does not answer this client's challenge with the mailbox's key (a replayed or forged answer)",
			ErrWrongMailbox, addr, mb.PID)
	}
	if who.Kind == HolderMailbox {
		return fmt.Errorf("%w: %s is %s, which serves another mailbox, not %s", ErrWrongMailbox, addr, who, root)
	}
	return fmt.Errorf("%w: %s is %s", ErrWrongMailbox, addr, who)
}

// Server returns the server's hello reply (version, max_frame, server).
func (c *Client) Server() Reply { return c.hello }

// Events returns the channel of events pushed by the server: "mail" after
// Subscribe, "subscription_ended", "closing". It is closed when the
// connection ends. A client that subscribes must keep reading it: while it
// is full, replies wait too.
func (c *Client) Events() <-chan Reply { return c.events }

// Close closes the connection and waits for its reader. It is idempotent.
func (c *Client) Close() error {
	var err error
	c.once.Do(func() {
		close(c.closed)
		err = c.nc.Close()
		<-c.done
	})
	return err
}

// Err returns why the connection ended, or nil while it is open.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Do sends a request and waits for its reply. The request's "id" is set by
// Do. A reply with status "error" is returned as an *Error.
func (c *Client) Do(ctx context.Context, req map[string]any) (Reply, error) {
	c.wmu.Lock()
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		c.wmu.Unlock()
		return Reply{}, err
	}
	c.nextID++
	id := strconv.FormatUint(c.nextID, 10)
	p := &pendingCall{id: id, reply: make(chan Reply, 1)}
	c.pending = append(c.pending, p)
	c.mu.Unlock()
	req["id"] = id
	b, err := wire.Encode(req)
	if err == nil {
		c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		_, err = c.nc.Write(b)
	}
	c.wmu.Unlock()
	if err != nil {
		c.fail(fmt.Errorf("socket: write: %w", err))
	}
	select {
	case rep, ok := <-p.reply:
		if !ok {
			return Reply{}, c.Err()
		}
		action, _ := req["action"].(string)
		return rep, replyError(action, rep)
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
}

// replyError returns the error an error reply carries, or nil.
func replyError(action string, rep Reply) error {
	if rep.Status == StatusOK {
		return nil
	}
	kind := Kind(rep.ErrorCode)
	if kind == "" {
		kind = KindInternal
	}
	return &Error{Action: action, Kind: kind, Msg: rep.Message}
}

// read dispatches frames: replies to their callers in order, events to
// the events channel. A server writes every frame as one line.
func (c *Client) read() {
	defer close(c.done)
	defer close(c.events)
	br := bufio.NewReader(c.nc)
	for {
		frame, err := readLine(br, maxFrame)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("socket: the server closed the connection")
			}
			c.fail(err)
			return
		}
		var rep Reply
		if err := json.Unmarshal(frame, &rep); err != nil {
			c.fail(fmt.Errorf("socket: malformed frame from the server: %w", err))
			return
		}
		if rep.Event != "" {
			select {
			case c.events <- rep:
			case <-c.closed:
				c.fail(net.ErrClosed)
				return
			}
			continue
		}
		c.mu.Lock()
		if len(c.pending) == 0 {
			c.mu.Unlock()
			c.fail(fmt.Errorf("socket: unexpected reply from the server: %s", cut(string(frame), 200)))
			return
		}
		p := c.pending[0]
		c.pending = c.pending[1:]
		c.mu.Unlock()
		var id string
		if json.Unmarshal(rep.ID, &id) != nil || id != p.id {
			c.fail(fmt.Errorf("socket: reply %s came for request %s: out of order", rep.ID, p.id))
			return
		}
		p.reply <- rep
	}
}

// readLine returns the next line of br without its newline, refusing one
// over max bytes.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		if len(line)+len(part) > max+1 {
			return nil, fmt.Errorf("socket: a frame from the server is over %d bytes", max)
		}
		line = append(line, part...)
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// fail ends the connection with err: every waiting caller gets it.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, p := range pending {
		close(p.reply)
	}
	c.nc.Close()
}

// Register logs in as id (proof, in secure mode: hex(sha256("<id>:<secret>")),
// as maildir.Proof computes it) and binds the connection to the new session. It returns the session
// token, valid on every door, and the server's summary.
func (c *Client) Register(ctx context.Context, id, proof string) (token, summary string, err error) {
	rep, err := c.Do(ctx, map[string]any{"action": "register", "instance_id": id, "auth_token": proof})
	return rep.SessionToken, rep.Message, err
}

// Resume binds the connection to the session of token and returns its id.
func (c *Client) Resume(ctx context.Context, token string) (string, error) {
	rep, err := c.Do(ctx, map[string]any{"action": "hello", "version": wire.Version, "session_token": token})
	return rep.InstanceID, err
}

// Send sends content (and optional data, a JSON object) to to, and returns
// the server's summary ("Message sent", "Message queued for ...", ...).
func (c *Client) Send(ctx context.Context, to, content string, data json.RawMessage) (string, error) {
	rep, err := c.Do(ctx, map[string]any{"action": "send", "to_id": to, "message": message(content, data)})
	return rep.Message, err
}

// Broadcast sends content to every registered agent but the session's own.
func (c *Client) Broadcast(ctx context.Context, content string, data json.RawMessage) (string, error) {
	rep, err := c.Do(ctx, map[string]any{"action": "broadcast", "message": message(content, data)})
	return rep.Message, err
}

// Check claims up to max unread messages (0: the server's default, 100)
// and returns them with the number left unread.
func (c *Client) Check(ctx context.Context, max int) ([]Message, int, error) {
	req := map[string]any{"action": "check"}
	if max > 0 {
		req["max"] = max
	}
	rep, err := c.Do(ctx, req)
	remaining := 0
	if rep.Remaining != nil {
		remaining = *rep.Remaining
	}
	return rep.Messages, remaining, err
}

// List returns the registered agents.
func (c *Client) List(ctx context.Context) ([]Agent, error) {
	rep, err := c.Do(ctx, map[string]any{"action": "list"})
	return rep.Instances, err
}

// Rename renames the session to newID.
func (c *Client) Rename(ctx context.Context, newID string) (string, error) {
	rep, err := c.Do(ctx, map[string]any{"action": "rename", "new_id": newID})
	return rep.Message, err
}

// Subscribe asks the server to push the session's new mail as "mail"
// events on Events, starting with what is already unread.
func (c *Client) Subscribe(ctx context.Context) error {
	_, err := c.Do(ctx, map[string]any{"action": "subscribe"})
	return err
}

// Ping checks that the server answers.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Do(ctx, map[string]any{"action": "ping"})
	return err
}

func message(content string, data json.RawMessage) map[string]any {
	m := map[string]any{"content": content}
	if len(data) > 0 {
		m["data"] = data
	}
	return m
}

// ReleaseName asks the server of the mailbox at root to let go of id where
// it holds the name only for legacy clients between their requests (see
// the release action). It reports whether the server released it.
func ReleaseName(ctx context.Context, root, id string) (bool, error) {
	c, err := DialMailbox(ctx, root)
	if err != nil {
		return false, err
	}
	defer c.Close()
	rep, err := c.Do(ctx, map[string]any{"action": "release", "instance_id": id})
	if err != nil {
		return false, err
	}
	return rep.Message == "Released "+id, nil
}

// Legacy sends one request with the original protocol (one JSON object per
// connection) and returns the reply, read until the server closes the
// connection. Error replies are returned as replies, not errors.
func Legacy(ctx context.Context, network, address string, req any) (Reply, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return Reply{}, err
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	b, err := json.Marshal(req)
	if err != nil {
		return Reply{}, err
	}
	if _, err := nc.Write(b); err != nil {
		return Reply{}, err
	}
	raw, err := io.ReadAll(io.LimitReader(nc, maxFrame))
	if err != nil {
		return Reply{}, err
	}
	var rep Reply
	if err := json.Unmarshal(raw, &rep); err != nil {
		return Reply{}, fmt.Errorf("socket: malformed reply %q: %w", cut(string(raw), 200), err)
	}
	return rep, nil
}

// cut shortens s, quoted in an error, to n bytes, not splitting a
// character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
