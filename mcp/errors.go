package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/ipc-dev/ipc/maildir"
)

// toolError turns an error into the result the model reads:
// "<kind>: <sentence>", followed by what to do next when the sentence does
// not already say it. This is the only place errors become results.
func toolError(err error) *mcpgo.CallToolResult {
	kind := maildir.KindOf(err)
	msg := strings.TrimSpace(err.Error())
	switch {
	case kind == maildir.Canceled && errors.Is(err, context.Canceled):
		msg = "the call was cancelled before it finished"
	case kind == maildir.Timeout && errors.Is(err, context.DeadlineExceeded):
		msg = "the call ran out of time"
	}
	next := nextStep(kind)
	if errors.As(err, new(advised)) {
		next = ""
	}
	if next != "" {
		msg = strings.TrimSuffix(msg, ".") + ". " + next
	}
	return mcpgo.NewToolResultError(fmt.Sprintf("%s: %s", kind, msg))
}

// nextStep is the advice for kinds whose messages from the core describe
// the problem but not the way out.
func nextStep(k maildir.Kind) string {
	switch k {
	case maildir.Internal:
		return "This is a bug or a disk problem: retry once, and if it fails again tell your user (the server's stderr has details)."
	case maildir.NoSpace:
		return "Tell your user: the mailbox disk needs space before anything can be sent or read."
	case maildir.Denied:
		return "Secure mode is on: the MCP server's environment needs the same IPC_SHARED_SECRET as the other agents; tell your user."
	case maildir.Forwarded:
		return "Register with the name it forwards to, or choose another name."
	case maildir.SessionClosed, maildir.TokenExpired, maildir.InvalidToken:
		return "Call register again with your instance id."
	case maildir.Canceled, maildir.Timeout:
		return "Retry if it is still needed."
	}
	return ""
}

// advised is an error whose sentence already says what to do next:
// toolError adds no advice of its kind to it (share_command turned off is
// denied, but has nothing to do with secure mode).
type advised struct{ error }

func (a advised) Unwrap() error { return a.error }

// notRegistered is the error of a tool that needs an identity, called
// before this server has one. why says why the identity configured at start
// could not be taken, if it could not.
func notRegistered(tool string, why error) error {
	msg := `this server has no identity yet: call register first, e.g. register {"instance_id": "claude"}`
	if why != nil {
		msg += fmt.Sprintf(" (the identity configured by IPC_ID could not be taken: %v)", why)
	}
	return &maildir.Error{Op: maildir.Op(tool), Kind: maildir.NotRegistered, Msg: msg}
}

// badArguments is the error of arguments that do not decode into the
// tool's parameters.
func badArguments(tool string, err error) error {
	return &maildir.Error{Op: maildir.Op(tool), Kind: maildir.BadRequest,
		Msg: fmt.Sprintf("wrong arguments for %s: %v. See the tool's description for an example call.", tool, err)}
}
