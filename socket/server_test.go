package socket

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// TestSlowloris: a client that sends nothing, and one that trickles its
// request, are answered with a timeout and closed.
func TestSlowloris(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	cfg := testConfig(t)
	cfg.IdleTimeout = 100 * time.Millisecond
	cfg.ReadTimeout = 300 * time.Millisecond
	srv := mustServe(t, st, cfg)

	t.Run("silent", func(t *testing.T) {
		rep := decodeReply(t, raw(t, srv, false))
		wantCode(t, rep, maildir.Timeout)
	})
	t.Run("trickle", func(t *testing.T) {
		nc, err := netDial(srv)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		done := make(chan []byte)
		go func() {
			b, _ := io.ReadAll(nc)
			done <- b
		}()
		req := []byte(`{"action": "ping", "padding": "` + strings.Repeat("x", 1000) + `"}`)
		for i := 0; ; i++ {
			select {
			case b := <-done:
				wantCode(t, decodeReply(t, b), maildir.Timeout)
				return
			case <-time.After(20 * time.Millisecond):
			}
			if i >= len(req) {
				t.Fatalf("the whole trickled request was read: no deadline")
			}
			nc.Write(req[i : i+1])
		}
	})
}

// TestConnectionCap: over MaxConns, a connection is answered "busy".
func TestConnectionCap(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	cfg := testConfig(t)
	cfg.MaxConns = 3
	srv := mustServe(t, st, cfg)
	var held []net.Conn
	for i := 0; i < 3; i++ {
		nc, err := netDial(srv)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		held = append(held, nc)
	}
	ipctest.WaitFor(t, "3 connections", func() bool { return connCount(srv) == 3 })
	rep := decodeReply(t, raw(t, srv, false, []byte(`{"action":"ping"}`)))
	wantCode(t, rep, maildir.Busy)
	if !*rep.Recoverable {
		t.Fatalf("busy must be recoverable")
	}
	held[0].Close()
	ipctest.WaitFor(t, "a free slot", func() bool { return connCount(srv) < 3 })
	rep = decodeReply(t, raw(t, srv, false, []byte(`{"action":"ping"}`)))
	wantOK(t, rep)
}

// TestGracefulShutdown: a request in flight when shutdown starts is
// finished and answered; an idle connection is told the server is going;
// new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	srv, err := listen(st, testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	tok := register(t, srv, "late")
	inflight, err := netDial(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer inflight.Close()
	inflight.Write([]byte(`{"action": "send", "to_id": "late", "session_token": "` + tok + `", `))
	idle, err := netDial(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	ipctest.WaitFor(t, "both connections", func() bool { return connCount(srv) == 2 })
	ipctest.WaitFor(t, "the request to be in flight", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for c := range srv.conns {
			if c.isBusy() {
				return true
			}
		}
		return false
	})

	done := make(chan error)
	go func() { done <- srv.Shutdown(context.Background()) }()
	b, _ := io.ReadAll(idle)
	idle.Close()
	wantCode(t, decodeReply(t, b), maildir.Busy)
	ipctest.WaitFor(t, "the listener to close", func() bool {
		nc, err := netDial(srv)
		if err == nil {
			nc.Close()
		}
		return err != nil
	})
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) with a request in flight", err)
	default:
	}
	inflight.Write([]byte(`"message": {"content": "just in time"}}`))
	b, _ = io.ReadAll(inflight)
	wantOK(t, decodeReply(t, b))
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	s, err := st.Login(context.Background(), "late", "")
	if err != nil {
		t.Fatalf("the server's sessions were not closed: %v", err)
	}
	if res, _ := s.Check(context.Background(), maildir.CheckOptions{}); len(res.Messages) != 1 {
		t.Fatalf("the in-flight send was lost")
	}
}

// TestShutdownDeadline: when the context ends first, connections are closed
// and Shutdown still waits for their goroutines.
func TestShutdownDeadline(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	srv, err := listen(st, testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := netDial(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte(`{"action": "pi`))
	ipctest.WaitFor(t, "the request to be in flight", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for c := range srv.conns {
			if c.isBusy() {
				return true
			}
		}
		return false
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
	if n := connCount(srv); n != 0 {
		t.Fatalf("%d connections left after Shutdown", n)
	}
}

// TestSessionIdle: an unused session is closed (its name goes offline) and
// the token resumes it on the next request.
func TestSessionIdle(t *testing.T) {
	root := t.TempDir()
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	cfg := testConfig(t)
	cfg.SessionIdle = 50 * time.Millisecond
	srv := mustServe(t, st, cfg)
	tok := register(t, srv, "napper")
	online := func() bool {
		agents, err := st.Agents(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(agents) == 1 && agents[0].Online
	}
	ipctest.WaitFor(t, "the idle session to close", func() bool { return !online() })
	rep := legacy(t, srv, map[string]any{"action": "check", "session_token": tok})
	wantOK(t, rep)
	// The resumed session is a session of the server: another process
	// cannot take the name while it is open.
	other := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	if _, err := other.Login(context.Background(), "napper", ""); err == nil {
		// It may have been reaped again already; that is fine too.
		if online() {
			t.Fatalf("another process took a name the server acts as")
		}
	}
}

// TestRunLock: one server per mailbox, decided by the lock file.
func TestRunLock(t *testing.T) {
	root := t.TempDir()
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	if _, ok, err := Running(root); ok || err != nil {
		t.Fatalf("Running before any server = %v, %v", ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan RunState, 1)
	done := make(chan error)
	cfg := testConfig(t)
	go func() { done <- Run(ctx, st, cfg, 0, func(_ *Server, rs RunState) { ready <- rs }) }()
	var rs RunState
	select {
	case rs = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	got, ok, err := Running(root)
	if !ok || err != nil || got.PID != os.Getpid() || got.Port == 0 || got.Socket != cfg.Socket || got.TCP != rs.TCP {
		t.Fatalf("Running = %+v, %v, %v", got, ok, err)
	}
	if fi, err := os.Stat(filepath.Join(root, RunStateFile)); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi, err)
	}
	// A second server of the same mailbox is refused, whatever its port.
	cfg2 := testConfig(t)
	err = Run(context.Background(), st, cfg2, 0, nil)
	var running *ErrRunning
	if !errors.As(err, &running) || running.State.PID != os.Getpid() {
		t.Fatalf("second Run = %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, ok, _ := Running(root); ok {
		t.Fatalf("still running after Run returned")
	}
	if _, err := os.Stat(filepath.Join(root, RunStateFile)); !os.IsNotExist(err) {
		t.Fatalf("state file left behind: %v", err)
	}
}

// TestRunLockNotFooledByAProbe: Running holds the run lock shared for an
// instant; a server starting at that instant still becomes the server, and
// the probe then sees it.
func TestRunLockNotFooledByAProbe(t *testing.T) {
	root := t.TempDir()
	probe := flock.New(filepath.Join(root, wire.RunLockFile), flock.SetPermissions(0o600))
	if ok, err := probe.TryRLock(); !ok || err != nil {
		t.Fatalf("probe lock: %v %v", ok, err)
	}
	got := make(chan error, 1)
	var l *runLock
	go func() {
		var err error
		l, err = acquireRunLock(root)
		got <- err
	}()
	time.Sleep(runLockPatience / 10) // the server is retrying now, or has not tried yet
	probe.Unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("acquireRunLock after a probe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("acquireRunLock did not return")
	}
	defer l.Release()
	if _, ok, err := Running(root); !ok || err != nil {
		t.Fatalf("Running = %v, %v; want the new server", ok, err)
	}
}

// TestRunLockOtherProcess: a server in another process holds the lock; a
// server here is refused and a client finds the other one.
func TestRunLockOtherProcess(t *testing.T) {
	root := t.TempDir()
	sock := filepath.Join(sockDir(t), "o.sock")
	_, out, stdin := helper(t, "serve", root, sock)
	line, err := out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		t.Fatalf("helper: %q %v", line, err)
	}
	if _, err := acquireRunLock(root); err == nil {
		t.Fatalf("acquireRunLock succeeded while another process serves")
	}
	ctx := testCtx(t)
	c, err := client.DialMailbox(ctx, root)
	if err != nil {
		t.Fatalf("DialMailbox: %v", err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close()
	stdin.Close() // the helper shuts down gracefully
	ipctest.WaitFor(t, "the other server to stop", func() bool {
		_, ok, _ := Running(root)
		return !ok
	})
	if _, err := client.DialMailbox(ctx, root); !errors.Is(err, client.ErrNotRunning) {
		t.Fatalf("DialMailbox after stop = %v", err)
	}
}

// TestPortTaken: a port held by another program is reported clearly, or
// replaced by a free one when fallback is on.
func TestPortTaken(t *testing.T) {
	squatter, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer squatter.Close()
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	_, err = listen(st, Config{TCP: squatter.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "taken by another program") {
		t.Fatalf("Listen on a taken port = %v", err)
	}
	srv := mustServe(t, st, Config{TCP: squatter.Addr().String(), PortFallback: true})
	if srv.Addr().Port == squatter.Addr().(*net.TCPAddr).Port || !strings.Contains(srv.Notice(), "instead") {
		t.Fatalf("fallback: %v, notice %q", srv.Addr(), srv.Notice())
	}
	wantOK(t, legacy(t, srv, map[string]any{"action": "ping"}))
}

func TestBareHostIsLoopback(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	srv := mustServe(t, st, Config{TCP: ":0"})
	if !srv.Addr().IP.IsLoopback() {
		t.Fatalf("\":0\" listened on %v", srv.Addr())
	}
}
