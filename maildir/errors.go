package maildir

import (
	"errors"
	"fmt"

	"github.com/ipc-dev/ipc/internal/durable"
)

// Kind classifies an error. Kinds travel on every door (MCP results, socket
// replies, CLI messages, exit codes): new kinds may be added, existing ones
// are never renamed.
type Kind string

// The error kinds returned by the core.
const (
	Internal    Kind = "internal"     // a bug or an unexpected I/O failure
	Invalid     Kind = "invalid_id"   // a malformed instance id
	BadRequest  Kind = "bad_request"  // a malformed argument other than an id
	NotFound    Kind = "not_found"    // no such message or agent
	Exists      Kind = "exists"       // the name is already registered
	InUse       Kind = "in_use"       // the name is held by a live session of another process
	Forwarded   Kind = "forwarded"    // the name was renamed and forwards to another until the forwarding ends
	NotOwner    Kind = "not_owner"    // acting as, or on, another identity
	Denied      Kind = "denied"       // wrong secure-mode proof
	RateLimited Kind = "rate_limited" // a rate limit or cooldown refused the request
	TooLarge    Kind = "too_large"    // a message or file over its limit
	NoSpace     Kind = "no_space"     // the disk is full or read-only
	Expired     Kind = "token_expired"
	BadToken    Kind = "invalid_token"
	Closed      Kind = "session_closed" // the session ended (closed or replaced)
	// NotRegistered: a door was asked to act before it had an identity.
	NotRegistered Kind = "not_registered"
)

// Recoverable reports whether a client can succeed by retrying, waiting or
// re-registering, as opposed to changing its request.
func (k Kind) Recoverable() bool {
	switch k {
	case RateLimited, Expired, BadToken, Closed, InUse, NoSpace, Internal, NotRegistered:
		return true
	}
	return false
}

// Error is the error type of the core. Msg is a sentence a human or an agent
// can act on; Err, when set, is the underlying cause.
type Error struct {
	Op    string // the operation: "send", "register", "check", ...
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

// KindOf reports the Kind of err; errors not made by the core are Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

func errorf(op string, kind Kind, agent string, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Agent: agent, Msg: fmt.Sprintf(format, args...)}
}

// ioError wraps an I/O failure, classifying a full or read-only disk as
// NoSpace so that every door can say so plainly.
func ioError(op, agent string, err error) error {
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
