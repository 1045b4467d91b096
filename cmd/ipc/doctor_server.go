package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/rootfile"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/socket"
)

// helloPatience bounds doctor's wait for the hello of this mailbox's server.
const helloPatience = 2 * time.Second

// serverFindings reports this mailbox's server (proven by its hello), its
// version against this binary's, a server.json its server left behind, and
// what holds the configured TCP address. It changes nothing.
func (c *cli) serverFindings(ctx context.Context, root string) []finding {
	var out []finding
	rs, running, err := socket.Running(root)
	switch {
	case err != nil:
		out = append(out, found("server", levelProblem, "server state: %v", err))
	case running:
		out = append(out, c.runningServer(ctx, root, rs)...)
	default:
		out = append(out, c.noServer(root)...)
	}
	if envOff(c.getenv(envPort)) {
		return append(out, found("port", levelNote, "TCP is off (%s=%s): no server listens on TCP", envPort, c.getenv(envPort)))
	}
	return append(out, c.portHolder(ctx, root, rs, running))
}

// restartFix is how a user replaces this mailbox's server.
func (c *cli) restartFix() string {
	if c.autostart() {
		return "ipc stop, then any ipc command starts a new server (or run ipc serve)"
	}
	return "ipc stop, then ipc serve"
}

// runningServer reports the process holding this mailbox's run lock.
func (c *cli) runningServer(ctx context.Context, root string, rs socket.RunState) []finding {
	if rs.PID == 0 {
		return []finding{found("server", levelNote, "a server is starting up for this mailbox: it holds %s but has not written %s yet", wire.RunLockFile, wire.RunStateFile)}
	}
	dctx, cancel := context.WithTimeout(ctx, helloPatience)
	cl, err := client.DialMailbox(dctx, root)
	cancel()
	if err != nil {
		f := found("server", levelProblem, "server pid %d holds this mailbox, but its hello on %s failed: %v", rs.PID, listening(rs), err)
		if !errors.Is(err, client.ErrWrongMailbox) {
			f = f.withFix("if pid %d is ipc serve, end it (kill %d); the next server replaces it", rs.PID, rs.PID)
		}
		return []finding{f}
	}
	hello := cl.Server()
	cl.Close()
	out := []finding{found("server", levelOK, "server pid %d serves this mailbox on %s (proven by its hello)", hello.Mailbox.PID, listening(rs))}
	if hello.Mailbox.PID != rs.PID {
		out = append(out, found("server.json", levelWarning, "%s names pid %d, but the server that answers is pid %d", wire.RunStateFile, rs.PID, hello.Mailbox.PID).
			withFix("harmless to clients, which check the server's proof; %s", c.restartFix()))
	}
	if rs.IdleExit != "" {
		out = append(out, found("server", levelNote, "auto-started: it stops after %s with no live agent and no client", rs.IdleExit))
	}
	if rs.Notice != "" {
		out = append(out, found("port", levelProblem, "%s", rs.Notice))
	}
	running := hello.Server
	if running == "" {
		running = rs.Version
	}
	if mine := "ipc " + version; running != "" && running != mine {
		out = append(out, found("version", levelWarning, "this mailbox's server is %s, this command is %s", running, mine).
			withFix("%s, so that the server is this version", c.restartFix()))
	}
	return out
}

// noServer reports a mailbox no process serves, and the server.json a
// server that is gone left behind.
func (c *cli) noServer(root string) []finding {
	var out []finding
	stale, ok, err := rootfile.ReadRunState(root)
	fix := "harmless: the next server replaces it"
	switch {
	case err != nil:
		out = append(out, found("server.json", levelWarning, "%s cannot be read (%v), and no process holds %s", wire.RunStateFile, err, wire.RunLockFile).withFix("%s", fix))
	case ok:
		out = append(out, found("server.json", levelWarning, "%s is stale: its server (pid %d, started %s) is gone, since no process holds %s",
			wire.RunStateFile, stale.PID, localMinute(stale.Started), wire.RunLockFile).withFix("%s; ipc serve starts one now", fix))
	}
	addr := c.tcpAddr()
	f := found("server", levelNote, "no server for this mailbox: every door works on the files directly; TCP clients on %s need ipc serve", addr)
	if !c.autostart() {
		f.Detail += fmt.Sprintf(" (auto-start is off: %s=0)", envAutostart)
	}
	return append(out, f)
}

// tcpAddr is the TCP address a server of this configuration listens on.
func (c *cli) tcpAddr() string {
	return net.JoinHostPort(envOr(c.getenv, envHost, socket.DefaultHost), envOr(c.getenv, envPort, fmt.Sprint(socket.DefaultPort)))
}

// portHolder names what holds the configured TCP address: this mailbox's
// server, another mailbox's, an ipc server that does not say, the original
// broker, another program, or nothing.
func (c *cli) portHolder(ctx context.Context, root string, rs socket.RunState, running bool) finding {
	addr := c.tcpAddr()
	h := client.ProbePort(ctx, addr)
	reach := "the original's unmodified scripts reach it, not this mailbox (this project's clients of this mailbox refuse it)"
	switch {
	case h.Kind == client.HolderNone:
		if running && rs.TCP == addr {
			return found("port", levelProblem, "nothing listens on %s, where this mailbox's server (pid %d) says it listens", addr, rs.PID).withFix("%s", c.restartFix())
		}
		return found("port", levelOK, "nothing listens on %s: this mailbox's next server takes it", addr)
	case h.Serves(root):
		return found("port", levelOK, "%s is held by this mailbox's server (pid %d)", addr, h.Mailbox.PID)
	case h.Kind == client.HolderMailbox && sameDir(h.Mailbox.Root, root):
		return found("port", levelWarning, "%s is held by an ipc server (pid %d) that names this mailbox but cannot prove it holds its key: a server of a directory since replaced, or of a copy", addr, h.Mailbox.PID).
			withFix("end pid %d; then %s", h.Mailbox.PID, c.restartFix())
	case h.Kind == client.HolderMailbox:
		return found("port", levelWarning, "%s is held by %s: %s", addr, h, reach).
			withFix("to give the port to this mailbox: ipc --home %s stop, then %s", h.Mailbox.Root, c.restartFix())
	case h.Kind == client.HolderOriginal:
		return found("port", levelWarning, "%s is held by %s: %s", addr, h, reach).
			withFix("stop the original broker (its Python process), then %s", c.restartFix())
	default:
		return found("port", levelWarning, "%s is held by %s: %s", addr, h, reach).
			withFix("find it with `lsof -nP -iTCP:%s -sTCP:LISTEN` and stop it, or give this mailbox another port with %s", portOf(addr), envPort)
	}
}

// portOf is the port of a host:port address.
func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// sameDir reports whether a and b name the same directory path.
func sameDir(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
