//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

// holdIdle opens n connections to addr that send nothing, and returns them.
func holdIdle(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
		conns = append(conns, nc)
	}
	t.Cleanup(func() {
		for _, nc := range conns {
			nc.Close()
		}
	})
	return conns
}

// classify reads what the server said on idle connections within a short
// while: a busy reply, a close without a reply, or nothing yet (served).
func classify(t *testing.T, conns []net.Conn) (busy, closed, held int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, nc := range conns {
		wg.Add(1)
		go func(nc net.Conn) {
			defer wg.Done()
			nc.SetReadDeadline(time.Now().Add(3 * time.Second))
			b, err := io.ReadAll(nc)
			nc.SetReadDeadline(time.Time{})
			mu.Lock()
			defer mu.Unlock()
			var rep client.Reply
			switch {
			case len(b) > 0 && json.Unmarshal(b, &rep) == nil && rep.ErrorCode == string(maildir.Busy):
				busy++
			case len(b) > 0:
				t.Errorf("idle connection got %q", b)
			case err == nil:
				closed++
			default:
				held++
			}
		}(nc)
	}
	wg.Wait()
	return
}

// serving checks that the server still serves: a client connected before
// the flood sends, a subscriber connected before gets the mail pushed, and
// the file doors (CLI) work.
func serving(t *testing.T, home string, sender *piper, sub *client.Client, i int) {
	t.Helper()
	content := fmt.Sprintf("still serving %d", i)
	if _, err := sender.roundTrip(map[string]any{"action": "send", "to_id": "sub", "message": map[string]any{"content": content}}); err != nil {
		t.Fatalf("send by a connected client during the flood: %v", err)
	}
	select {
	case ev := <-sub.Events():
		if ev.Event != client.EventMail || len(ev.Messages) != 1 || ev.Messages[0].Message.Content != content {
			t.Fatalf("push during the flood: %+v", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no push during the flood")
	}
	mustIPC(t, home, "cli", "", "send", "someone", content)
}

// TestThousandIdleConnections opens 1,000 connections that send nothing to
// a server with the default limit of 512: the server keeps 512, answers
// the others "busy" (or closes them when too many are being turned away
// at once), keeps serving the clients it had, and serves new clients once
// the idle ones go.
func TestThousandIdleConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,000 connections")
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) != nil || rl.Cur < 1200 {
		t.Skip("this process may not open 1,000 connections")
	}
	home := filepath.Join(t.TempDir(), "home")
	srv := startServe(t, home, filepath.Join(shortDir(t), "i.sock"), nil)
	sender, sub := connected(t, srv)
	idle := holdIdle(t, srv.rs.TCP, 1000)
	serving(t, home, sender, sub, 0)
	busy, closed, held := classify(t, idle)
	if held == 0 || held > 512-2 || busy == 0 || busy+closed != 1000-held {
		t.Fatalf("1,000 idle connections: %d held, %d answered busy, %d closed; want at most 510 held (2 slots are the clients') and the rest refused", held, busy, closed)
	}
	serving(t, home, sender, sub, 1)
	for _, nc := range idle {
		nc.Close()
	}
	ipctest.WaitFor(t, "a new client to be served", func() bool {
		rep, err := client.Legacy(bg(), "tcp", srv.rs.TCP, map[string]any{"action": "ping"})
		return err == nil && rep.Status == client.StatusOK
	})
	srv.checkLog()
	figures(t, "1,000 idle connections against the 512-connection cap: %d held, %d refused with busy, %d closed at once; the connected clients were served throughout", held, busy, closed)
}

// connected registers a sender and a subscriber on the fast path.
func connected(t *testing.T, srv *serveProc) (*piper, *client.Client) {
	t.Helper()
	sender, err := dialPiper("unix", srv.rs.Socket, "sender", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sender.close)
	sub, err := client.Dial(bg(), "unix", srv.rs.Socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	if _, _, err := sub.Register(bg(), "sub", ""); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe(bg()); err != nil {
		t.Fatal(err)
	}
	return sender, sub
}

// TestFileDescriptorExhaustion runs the server with a hard limit of 128
// open files and floods it with 400 idle connections: it does not crash,
// refuses what it cannot hold, keeps serving the clients it had (their
// sends need files too), and serves new clients once the flood is gone.
func TestFileDescriptorExhaustion(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of connections")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("needs prlimit (util-linux)")
	}
	home := filepath.Join(t.TempDir(), "home")
	srv := startServe(t, home, filepath.Join(shortDir(t), "f.sock"), []string{prlimit, "--nofile=128:128"})
	sender, sub := connected(t, srv)
	idle := holdIdle(t, srv.rs.TCP, 400)
	for i := 0; i < 20; i++ {
		serving(t, home, sender, sub, i)
	}
	busy, closed, held := classify(t, idle)
	for i := 20; i < 40; i++ {
		serving(t, home, sender, sub, i)
	}
	for _, nc := range idle {
		nc.Close()
	}
	ipctest.WaitFor(t, "a new client to be served", func() bool {
		rep, err := client.Legacy(bg(), "tcp", srv.rs.TCP, map[string]any{"action": "ping"})
		return err == nil && rep.Status == client.StatusOK
	})
	srv.checkLog()
	if !strings.Contains(srv.stderr.String(), "serving at most") || held == 0 || busy == 0 {
		t.Fatalf("%d held, %d busy; log:\n%s", held, busy, srv.stderr)
	}
	figures(t, "400 idle connections against a server limited to 128 open files: %d held, %d refused with busy, %d closed at once, %d left waiting in the listen queue; 40 sends and pushes of connected clients served meanwhile",
		held, busy, closed, 400-held-busy-closed)
}
