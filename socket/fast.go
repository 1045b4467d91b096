package socket

import (
	"bufio"
	"context"
	"errors"
	"io"
	"runtime/debug"
	"time"

	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// outQueue is how many encoded frames may wait for the writer of one
// fast-path connection; a client that does not read makes the server stop
// reading its requests (backpressure), not buffer without bound.
const outQueue = 32

// subscription pushes a session's new mail on a fast-path connection.
type subscription struct {
	ent    *entry
	cancel context.CancelFunc
	done   chan struct{}
}

// serveFast serves a fast-path connection opened by hello: requests are
// read and answered in order, replies and events go through one writer
// goroutine, and a subscription runs in its own goroutine. All of them end
// before serveFast returns.
func (c *conn) serveFast(hello request) {
	c.fast = true
	c.out = make(chan []byte, outQueue)
	writerDone := make(chan struct{})
	go c.writer(writerDone)
	defer func() {
		c.stopSubscription()
		c.unbind()
		close(c.out)
		<-writerDone
		linger(c.nc)
	}()
	c.queue(c.hello(hello))
	for {
		idle := c.srv.cfg.StreamIdle
		if c.subActive() {
			idle = 0 // a subscriber waits for mail as long as it likes
		}
		frame, err := c.readFrame(idle)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				c.closing(err)
			}
			return
		}
		var rep wire.Reply
		if req, err := parseRequest(frame); err != nil {
			rep = errorReply("", err)
		} else if req.actionName() == "hello" {
			rep = c.hello(req)
		} else {
			rep = c.handle(req)
		}
		c.queue(rep)
		if c.pending != nil {
			c.launchSubscription()
		}
	}
}

// hello answers the handshake: the mailbox served, with the proof of the
// client's challenge if it sent one, and the session of session_token if
// one is given.
func (c *conn) hello(req request) wire.Reply {
	rep, err := func() (wire.Reply, error) {
		v, err := req.int("hello", "version", wire.Version)
		if err != nil {
			return wire.Reply{}, err
		}
		if v < wire.Version {
			return wire.Reply{}, doorError("hello", maildir.BadRequest,
				"protocol version %d has no persistent connections; this server speaks version %d (legacy clients send one request per connection, without hello)", v, wire.Version)
		}
		challenge, _, err := req.str("hello", "challenge")
		if err != nil {
			return wire.Reply{}, err
		}
		if challenge != "" && !wire.ValidChallenge(challenge) {
			return wire.Reply{}, doorError("hello", maildir.BadRequest,
				"'challenge' must be %d to %d lowercase hex digits (a fresh random value)", 2*wire.MinChallengeBytes, 2*wire.MaxChallengeBytes)
		}
		rep := wire.Reply{Status: wire.StatusOK, Message: "ipc fast path", Version: wire.Version, Server: c.srv.cfg.Version, MaxFrame: c.srv.cfg.MaxFrame,
			Mailbox: c.srv.cfg.mailbox.answer(challenge)}
		token, present, err := req.str("hello", "session_token")
		if err != nil || !present || token == "" {
			return rep, err
		}
		ent, err := c.resume(token)
		if err != nil {
			return wire.Reply{}, err
		}
		c.bind(ent)
		rep.InstanceID = ent.s.ID()
		c.srv.sessions.release(ent)
		return rep, nil
	}()
	if err != nil {
		rep = errorReply("hello", err)
	}
	rep.ID = req.id()
	return rep
}

// resume finds the session of token for hello as a request would find it:
// a session the server still holds may have been replaced by a new
// registration since (closed: forget it and look the token up again), or
// its token may have expired; either is refused rather than bound.
func (c *conn) resume(token string) (*entry, error) {
	for attempt := 0; ; attempt++ {
		ent, err := c.srv.sessions.acquire(c.srv.reqCtx, token)
		if err != nil {
			return nil, err
		}
		_, err = ent.s.Peek(c.srv.reqCtx, 1)
		kind := maildir.KindOf(err)
		if err == nil || kind != maildir.SessionClosed && kind != maildir.TokenExpired {
			return ent, nil
		}
		c.srv.sessions.release(ent)
		if kind == maildir.TokenExpired || attempt > 0 {
			return nil, err
		}
		c.srv.sessions.evict(ent)
	}
}

// closing tells the client why the server closes the connection.
func (c *conn) closing(err error) {
	rep := errorReply("", c.frameError(err, false))
	rep.Event, rep.Status = wire.EventClosing, ""
	c.queue(rep)
}

// queue hands a frame to the writer. The writer drains the queue until it
// is closed, even after a write error, so this never blocks for good.
func (c *conn) queue(rep wire.Reply) {
	b, err := wire.Encode(rep)
	if err != nil {
		b, _ = wire.Encode(errorReply("", doorError("", maildir.Internal, "encoding a reply: %v", err)))
	}
	c.out <- b
}

// writer writes queued frames, flushing whenever the queue is empty. On a
// write error or timeout it closes the connection (which ends the reader)
// and discards the rest.
func (c *conn) writer(done chan<- struct{}) {
	defer close(done)
	bw := bufio.NewWriterSize(c.nc, 32<<10)
	failed := false
	for b := range c.out {
		if failed {
			continue
		}
		c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		_, err := bw.Write(b)
		if err == nil && len(c.out) == 0 {
			err = bw.Flush()
		}
		if err != nil {
			failed = true
			c.nc.Close()
		}
	}
	if !failed {
		bw.Flush()
	}
}

// bind makes e the connection's session for requests without a token.
func (c *conn) bind(e *entry) {
	if c.bound == e {
		return
	}
	c.srv.sessions.attach(e)
	c.unbind()
	c.bound = e
}

func (c *conn) unbind() {
	if c.bound != nil {
		c.srv.sessions.detach(c.bound)
		c.bound = nil
	}
}

// startSubscription arranges for a subscription to start once the reply to
// "subscribe" is queued, so that the reply comes before the first event.
// It returns false if one is already running.
func (c *conn) startSubscription(e *entry) bool {
	if c.subActive() || c.pending != nil {
		return false
	}
	c.stopSubscription() // one that ended by itself
	c.pending = e
	return true
}

func (c *conn) launchSubscription() {
	e := c.pending
	c.pending = nil
	c.srv.sessions.attach(e)
	ctx, cancel := context.WithCancel(c.srv.subCtx)
	c.sub = &subscription{ent: e, cancel: cancel, done: make(chan struct{})}
	go func(sub *subscription) {
		defer close(sub.done)
		defer func() {
			if r := recover(); r != nil {
				c.srv.cfg.Logf("socket: panic in a subscription of %s: %v\n%s", c.nc.RemoteAddr(), r, debug.Stack())
				c.ended(ctx, doorError("subscribe", maildir.Internal, "internal error in the subscription (logged by the server)"))
			}
		}()
		c.push(ctx, e.s)
	}(c.sub)
}

// subActive reports whether a subscription is running.
func (c *conn) subActive() bool {
	if c.sub == nil {
		return false
	}
	select {
	case <-c.sub.done:
		return false
	default:
		return true
	}
}

// stopSubscription ends the subscription and waits for its goroutine. It
// returns false if there was none.
func (c *conn) stopSubscription() bool {
	if c.sub == nil {
		return false
	}
	c.sub.cancel()
	<-c.sub.done
	c.srv.sessions.detach(c.sub.ent)
	c.sub = nil
	return true
}

// push sends the session's unread mail as "mail" events, then waits for
// more (maildir.Follow: woken by the watcher, so mail written by any process
// or door is pushed as it lands). Claiming uses the request context, not
// ctx, so that mail claimed is always queued for the client.
func (c *conn) push(ctx context.Context, s *maildir.Session) {
	err := maildir.Follow(ctx, s, func() (int, error) {
		rep, err := checkReply(c.srv.reqCtx, s, maildir.DoorPush, nil, fastCheckMax, 100, false)
		if err != nil || len(rep.Messages) == 0 {
			return 0, err
		}
		rep.Event, rep.Status = wire.EventMail, ""
		c.queue(rep)
		return *rep.Remaining, nil
	})
	if err != nil {
		c.ended(ctx, err)
	}
}

// ended reports a subscription that stopped for another reason than being
// stopped.
func (c *conn) ended(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	rep := errorReply("subscribe", err)
	rep.Event, rep.Status = wire.EventEnded, ""
	c.queue(rep)
}
