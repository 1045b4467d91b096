// Package wire holds the socket door's JSON shapes, shared by the server
// (package socket) and its Go client (package client): the frames of both
// protocols (Reply and what it carries, in the original's legacy shapes),
// the hello's mailbox proof, and the files a server publishes in the
// mailbox root for its clients (server.json, mailbox.json). It says what
// goes over the wire and how a proof is computed; it serves nothing and
// dials nothing.
//
// It imports nothing of the project (not maildir, nor any door), so a Go
// client depends on it alone.
package wire
