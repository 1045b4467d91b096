// Package peercred tells which OS user is at the other end of a
// connection: the kernel knows it for a Unix socket (SO_PEERCRED) and, on
// Linux, for a TCP connection between two sockets of this machine (the
// owner of the client's socket, found by its address pair). The doors
// use it to refuse another user of the machine before a request is read.
// It knows nothing of mailboxes and imports nothing of the module.
package peercred

import "errors"

var (
	// ErrUnknown: no socket of this machine is the other end (another
	// host, another network namespace, a relay, or a client already
	// gone).
	ErrUnknown = errors.New("no socket of this machine is the other end of this connection")
	// ErrUnsupported: peers are not identified on this platform, or
	// connections of this kind carry no peer.
	ErrUnsupported = errors.New("peers are not identified on this platform")
)
