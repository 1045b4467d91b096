package client

import "errors"

// Kind is the machine-readable kind of an error a server reports: the
// reply's error_code, as it came ("in_use", "invalid_token", ...; package
// socket's documentation lists them).
type Kind string

// KindInternal is the kind of an error reply without an error_code, and
// what KindOf says of errors no server reported.
const KindInternal Kind = "internal"

// Error is an error reply of a server.
type Error struct {
	Action string // the request's action
	Kind   Kind   // its error_code
	Msg    string // its message, the server's sentence
}

func (e *Error) Error() string { return e.Msg }

// KindOf reports the Kind of err: the error_code of the error reply it
// wraps, KindInternal for any other error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
