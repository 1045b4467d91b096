package maildir

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipc-dev/ipc/internal/durable"
)

// Kind classifies an error. Kinds travel on every door (MCP results, socket
// replies, CLI messages, exit codes) as their values, which are also their
// names: new kinds may be added, existing ones are never renamed.
type Kind string

// The error kinds. Every door reports these and no others.
const (
	Internal      Kind = "internal"       // a bug or an unexpected I/O failure
	InvalidID     Kind = "invalid_id"     // a malformed instance id
	BadRequest    Kind = "bad_request"    // a malformed argument other than an id
	NotFound      Kind = "not_found"      // no such message or agent
	Exists        Kind = "exists"         // the name is already registered
	InUse         Kind = "in_use"         // the name is held by a live session of another process
	Forwarded     Kind = "forwarded"      // the name was renamed and forwards to another until the forwarding ends
	NotOwner      Kind = "not_owner"      // acting as, or on, another identity
	Denied        Kind = "denied"         // wrong secure-mode proof, or a feature turned off
	RateLimited   Kind = "rate_limited"   // a rate limit or cooldown refused the request
	TooLarge      Kind = "too_large"      // a message or file over its limit
	NoSpace       Kind = "no_space"       // the disk is full or read-only
	TokenExpired  Kind = "token_expired"  // a session token past its lifetime
	InvalidToken  Kind = "invalid_token"  // a session token unknown, malformed or revoked
	SessionClosed Kind = "session_closed" // the session ended (closed or replaced)
	NotRegistered Kind = "not_registered" // a door was asked to act before it had an identity
	Timeout       Kind = "timeout"        // the request ran out of time (a context deadline, an idle connection)
	Canceled      Kind = "canceled"       // the request was cancelled before it finished
	Busy          Kind = "busy"           // a door is at its connection cap or shutting down: retry shortly
	UnknownAction Kind = "unknown_action" // a door was asked for an action it does not know
)

// Recoverable reports whether a client can succeed by retrying, waiting or
// re-registering, as opposed to changing its request.
func (k Kind) Recoverable() bool {
	switch k {
	case RateLimited, TokenExpired, InvalidToken, SessionClosed, InUse, NoSpace, Internal, NotRegistered,
		Timeout, Canceled, Busy:
		return true
	}
	return false
}

// Op names the operation an error comes from, by its name on the doors
// (the socket's actions, the MCP tools): the doors word some errors by
// their operation, as the original product did.
type Op string

// The operations.
const (
	OpOpen         Op = "open"
	OpRegister     Op = "register"
	OpResume       Op = "resume"
	OpRelease      Op = "release"
	OpInbox        Op = "inbox"
	OpSend         Op = "send"
	OpBroadcast    Op = "broadcast"
	OpShareFile    Op = "share_file"
	OpShareCommand Op = "share_command"
	OpCheck        Op = "check"
	OpPeek         Op = "peek"
	OpUnread       Op = "unread"
	OpWait         Op = "wait"
	OpRead         Op = "read"
	OpHistory      Op = "history"
	OpStatus       Op = "status"
	OpAck          Op = "ack"
	OpReply        Op = "reply"
	OpSent         Op = "sent"
	OpThread       Op = "thread"
	OpSearch       Op = "search"
	OpList         Op = "list"
	OpDoing        Op = "doing"
	OpRename       Op = "rename"
	OpForget       Op = "forget"
	OpGC           Op = "gc"
	OpQuarantine   Op = "quarantine"
)

// Error is the error type of the core. Msg is a sentence a human or an agent
// can act on; Err, when set, is the underlying cause.
type Error struct {
	Op    Op // the operation
	Kind  Kind
	Agent string // the identity involved, if any
	Msg   string
	Err   error
}

func (e *Error) Error() string {
	s := e.Msg
	if s == "" && e.Err != nil {
		s = e.Err.Error()
	} else if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf reports the Kind of err: a core error's own kind, Canceled or
// Timeout for an error that ends in a context's, and Internal otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Kind
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return Timeout
	}
	return Internal
}

func errorf(op Op, kind Kind, agent string, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Agent: agent, Msg: fmt.Sprintf(format, args...)}
}

// ioError wraps an I/O failure, classifying a full or read-only disk as
// NoSpace so that every door can say so plainly.
func ioError(op Op, agent string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	kind := Internal
	msg := ""
	if durable.IsNoSpace(err) {
		kind, msg = NoSpace, "the mailbox disk is full or read-only"
	}
	return &Error{Op: op, Kind: kind, Agent: agent, Msg: msg, Err: err}
}
