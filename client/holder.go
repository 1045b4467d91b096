package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/rootfile"
	"github.com/ipc-dev/ipc/internal/wire"
)

// holderPatience bounds how long ProbePort waits for the holder of a port.
const holderPatience = time.Second

// HolderKind says what holds a TCP port.
type HolderKind string

// Holder kinds.
const (
	HolderNone     HolderKind = "none"     // nothing listens
	HolderMailbox  HolderKind = "mailbox"  // an ipc server that names its mailbox (a claim until Serves checks it)
	HolderIPC      HolderKind = "ipc"      // an ipc server of a version that does not name its mailbox
	HolderOriginal HolderKind = "original" // answers as the original claude-ipc-mcp broker does
	HolderUnknown  HolderKind = "unknown"  // something that does not speak this protocol
)

// PortHolder describes what answers on a TCP address.
type PortHolder struct {
	Addr    string
	Kind    HolderKind
	Mailbox *Identity // for HolderMailbox
	Server  string    // the version an ipc server reports
	Detail  string    // for HolderUnknown: what it did

	challenge string // sent by ProbePort, for Serves
}

// ProbePort finds out what holds addr by opening a fast-path connection:
// an ipc server answers hello with the mailbox it serves (and a proof of
// the probe's challenge, which Serves checks); the original broker answers
// it as an unauthenticated request. The probe acts as nobody and changes
// nothing.
func ProbePort(ctx context.Context, addr string) PortHolder {
	h := PortHolder{Addr: addr, Kind: HolderUnknown}
	challenge, err := wire.NewChallenge()
	if err != nil {
		h.Detail = err.Error()
		return h
	}
	ctx, cancel := context.WithTimeout(ctx, holderPatience)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() == nil && isRefused(err) {
			h.Kind = HolderNone
			return h
		}
		h.Detail = "connecting failed: " + err.Error()
		return h
	}
	defer nc.Close()
	dl, _ := ctx.Deadline()
	nc.SetDeadline(dl)
	if _, err := nc.Write([]byte(`{"action": "hello", "version": 2, "id": "probe", "challenge": "` + challenge + `"}` + "\n")); err != nil {
		h.Detail = "it accepted a connection but not a request: " + err.Error()
		return h
	}
	// A fast-path reply ends with a newline; the original's, with the
	// connection.
	line, err := bufio.NewReader(io.LimitReader(nc, 1<<20)).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		h.Detail = fmt.Sprintf("it accepted a connection but gave no answer within %v", holderPatience)
		return h
	}
	var rep Reply
	if json.Unmarshal(line, &rep) != nil {
		h.Detail = fmt.Sprintf("it answered %q, which is not this protocol", cut(strings.TrimSpace(string(line)), 80))
		return h
	}
	h = holderOf(addr, rep)
	h.challenge = challenge
	if h.Kind == HolderUnknown {
		h.Detail = fmt.Sprintf("it answered %q", cut(strings.TrimSpace(string(line)), 80))
	}
	return h
}

// holderOf names the holder of addr from its answer to hello.
func holderOf(addr string, rep Reply) PortHolder {
	h := PortHolder{Addr: addr, Kind: HolderUnknown}
	switch {
	case rep.Status == wire.StatusOK && rep.Mailbox != nil && rep.Mailbox.Root != "":
		h.Kind, h.Mailbox, h.Server = HolderMailbox, rep.Mailbox, rep.Server
	case rep.Status == wire.StatusOK && rep.Version >= wire.Version:
		h.Kind, h.Server = HolderIPC, rep.Server
	case rep.Status == wire.StatusError && rep.ErrorCode == "" && rep.Message != "":
		h.Kind, h.Detail = HolderOriginal, rep.Message
	}
	return h
}

// Serves reports whether the holder proved, answering the probe's
// challenge, that it holds the key of the mailbox at root: it is the
// server of that mailbox.
func (h PortHolder) Serves(root string) bool {
	key, ok, _ := rootfile.ReadMailboxKey(root)
	return ok && h.Kind == HolderMailbox && key.Verify(h.challenge, h.Mailbox)
}

// String names the holder for a person: "the ipc server of the mailbox
// /home/u/.claude-ipc (pid 1234)", "the original claude-ipc-mcp broker (or
// a broker that answers as it does)", ...
func (h PortHolder) String() string {
	switch h.Kind {
	case HolderNone:
		return "nothing"
	case HolderMailbox:
		s := "the ipc server of the mailbox " + h.Mailbox.Root
		if h.Mailbox.PID != 0 {
			s += fmt.Sprintf(" (pid %d)", h.Mailbox.PID)
		}
		return s
	case HolderIPC:
		return fmt.Sprintf("an ipc server that does not say which mailbox it serves (%s; an older version, or another user's)", h.Server)
	case HolderOriginal:
		return "the original claude-ipc-mcp broker, or a program that answers as it does"
	}
	return "an unknown program (" + h.Detail + ")"
}
