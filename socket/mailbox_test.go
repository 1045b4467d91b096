package socket

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/rootfile"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// runServer runs Run for a store at root in the background until the end
// of the test; done receives what Run returned.
type runServer struct {
	root   string
	rs     RunState
	cancel context.CancelFunc
	done   chan error
}

func startRun(t *testing.T, root string, cfg Config) *runServer {
	t.Helper()
	return startRunStore(t, mustStore(t, root, maildir.Options{Sync: maildir.SyncNone}), cfg)
}

// startRunStore is startRun for a store opened by the caller.
func startRunStore(t *testing.T, st *maildir.Store, cfg Config) *runServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runServer{root: st.Root(), cancel: cancel, done: make(chan error, 1)}
	ready := make(chan RunState, 1)
	go func() { r.done <- Run(ctx, st, cfg, time.Second, func(_ *Server, rs RunState) { ready <- rs }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Errorf("Run did not return after cancel")
		}
	})
	select {
	case r.rs = <-ready:
	case err := <-r.done:
		t.Fatalf("Run: %v", err)
	}
	return r
}

// wait returns what Run returned, failing after a generous bound.
func (r *runServer) wait(t *testing.T, what string) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for the server to stop: %s", what)
		return nil
	}
}

// fakeOriginal listens like the original broker: one request per
// connection, "Invalid or missing session token" to anything but register.
// It records every request it reads.
type fakeOriginal struct {
	l    net.Listener
	mu   sync.Mutex
	reqs []string
}

func startFakeOriginal(t *testing.T) *fakeOriginal {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeOriginal{l: l}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			nc.SetDeadline(time.Now().Add(5 * time.Second))
			n, _ := nc.Read(buf)
			f.mu.Lock()
			f.reqs = append(f.reqs, string(buf[:n]))
			f.mu.Unlock()
			nc.Write([]byte(`{"status": "error", "message": "Invalid or missing session token"}`))
			nc.Close()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	return f
}

func (f *fakeOriginal) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

func (f *fakeOriginal) port() int { return f.l.Addr().(*net.TCPAddr).Port }

// TestPythonToolsRefuseForeignMailbox: a Python client whose IPC_HOME has
// no server of its own, pointed at (or falling back to) a port held by
// another mailbox's server or the original broker, refuses it before it
// sends a name, a proof or a token, and nothing lands in the other
// mailbox.
func TestPythonToolsRefuseForeignMailbox(t *testing.T) {
	needPython(t)
	other := t.TempDir()
	b := startRun(t, other, testConfig(t))
	mine := t.TempDir()
	port := fmt.Sprintf("IPC_PORT=%d", b.rs.Port)

	// Never served: no identity at all.
	p := newPyEnv(t, "IPC_HOME="+mine, port)
	out, code := p.run("ipc_register.py", "alice")
	if code != 1 || !strings.Contains(out, "no server has served the mailbox "+mine) {
		t.Fatalf("register with a foreign server on the port:\n%s(exit %d)", out, code)
	}
	// Served once (it has an identity), its server gone: the other mailbox
	// is named.
	r := startRun(t, mine, testConfig(t))
	r.cancel()
	r.wait(t, "cancel")
	out, code = p.run("ipc_register.py", "alice")
	if code != 1 || !strings.Contains(out, "is the server of another mailbox, "+rootOf(other)) {
		t.Fatalf("register after this mailbox's server stopped:\n%s(exit %d)", out, code)
	}
	// A mailbox.json copied from the other mailbox names the other directory.
	cp := t.TempDir()
	data, err := os.ReadFile(filepath.Join(other, wire.IdentityFile))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cp, wire.IdentityFile), data, 0o600)
	out, code = newPyEnv(t, "IPC_HOME="+cp, port).run("ipc_register.py", "alice")
	if code != 1 || !strings.Contains(out, "no server has served the mailbox "+cp) {
		t.Fatalf("register with a copied identity:\n%s(exit %d)", out, code)
	}
	// A saved session's token is never sent to the foreign server either.
	os.WriteFile(filepath.Join(p.home, ".ipc-session"), []byte(`{"instance_id": "alice", "session_token": "secret-token"}`), 0o600)
	if out, code := p.run("ipc_send.py", "bob", "hi"); code != 1 || !strings.Contains(out, "another mailbox") {
		t.Fatalf("send:\n%s(exit %d)", out, code)
	}
	st := mustStore(t, other, maildir.Options{Sync: maildir.SyncNone})
	agents, err := st.Agents(testCtx(t))
	if err != nil || len(agents) != 0 {
		t.Fatalf("the other mailbox got agents %+v (%v)", agents, err)
	}

	// The original broker: only an anonymous hello reaches it.
	orig := startFakeOriginal(t)
	q := newPyEnv(t, "IPC_HOME="+mine, fmt.Sprintf("IPC_PORT=%d", orig.port()))
	os.WriteFile(filepath.Join(q.home, ".ipc-session"), []byte(`{"instance_id": "alice", "session_token": "secret-token"}`), 0o600)
	if out, code := q.run("ipc_send.py", "bob", "hi"); code != 1 || !strings.Contains(out, "the original claude-ipc-mcp broker") {
		t.Fatalf("send to the original:\n%s(exit %d)", out, code)
	}
	for _, req := range orig.requests() {
		if !strings.Contains(req, `"action": "hello"`) || strings.Contains(req, "secret-token") {
			t.Fatalf("the original broker got %s", req)
		}
	}
	// With no mailbox known, a client talks to the port as the original's
	// scripts do.
	legacyOnly := newPyEnv(t, fmt.Sprintf("IPC_PORT=%d", orig.port()))
	if out, _ := legacyOnly.run("ipc_register.py", "alice"); !strings.Contains(out, "Invalid or missing session token") {
		t.Fatalf("unverified register:\n%s", out)
	}
}

// rootOf is the root as a server reports it.
func rootOf(dir string) string {
	abs, _ := filepath.Abs(dir)
	return abs
}

// TestDialMailboxRefusesForeignServer: when the addresses in server.json
// belong to another mailbox's server (a port or socket reused), the Go
// client refuses to talk to it.
func TestDialMailboxRefusesForeignServer(t *testing.T) {
	mine, other := t.TempDir(), t.TempDir()
	startRun(t, mine, testConfig(t))
	b := startRun(t, other, testConfig(t))
	ctx := testCtx(t)
	dialsOwnServer(t, ctx, mine)
	// Point this mailbox's state at the other server, as if its port and
	// socket had been taken over.
	rs, _, _ := Running(mine)
	rs.TCP, rs.Port, rs.Socket = b.rs.TCP, b.rs.Port, b.rs.Socket
	lock := &runLock{root: mine}
	if err := lock.Publish(rs); err != nil {
		t.Fatal(err)
	}
	_, err := client.DialMailbox(ctx, mine)
	if !errors.Is(err, client.ErrWrongMailbox) || !strings.Contains(err.Error(), other) {
		t.Fatalf("DialMailbox to a foreign server = %v", err)
	}
}

// TestRunNamesForeignPortHolder: a port held by another mailbox's server
// or the original broker is named, in the error or in the fallback notice.
func TestRunNamesForeignPortHolder(t *testing.T) {
	other := t.TempDir()
	b := startRun(t, other, testConfig(t))
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	err := Run(testCtx(t), st, Config{TCP: b.rs.TCP}, time.Second, nil)
	if err == nil || !strings.Contains(err.Error(), "the ipc server of the mailbox "+rootOf(other)) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("Run on the other mailbox's port = %v", err)
	}
	r := startRun(t, "", Config{TCP: b.rs.TCP, PortFallback: true})
	if r.rs.Port == b.rs.Port || !strings.Contains(r.rs.Notice, "held by the ipc server of the mailbox "+rootOf(other)) ||
		!strings.Contains(r.rs.Notice, "the original's unmodified scripts") {
		t.Fatalf("fallback run state %+v", r.rs)
	}
	orig := startFakeOriginal(t)
	r = startRun(t, "", Config{TCP: orig.l.Addr().String(), PortFallback: true})
	if !strings.Contains(r.rs.Notice, "the original claude-ipc-mcp broker") {
		t.Fatalf("notice for the original %q", r.rs.Notice)
	}
	// The probe of a server proves its own mailbox, not st's.
	h := client.ProbePort(testCtx(t), r.rs.TCP)
	mustKey(t, st.Root()) // both mailboxes have a key
	mustKey(t, r.root)
	if h.Kind != client.HolderMailbox || h.Serves(st.Root()) || !h.Serves(r.root) {
		t.Fatalf("probe of a server: %+v", h)
	}
}

func mustKey(t *testing.T, root string) wire.MailboxKey {
	k, ok, err := rootfile.ReadMailboxKey(root)
	if err != nil || !ok {
		t.Fatalf("ReadMailboxKey(%s) = %v %v", root, ok, err)
	}
	return k
}

// TestRunStopsWhenMailboxRemoved: a server whose root is removed, or
// renamed away and replaced by another directory, stops and frees its
// port; the new directory's files are left alone.
func TestRunStopsWhenMailboxRemoved(t *testing.T) {
	t.Run("removed", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "home")
		r := startRun(t, root, testConfig(t))
		ipctest.RemoveTree(t, root)
		var stopped *Stopped
		if err := r.wait(t, "root removed"); !errors.As(err, &stopped) || stopped.Idle || !strings.Contains(err.Error(), "was removed") {
			t.Fatalf("Run = %v", err)
		}
		if l, err := net.Listen("tcp", r.rs.TCP); err != nil {
			t.Fatalf("port still held: %v", err)
		} else {
			l.Close()
		}
	})
	t.Run("replaced", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "home")
		r := startRun(t, root, testConfig(t))
		if err := os.Rename(root, root+".old"); err != nil {
			t.Fatal(err)
		}
		os.Mkdir(root, 0o700)
		theirs := []byte(`{"pid": 1}` + "\n")
		os.WriteFile(filepath.Join(root, RunStateFile), theirs, 0o600)
		// The server may look between the two steps and find the root
		// removed; either way it stops and leaves the new directory alone.
		if err := r.wait(t, "root replaced"); err == nil || !strings.Contains(err.Error(), "replaced by another directory") && !strings.Contains(err.Error(), "was removed") {
			t.Fatalf("Run = %v", err)
		}
		if b, err := os.ReadFile(filepath.Join(root, RunStateFile)); err != nil || string(b) != string(theirs) {
			t.Fatalf("the new directory's %s: %q %v", RunStateFile, b, err)
		}
	})
}

// TestRunIdleExit: with IdleExit set, a server stops once no connection
// is open and no agent is live for that long, and not while either is.
func TestRunIdleExit(t *testing.T) {
	const idle = 100 * time.Millisecond
	root := t.TempDir()
	cfg := testConfig(t)
	cfg.IdleExit = idle
	r := startRun(t, root, cfg)
	if r.rs.IdleExit != idle.String() {
		t.Fatalf("run state %+v", r.rs)
	}
	stillRunning := func(what string) {
		t.Helper()
		select {
		case err := <-r.done:
			t.Fatalf("stopped (%v) while %s", err, what)
		case <-time.After(10 * idle): // an observation window, not a wait for success
		}
	}
	// A client connected.
	nc, err := net.Dial("tcp", r.rs.TCP)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(testCtx(t), "unix", r.rs.Socket)
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	stillRunning("a fast-path client is connected")
	// An agent live in another process's store (here: another Store).
	other := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	s, err := other.Login(testCtx(t), "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	stillRunning("an agent is live")
	s.Close()
	var stopped *Stopped
	if err := r.wait(t, "idle"); !errors.As(err, &stopped) || !stopped.Idle {
		t.Fatalf("Run = %v", err)
	}
	if _, ok, _ := Running(root); ok {
		t.Fatalf("still running")
	}
}

// TestProbePort names what holds a port.
func TestProbePort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			bufio.NewReader(nc).ReadString('\n')
			nc.Write([]byte("HTTP/1.0 400 Bad Request\r\n\r\n"))
			nc.Close()
		}
	}()
	if h := client.ProbePort(testCtx(t), addr); h.Kind != client.HolderUnknown || !strings.Contains(h.String(), "HTTP/1.0 400") {
		t.Fatalf("an HTTP server: %+v %s", h, h)
	}
	l.Close()
	if h := client.ProbePort(testCtx(t), addr); h.Kind != client.HolderNone {
		t.Fatalf("a closed port: %+v", h)
	}
}
