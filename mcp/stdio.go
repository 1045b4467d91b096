package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ipc-dev/ipc/maildir"
)

// The stdio transport: newline-delimited JSON-RPC on stdin and stdout.
//
// It is the server's own rather than the SDK's for three reasons, each a
// bound that does not move with the load:
//
//   - A request line longer than the limit (the largest message plus room
//     for the envelope) is refused while it streams in: its bytes are read
//     and dropped, never held, and the client gets an error for its id.
//   - Memory: at most one line over bigLine is held at a time (the reader
//     waits before reading past bigLine until the previous big request is
//     answered), and a tool call is decoded once, straight into its
//     arguments, instead of through the SDK's generic maps.
//   - Concurrency: ordinary requests run on up to maxCalls goroutines; a
//     check that may wait (wait_seconds > 0) runs outside that pool, among
//     at most maxWaits waiting checks, so waits never delay other calls.
//     A check beyond maxWaits is answered at once with rate_limited.

const (
	// maxCalls is the most requests served at once (besides waits).
	maxCalls = 16
	// maxWaits is the most checks waiting for mail at once.
	maxWaits = 64
	// bigLine is the size past which a request line counts as big: one
	// big line at a time is read and served.
	bigLine = 1 << 20
	// envelopeRoom is what a line may carry beyond a message's content and
	// data: the JSON-RPC envelope, the other arguments, escapes.
	envelopeRoom = 256 << 10
	// refusedHead and refusedTail are the bytes of an oversized line kept
	// to find its id.
	refusedHead, refusedTail = 4 << 10, 256
)

// MaxLine is the longest request line the stdio transport accepts for a
// mailbox whose messages carry at most maxContent bytes of content and
// maxData of data.
func MaxLine(maxContent, maxData int) int { return maxContent + maxData + envelopeRoom }

// stdio serves one stream pair.
type stdio struct {
	s       *Server
	out     io.Writer
	writeMu sync.Mutex
	maxLine int

	sess  *stdioSession
	calls chan struct{} // a slot per running request
	waits chan struct{} // a slot per waiting check
	big   chan struct{} // the one big line in memory
	wg    sync.WaitGroup
}

// stdioSession is the SDK's view of the one client of a stream pair.
type stdioSession struct {
	notes       chan mcpgo.JSONRPCNotification
	initialized atomic.Bool
}

func (c *stdioSession) SessionID() string { return "stdio" }
func (c *stdioSession) NotificationChannel() chan<- mcpgo.JSONRPCNotification {
	return c.notes
}
func (c *stdioSession) Initialize()       { c.initialized.Store(true) }
func (c *stdioSession) Initialized() bool { return c.initialized.Load() }

// serveStdio speaks JSON-RPC over in and out until in ends or ctx ends.
// In-flight requests are cancelled and waited for before it returns.
func (s *Server) serveStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	t := &stdio{
		s: s, out: out,
		maxLine: MaxLine(s.st.MaxContent(), s.st.MaxData()),
		calls:   make(chan struct{}, maxCalls),
		waits:   make(chan struct{}, maxWaits),
		big:     make(chan struct{}, 1),
	}
	sess := &stdioSession{notes: make(chan mcpgo.JSONRPCNotification, 100)}
	t.sess = sess
	s.viaStdio.Store(true)
	if err := s.mcp.RegisterSession(ctx, sess); err != nil {
		return fmt.Errorf("register session: %w", err)
	}
	defer s.mcp.UnregisterSession(ctx, sess.SessionID())
	ctx, cancel := context.WithCancel(s.mcp.WithContext(ctx, sess))
	defer cancel()

	t.wg.Add(1)
	go t.writeNotes(ctx, sess.notes)

	lines := make(chan stdioLine)
	readDone := make(chan struct{})
	go func() { // ends with in; see the note on unblockRead
		defer close(readDone)
		t.readLines(ctx, bufio.NewReaderSize(in, 64<<10), lines)
	}()
	var err error
	for err == nil {
		select {
		case l, ok := <-lines:
			if !ok {
				err = io.EOF
				break
			}
			t.dispatch(ctx, l)
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	cancel()
	t.wg.Wait()
	if unblockRead(in) {
		<-readDone
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// unblockRead ends a read blocked on in where in supports deadlines (a
// pipe opened non-blocking). A blocking stdin cannot be interrupted: its
// reader then ends with the process, which is about to exit.
func unblockRead(in io.Reader) bool {
	d, ok := in.(interface{ SetReadDeadline(time.Time) error })
	return ok && d.SetReadDeadline(time.Now()) == nil
}

// stdioLine is one request line, or what is known of one refused as too long.
type stdioLine struct {
	text    []byte
	size    int  // bytes, also of a refused line
	tooLong bool // text holds only the head and tail of the line
	big     bool // a slot of t.big is held for it
}

// readLines sends every line of r to lines and closes lines at the end of
// r or of ctx.
func (t *stdio) readLines(ctx context.Context, r *bufio.Reader, lines chan<- stdioLine) {
	defer close(lines)
	emit := func(l stdioLine) bool {
		select {
		case lines <- l:
			return true
		case <-ctx.Done():
			t.release(l)
			return false
		}
	}
	for {
		l, err := t.readLine(ctx, r, emit)
		if (l.size > 0 || l.tooLong) && !emit(l) {
			return
		}
		if err != nil {
			return
		}
	}
}

// readLine reads one line of r in pieces of at most the reader's buffer.
// Past bigLine it first takes the big slot. Past maxLine it keeps only a
// head and a tail and drops the rest as it streams; when the head names
// the request's id, the refusal is emitted at once, before the line ends,
// and the line returned is empty.
func (t *stdio) readLine(ctx context.Context, r *bufio.Reader, emit func(stdioLine) bool) (stdioLine, error) {
	var (
		l      stdioLine
		pieces [][]byte
		tail   []byte
	)
	for {
		piece, err := r.ReadSlice('\n')
		l.size += len(piece)
		switch {
		case l.tooLong:
			tail = keepTail(tail, piece)
		case l.size > t.maxLine:
			l.tooLong = true
			l.text = headOf(append(pieces, piece), refusedHead)
			pieces = nil
			tail = keepTail(nil, piece)
			if lineID(l.text) != nil {
				if !emit(l) {
					return stdioLine{}, ctx.Err()
				}
				l.big = false // released by the refusal
				if err = discardLine(r, err); err != nil {
					return stdioLine{}, err
				}
				return stdioLine{}, nil
			}
		default:
			if l.size > bigLine && !l.big {
				select {
				case t.big <- struct{}{}:
					l.big = true
				case <-ctx.Done():
					return stdioLine{}, ctx.Err()
				}
			}
			pieces = append(pieces, bytes.Clone(piece))
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if l.tooLong {
			l.text = append(l.text, 0)
			l.text = append(l.text, tail...)
		} else {
			l.text = bytes.TrimSpace(joinPieces(pieces, l.size))
		}
		return l, err
	}
}

// discardLine reads and drops the rest of a line whose last read ended
// with err.
func discardLine(r *bufio.Reader, err error) error {
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = r.ReadSlice('\n')
	}
	return err
}

// joinPieces concatenates pieces into one slice of exactly size bytes.
func joinPieces(pieces [][]byte, size int) []byte {
	if len(pieces) == 1 {
		return pieces[0]
	}
	out := make([]byte, 0, size)
	for i, p := range pieces {
		out = append(out, p...)
		pieces[i] = nil
	}
	return out
}

// headOf returns a copy of the first n bytes of the concatenated pieces.
func headOf(pieces [][]byte, n int) []byte {
	var head []byte
	for _, p := range pieces {
		head = append(head, p[:min(len(p), n-len(head))]...)
	}
	return head
}

// keepTail returns the last refusedTail bytes of tail followed by piece.
func keepTail(tail, piece []byte) []byte {
	tail = append(tail, piece...)
	if len(tail) > refusedTail {
		tail = append(tail[:0:0], tail[len(tail)-refusedTail:]...)
	}
	return tail
}

// release gives back the big slot of l, if it holds one.
func (t *stdio) release(l stdioLine) {
	if l.big {
		<-t.big
	}
}

// envelope is a JSON-RPC message as far as the transport reads it.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params toolParams      `json:"params"`
}

// toolParams are the params of a tools/call, decoded straight from the
// line (one copy of the arguments). ok is false for params of another
// shape, which the SDK then answers.
type toolParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	ok        bool
}

func (p *toolParams) UnmarshalJSON(b []byte) error {
	var v struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &v) == nil {
		p.Name, p.Arguments, p.ok = v.Name, v.Arguments, true
	}
	return nil
}

// dispatch answers one line: a refusal at once, a notification in order,
// a request on its own goroutine.
func (t *stdio) dispatch(ctx context.Context, l stdioLine) {
	if l.tooLong {
		t.release(l)
		t.writeError(lineID(l.text), mcpgo.INVALID_REQUEST, fmt.Sprintf(
			"too_large: the request is %d bytes or more, over the %d-byte limit of one call (a message carries at most %d bytes of content): share a long text as a file instead",
			l.size, t.maxLine, t.s.st.MaxContent()))
		return
	}
	if len(l.text) == 0 {
		t.release(l)
		return
	}
	var env envelope
	if err := json.Unmarshal(l.text, &env); err != nil {
		t.release(l)
		t.writeError(nil, mcpgo.PARSE_ERROR, "Parse error")
		return
	}
	if env.Method == "" { // a response to a request of ours: none are sent
		t.release(l)
		return
	}
	if len(env.ID) == 0 || string(env.ID) == "null" {
		t.release(l)
		t.s.mcp.HandleMessage(ctx, l.text) // a notification: no answer
		if env.Method == string(mcpgo.MethodNotificationInitialized) {
			t.clientReady()
		}
		return
	}
	if handshake(env.Method) {
		// Answered before the next line is read: what follows (the
		// client's notifications/initialized, its first call) then finds
		// the client known.
		defer t.release(l)
		if resp := t.s.mcp.HandleMessage(ctx, l.text); resp != nil {
			t.write(resp)
		}
		return
	}
	call := env.Params
	var tool *server.ServerTool
	if env.Method == string(mcpgo.MethodToolsCall) && call.ok {
		tool = t.s.mcp.GetTool(call.Name) // nil: the SDK answers (unknown tool, bad params)
	}
	isTool := tool != nil
	env.Params = toolParams{}
	slots := t.calls
	if isTool && call.Name == "check" && mayWait(call.Arguments) {
		slots = t.waits
		select {
		case slots <- struct{}{}:
		default:
			t.writeResult(env.ID, toolError(&maildir.Error{Op: "check", Kind: maildir.RateLimited,
				Msg: fmt.Sprintf("%d checks of this server are already waiting for mail: check without wait_seconds, or wait for one of them", maxWaits)}))
			return
		}
	} else {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			t.release(l)
			return
		}
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() { <-slots }()
		defer t.release(l)
		if isTool {
			args := call.Arguments
			l.text, call.Arguments = nil, nil // the arguments are all that is needed now
			t.writeResult(env.ID, t.call(ctx, tool, args))
			t.answered()
			return
		}
		if resp := t.s.mcp.HandleMessage(ctx, l.text); resp != nil {
			t.write(resp)
		}
		if env.Method != string(mcpgo.MethodPing) { // a ping may come before the handshake
			t.answered()
		}
	}()
}

// handshake reports whether method opens a connection: initialize, or
// server/discover for the 2026-07-28 revision.
func handshake(method string) bool {
	m := mcpgo.MCPMethod(method)
	return m == mcpgo.MethodInitialize || m == mcpgo.MethodServerDiscover
}

// answered notes that a request other than the handshake was answered:
// the client may now receive notifications. (After initialize the client's
// notifications/initialized says so; after server/discover the client
// still chooses its revision.)
func (t *stdio) answered() { t.clientReady() }

// clientReady starts the notifications: the session counts as initialized
// (a client may skip the handshake) and the announcer may send.
func (t *stdio) clientReady() {
	t.sess.Initialize()
	t.s.markReady()
}

// call runs a tool on its arguments as sent, turning a panic into an
// internal error result.
func (t *stdio) call(ctx context.Context, tool *server.ServerTool, args json.RawMessage) (res *mcpgo.CallToolResult) {
	defer func() {
		if r := recover(); r != nil {
			t.s.cfg.Logf("ipc mcp: panic in a tool call: %v", r)
			res = toolError(&maildir.Error{Op: "call", Kind: maildir.Internal, Msg: fmt.Sprintf("the tool failed: %v", r)})
		}
	}()
	var req mcpgo.CallToolRequest
	req.Params.Name, req.Params.RawArguments = tool.Tool.Name, args
	return t.s.callTool(ctx, tool.Tool, tool.Handler, req)
}

// mayWait reports whether check arguments ask to wait for mail.
func mayWait(args json.RawMessage) bool {
	var a struct {
		WaitSeconds json.RawMessage `json:"wait_seconds"`
	}
	if json.Unmarshal(args, &a) != nil || len(a.WaitSeconds) == 0 {
		return false
	}
	s := string(bytes.Trim(a.WaitSeconds, `" `))
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f > 0
}

// idPattern finds the id of a refused line: the first top-level member of
// its head, or the last member of its tail (key order is the client's).
var (
	headID = regexp.MustCompile(`^\s*\{(?:\s*"(?:jsonrpc|method)"\s*:\s*"[^"]*"\s*,)*\s*"id"\s*:\s*(-?[0-9]+|"(?:[^"\\]|\\.)*")`)
	tailID = regexp.MustCompile(`[,{]\s*"id"\s*:\s*(-?[0-9]+|"(?:[^"\\]|\\.)*")\s*\}\s*$`)
)

// lineID is the id of a refused line as JSON, or nil when it cannot be
// told; text is the line's head, a NUL, and its tail.
func lineID(text []byte) json.RawMessage {
	head, tail, _ := bytes.Cut(text, []byte{0})
	if m := headID.FindSubmatch(head); m != nil {
		return m[1]
	}
	if m := tailID.FindSubmatch(tail); m != nil {
		return m[1]
	}
	return nil
}

// writeNotes writes the notifications the server sends until ctx ends.
func (t *stdio) writeNotes(ctx context.Context, notes <-chan mcpgo.JSONRPCNotification) {
	defer t.wg.Done()
	for {
		select {
		case n := <-notes:
			t.write(n)
		case <-ctx.Done():
			return
		}
	}
}

// writeResult answers request id with result.
func (t *stdio) writeResult(id json.RawMessage, result any) {
	t.write(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  any             `json:"result"`
	}{mcpgo.JSONRPC_VERSION, id, result})
}

// writeError answers request id (nil: unknown) with a JSON-RPC error.
func (t *stdio) writeError(id json.RawMessage, code int, msg string) {
	if id == nil {
		id = json.RawMessage("null")
	}
	type rpcError struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	t.write(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   rpcError        `json:"error"`
	}{mcpgo.JSONRPC_VERSION, id, rpcError{code, msg}})
}

// write writes one message and its newline; writes never interleave.
// Text is written as is, without escaping <, > and & (as \u003c...), which
// would only lengthen what the client reads.
func (t *stdio) write(msg any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(msg); err != nil { // Encode ends it with a newline
		t.s.cfg.Logf("ipc mcp: cannot encode a reply: %v", err)
		return
	}
	b := buf.Bytes()
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	if _, err := t.out.Write(b); err != nil {
		t.s.cfg.Logf("ipc mcp: write: %v", err)
	}
}
