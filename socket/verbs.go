package socket

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/text"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// verb is one action of the protocol: a thin handler over the core.
type verb struct {
	handle  func(*call) (wire.Reply, error)
	session bool // needs a session (a token, or the connection's bound session)
	fast    bool // only on a fast-path connection
	nobody  bool // acts as nobody: from_id and instance_id are ignored, as by the original
}

// verbs is the table of contents of the protocol. "hello" is not here: it
// turns a connection into a fast-path connection (see conn.serve).
var verbs = map[string]verb{
	"register":    {handle: (*call).register},
	"ping":        {handle: (*call).ping},
	"release":     {handle: (*call).release},
	"send":        {handle: (*call).send, session: true},
	"broadcast":   {handle: (*call).broadcast, session: true},
	"check":       {handle: (*call).check, session: true},
	"list":        {handle: (*call).list, session: true, nobody: true},
	"rename":      {handle: (*call).rename, session: true},
	"subscribe":   {handle: (*call).subscribe, session: true, fast: true},
	"unsubscribe": {handle: (*call).unsubscribe, session: true, fast: true},

	"message_status": {handle: (*call).messageStatus, session: true}, // delivery.go
	"doing":          {handle: (*call).doing, session: true},         // doing.go

	// Conversations (conversation.go): not actions of the original either.
	"reply":  {handle: (*call).reply, session: true},
	"ack":    {handle: (*call).ack, session: true},
	"sent":   {handle: (*call).sent, session: true},
	"thread": {handle: (*call).thread, session: true},
	"search": {handle: (*call).search, session: true},
}

// call is one request being served.
type call struct {
	ctx    context.Context
	srv    *Server
	conn   *conn
	req    request
	action string
	ent    *entry // the session, for verbs that need one
}

func (c *call) s() *maildir.Session { return c.ent.s }

func ok(msg string) wire.Reply { return wire.Reply{Status: wire.StatusOK, Message: msg} }

// register logs in as instance_id (proof: auth_token in secure mode) and
// issues a session token. On a fast-path connection the connection is
// bound to the new session.
func (c *call) register() (wire.Reply, error) {
	id, err := c.req.need(c.action, "instance_id")
	if err != nil {
		return wire.Reply{}, err
	}
	proof, _, err := c.req.str(c.action, "auth_token")
	if err != nil {
		return wire.Reply{}, err
	}
	if maildir.ValidID(id) && c.srv.sessions.attachedElsewhere(id, c.conn.bound) {
		return wire.Reply{}, &maildir.Error{Op: "register", Kind: maildir.InUse, Agent: id,
			Msg: id + " is in use by a live connection to this server: choose another name, or close that connection"}
	}
	s, err := c.srv.st.Login(c.ctx, id, proof)
	if err != nil {
		return wire.Reply{}, err
	}
	token, err := s.IssueToken(c.ctx)
	if err != nil {
		s.Close()
		return wire.Reply{}, err
	}
	c.srv.sessions.registered(id)
	ent := c.srv.sessions.add(token, s)
	defer c.srv.sessions.release(ent)
	if c.conn.fast {
		c.conn.bind(ent)
	}
	queued := 0
	if u, err := s.Unread(c.ctx); err == nil {
		queued = u.Count
	}
	return wire.Reply{Status: wire.StatusOK, SessionToken: token, Message: present.Registered(id, queued), InstanceID: id}, nil
}

func (c *call) ping() (wire.Reply, error) { return ok("pong"), nil }

// release lets go of instance_id where this server holds it only for
// legacy clients between their requests, so that another process of the
// mailbox owner (the CLI) can act as it. The clients' tokens stay
// valid: their next request takes the name back once it is free, or is
// refused in_use naming the process that has it. A name bound to a live
// fast-path connection is not released. Only the mailbox owner's processes
// may ask.
func (c *call) release() (wire.Reply, error) {
	id, err := c.req.need(c.action, "instance_id")
	if err != nil {
		return wire.Reply{}, err
	}
	if !c.conn.peer.sameUser {
		return wire.Reply{}, doorError(c.action, maildir.Denied, "release is only for processes of the mailbox owner")
	}
	switch c.srv.sessions.letGo(id) {
	case heldAttached:
		return wire.Reply{}, &maildir.Error{Op: "release", Kind: maildir.InUse, Agent: id,
			Msg: id + " is bound to a live connection to this server: it is not released"}
	case heldBusy:
		return wire.Reply{}, &maildir.Error{Op: "release", Kind: maildir.InUse, Agent: id,
			Msg: id + " is serving a request: try again in a moment"}
	case heldNot:
		return ok(id + " is not held by this server"), nil
	}
	return ok("Released " + id), nil
}

// message reads the "message" object as the original stores it: content
// (a string, "" if absent), data (any JSON value) and any other keys, which
// travel with the message and come back on check.
func (c *call) message() (maildir.Payload, error) {
	raw, ok := c.req["message"]
	if !ok || isNull(raw) {
		return maildir.Payload{}, doorError(c.action, maildir.BadRequest, "missing field 'message': an object {\"content\": \"...\", \"data\": {...}}")
	}
	var in wire.LegacyInner
	if err := json.Unmarshal(raw, &in); err != nil {
		return maildir.Payload{}, doorError(c.action, maildir.BadRequest, "'message' must be an object with a string 'content' and optional 'data'")
	}
	return maildir.Payload{Content: in.Content, Data: in.Data, Extra: in.Extra}, nil
}

// send delivers "message" to "to_id". An optional "idempotency_key"
// makes a repeat within the dedupe window return the first reply, with
// "replayed": true, and send nothing.
func (c *call) send() (wire.Reply, error) {
	to, err := c.req.need(c.action, "to_id")
	if err != nil {
		return wire.Reply{}, err
	}
	p, err := c.message()
	if err != nil {
		return wire.Reply{}, err
	}
	if p.Key, _, err = c.req.str(c.action, "idempotency_key"); err != nil {
		return wire.Reply{}, err
	}
	if err := c.conversation(&p, true); err != nil {
		return wire.Reply{}, err
	}
	res, err := c.s().SendPayload(c.ctx, to, p)
	if err != nil {
		return wire.Reply{}, err
	}
	rep := ok(present.Sent(res))
	rep.Replayed = res.Replayed
	rep.MessageID = res.ID
	return rep, nil
}

// broadcast delivers "message" to every other agent. The reply is ok when
// at least one copy was delivered; "recipients" says per recipient what
// happened (always on the fast path; on the legacy door when one failed,
// so that the original's reply is unchanged otherwise).
func (c *call) broadcast() (wire.Reply, error) {
	p, err := c.message()
	if err != nil {
		return wire.Reply{}, err
	}
	if p.Key, _, err = c.req.str(c.action, "idempotency_key"); err != nil {
		return wire.Reply{}, err
	}
	if err := c.conversation(&p, false); err != nil {
		return wire.Reply{}, err
	}
	res, err := c.s().BroadcastPayload(c.ctx, p)
	if err != nil {
		return wire.Reply{}, err
	}
	rep := ok(present.Broadcast(res))
	rep.Replayed = res.Replayed
	if c.conn.fast || len(res.Failed()) > 0 {
		rep.Recipients = recipientReplies(res.Outcomes)
	}
	return rep, nil
}

func recipientReplies(outcomes []maildir.Recipient) []wire.RecipientReply {
	out := make([]wire.RecipientReply, len(outcomes))
	for i, o := range outcomes {
		out[i] = wire.RecipientReply{ID: o.Agent, Status: wire.StatusOK, MessageID: o.ID}
		if o.Err != nil {
			out[i] = wire.RecipientReply{ID: o.Agent, Status: wire.StatusError, ErrorCode: string(maildir.KindOf(o.Err)), Message: o.Err.Error()}
		}
	}
	return out
}

// check claims unread messages. A legacy reply is bounded to one 64 KiB
// read (legacyCheckMax); a fast-path reply to "max" messages (default
// 100, at most 1000) and about 1 MiB.
func (c *call) check() (wire.Reply, error) {
	if !c.conn.fast {
		return checkReply(c.ctx, c.s(), maildir.DoorSocket, nil, legacyCheckMax, 0, true)
	}
	max, err := c.req.int(c.action, "max", 100)
	if err != nil {
		return wire.Reply{}, err
	}
	if max < 1 || max > 1000 {
		return wire.Reply{}, doorError(c.action, maildir.BadRequest, "max must be between 1 and 1000")
	}
	return checkReply(c.ctx, c.s(), maildir.DoorSocket, nil, fastCheckMax, max, false)
}

func (c *call) list() (wire.Reply, error) {
	agents, err := c.srv.st.Agents(c.ctx)
	if err != nil {
		return wire.Reply{}, err
	}
	out := make([]wire.LegacyAgent, len(agents))
	for i, a := range agents {
		out[i] = present.LegacyAgent(a)
	}
	return wire.Reply{Status: wire.StatusOK, Instances: out}, nil
}

// rename renames the session itself. old_id, when given, must be the
// session's own name: nobody renames another identity.
func (c *call) rename() (wire.Reply, error) {
	newID, err := c.req.need(c.action, "new_id")
	if err != nil {
		return wire.Reply{}, err
	}
	if old, present, err := c.req.str(c.action, "old_id"); err != nil {
		return wire.Reply{}, err
	} else if present && c.s().Claim(maildir.OpRename, "old_id", old, false) != nil {
		return wire.Reply{}, notSelf(maildir.OpRename, old, "You can only rename yourself: this session is "+c.s().ID()+", not "+text.Cut(old, 40))
	}
	res, err := c.s().Rename(c.ctx, newID)
	if err != nil {
		return wire.Reply{}, err
	}
	msg := present.Renamed(res)
	if w := res.Warning(); w != "" {
		msg += " (warning: " + w + ")"
	}
	return wire.Reply{Status: wire.StatusOK, Message: msg, InstanceID: res.New}, nil
}

// subscribe starts pushing the session's new mail on this connection, as
// "mail" events, starting with what is already unread.
func (c *call) subscribe() (wire.Reply, error) {
	if !c.conn.startSubscription(c.ent) {
		return ok("Already subscribed"), nil
	}
	return ok("Subscribed " + c.s().ID()), nil
}

func (c *call) unsubscribe() (wire.Reply, error) {
	if !c.conn.stopSubscription() {
		return ok("Not subscribed"), nil
	}
	return ok("Unsubscribed"), nil
}

// checkSelf refuses a request whose from_id or instance_id names another
// identity than the session's (maildir.Session.Claim): a session acts only
// as itself. The original protocol lets a client leave both out.
func checkSelf(req request, action string, s *maildir.Session) error {
	for _, key := range []string{"from_id", "instance_id"} {
		v, _, err := req.str(action, key)
		if err != nil {
			return err
		}
		if s.Claim(maildir.Op(action), key, v, true) != nil {
			return notSelf(maildir.Op(action), v, key+" "+text.Cut(v, 40)+" is not you: this session acts as "+s.ID())
		}
	}
	return nil
}

// notSelf is the socket's refusal of a claim to act as claimed, in its
// own words: not_owner, whether claimed names another identity or none.
func notSelf(op maildir.Op, claimed, msg string) error {
	return &maildir.Error{Op: op, Kind: maildir.NotOwner, Agent: claimed, Msg: msg}
}

// request is a decoded request object. Fields stay raw so that presence
// and types are checked as each action needs.
type request map[string]json.RawMessage

// parseRequest decodes a framed value as a request object.
func parseRequest(frame []byte) (request, error) {
	if len(frame) > 0 && frame[0] == '[' {
		return nil, doorError("", maildir.BadRequest, "a request is a JSON object, not an array")
	}
	var r request
	if err := json.Unmarshal(frame, &r); err != nil {
		return nil, doorError("", maildir.BadRequest, "malformed JSON request: %v", err)
	}
	if r == nil {
		return nil, doorError("", maildir.BadRequest, "a request is a JSON object")
	}
	return r, nil
}

// actionName returns the action as a string ("" if absent or not a string).
func (r request) actionName() string {
	var s string
	if raw, ok := r["action"]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// id returns the request's "id" to echo in its reply: a string, a number
// or null, at most 256 bytes; anything else is dropped.
func (r request) id() json.RawMessage {
	raw, ok := r["id"]
	if !ok || len(raw) == 0 || len(raw) > 256 || raw[0] == '{' || raw[0] == '[' {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return nil
	}
	return b.Bytes()
}

// str returns a string field; present is false when it is absent or null.
func (r request) str(action, key string) (v string, present bool, err error) {
	raw, ok := r[key]
	if !ok || isNull(raw) {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", true, doorError(action, maildir.BadRequest, "'%s' must be a string", key)
	}
	return v, true, nil
}

// need returns a required string field.
func (r request) need(action, key string) (string, error) {
	v, present, err := r.str(action, key)
	if err == nil && !present {
		err = doorError(action, maildir.BadRequest, "missing field '%s'", key)
	}
	return v, err
}

// int returns an integer field, or def when it is absent.
func (r request) int(action, key string, def int) (int, error) {
	raw, ok := r[key]
	if !ok || isNull(raw) {
		return def, nil
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, doorError(action, maildir.BadRequest, "'%s' must be an integer", key)
	}
	return v, nil
}

// bool returns a boolean field, false when it is absent or null.
func (r request) bool(action, key string) (bool, error) {
	raw, ok := r[key]
	if !ok || isNull(raw) {
		return false, nil
	}
	var v bool
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, doorError(action, maildir.BadRequest, "'%s' must be true or false", key)
	}
	return v, nil
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }
