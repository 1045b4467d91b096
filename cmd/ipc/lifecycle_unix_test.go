//go:build !windows

package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/socket"
)

// waitExit waits for a started `ipc serve` to end, within a generous bound.
func (s *serveProc) waitExit(what string) {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.t.Fatalf("ipc serve still runs after %s\n%s", what, s.stderr)
	}
}

// portFree reports whether nothing listens on addr.
func portFree(addr string) bool {
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		nc.Close()
	}
	return err != nil
}

// TestServeStopsWhenHomeRemoved: `ipc serve` ends when its IPC_HOME is
// deleted, or renamed away and replaced by a new directory, and frees its
// port; it never touches the new directory's run state.
func TestServeStopsWhenHomeRemoved(t *testing.T) {
	t.Run("removed", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "home")
		s := startServe(t, home, filepath.Join(shortDir(t), "r.sock"), nil)
		start := time.Now()
		ipctest.RemoveTree(t, home)
		s.waitExit("its home was removed")
		figures(t, "ipc serve exited %v after its IPC_HOME was removed", time.Since(start).Round(time.Millisecond))
		if !strings.Contains(s.stderr.String(), "was removed: stopped") {
			t.Fatalf("stderr: %s", s.stderr)
		}
		if !portFree(s.rs.TCP) {
			t.Fatalf("%s still held", s.rs.TCP)
		}
	})
	t.Run("replaced", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "home")
		s := startServe(t, home, filepath.Join(shortDir(t), "p.sock"), nil)
		start := time.Now()
		if err := os.Rename(home, home+".old"); err != nil {
			t.Fatal(err)
		}
		mustIPC(t, home, "alice", "", "send", "bob", "hi") // a new mailbox at the path
		s.waitExit("its home was replaced")
		figures(t, "ipc serve exited %v after its IPC_HOME was renamed away and replaced", time.Since(start).Round(time.Millisecond))
		// Seen before or after the new directory exists.
		if log := s.stderr.String(); !strings.Contains(log, "replaced by another directory: stopped") && !strings.Contains(log, "was removed: stopped") {
			t.Fatalf("stderr: %s", s.stderr)
		}
		// A server of the new mailbox starts, on the freed port.
		n := startServe(t, home, filepath.Join(shortDir(t), "n.sock"), nil)
		n.stop()
	})
}

// TestAutostartedServerStopsWhenIdle: a server started by a CLI command
// stops after IPC_IDLE_EXIT without a live agent or a client, not while an
// agent of the mailbox is live, and says so in server.log.
func TestAutostartedServerStopsWhenIdle(t *testing.T) {
	const idle = 200 * time.Millisecond
	home := t.TempDir()
	sock := filepath.Join(shortDir(t), "i.sock")
	env := []string{"IPC_AUTOSTART=1", "IPC_IDLE_EXIT=" + idle.String(), "IPC_PORT=0", "IPC_SOCKET=" + sock}
	watch := ipcCmd(home, "carol", "watch")
	watch.Env = append(watch.Env, env...)
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	watchDone := make(chan struct{})
	go func() {
		watch.Wait()
		close(watchDone)
	}()
	t.Cleanup(func() {
		watch.Process.Kill()
		<-watchDone
	})
	rs := waitRunning(t, home, true)
	t.Cleanup(func() { syscall.Kill(rs.PID, syscall.SIGKILL) })
	if rs.IdleExit != idle.String() {
		t.Fatalf("run state %+v", rs)
	}
	// An observation window of many idle periods while carol watches.
	deadline := time.Now().Add(15 * idle)
	for time.Now().Before(deadline) {
		if _, ok, _ := socket.Running(home); !ok {
			t.Fatalf("the server stopped while carol was live")
		}
		time.Sleep(idle / 4)
	}
	watch.Process.Signal(syscall.SIGTERM)
	<-watchDone
	ended := time.Now()
	waitRunning(t, home, false)
	figures(t, "with IPC_IDLE_EXIT=%v: running throughout a %v window while an agent watched; stopped %v after the agent ended",
		idle, 15*idle, time.Since(ended).Round(time.Millisecond))
	log, _ := os.ReadFile(filepath.Join(home, socket.RunLogFile))
	if !strings.Contains(string(log), "no agent of "+home+" was live and no client connected for "+idle.String()+": stopped") {
		t.Fatalf("server.log:\n%s", log)
	}
}

// TestStopCommand: ipc stop stops this mailbox's server gracefully and
// only it, signalling the pid the server itself reports, not whatever pid
// the state file names.
func TestStopCommand(t *testing.T) {
	home, other := t.TempDir(), t.TempDir()
	r := ipc(t, home, "", "", "stop")
	if r.code != 0 || r.stdout != "ipc stop: no server is running for "+home+"\n" {
		t.Fatalf("stop with none running: %+v", r)
	}
	o := startServe(t, other, filepath.Join(shortDir(t), "o.sock"), nil)
	s := startServe(t, home, filepath.Join(shortDir(t), "s.sock"), nil)

	// The state file names an unrelated process: it is left alone.
	bystander := exec.Command("sleep", "60")
	if err := bystander.Start(); err != nil {
		t.Fatal(err)
	}
	defer bystander.Process.Kill()
	rs := s.rs
	rs.PID = bystander.Process.Pid
	forgeRunState(t, home, rs)

	out := mustIPC(t, home, "", "", "stop")
	if !strings.HasPrefix(out, "ipc stop: stopped the server of "+home) {
		t.Fatalf("stop: %q", out)
	}
	s.waitExit("ipc stop")
	if s.err != nil || !strings.Contains(s.stderr.String(), "ipc serve: stopped") {
		t.Fatalf("serve after stop: %v\n%s", s.err, s.stderr)
	}
	if err := bystander.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the process named in the state file was signalled: %v", err)
	}
	if _, ok, _ := socket.Running(other); !ok {
		t.Fatalf("the other mailbox's server stopped")
	}
	// A server.json pointing at the other mailbox's server: refused.
	s2 := startServe(t, home, filepath.Join(shortDir(t), "t.sock"), nil)
	rs = s2.rs
	rs.TCP, rs.Port, rs.Socket = o.rs.TCP, o.rs.Port, o.rs.Socket
	forgeRunState(t, home, rs)
	r = ipc(t, home, "", "", "stop")
	if r.code != 1 || !strings.Contains(r.stderr, "serves another mailbox") || !strings.Contains(r.stderr, other) {
		t.Fatalf("stop via a foreign server: %+v", r)
	}
	if _, ok, _ := socket.Running(other); !ok {
		t.Fatalf("the other mailbox's server stopped")
	}
}

// forgeRunState rewrites the state file of home's running server.
func forgeRunState(t *testing.T, home string, rs socket.RunState) {
	t.Helper()
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(home, ".forged")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(home, socket.RunStateFile)); err != nil {
		t.Fatal(err)
	}
}

// TestForeignPortHolderNamed: `ipc serve` on a port another mailbox's
// server holds names that mailbox, and `ipc doctor` names the holder of
// the port the original's scripts use.
func TestForeignPortHolderNamed(t *testing.T) {
	home, other := t.TempDir(), t.TempDir()
	o := startServe(t, other, filepath.Join(shortDir(t), "f.sock"), nil)
	port := strconv.Itoa(o.rs.Port)
	r := ipc(t, home, "", "", "serve", "--port", port, "--socket", filepath.Join(shortDir(t), "g.sock"))
	if r.code != 1 || !strings.Contains(r.stderr, "the ipc server of the mailbox "+other) {
		t.Fatalf("serve on the other's port: %+v", r)
	}
	cmd := ipcCmd(home, "", "doctor")
	cmd.Env = append(cmd.Env, "IPC_PORT="+port)
	out, _ := cmd.Output()
	if !strings.Contains(string(out), "WARN 127.0.0.1:"+port+" is held by the ipc server of the mailbox "+other) {
		t.Fatalf("doctor:\n%s", out)
	}
	cmd = ipcCmd(other, "", "doctor")
	cmd.Env = append(cmd.Env, "IPC_PORT="+port)
	out, _ = cmd.Output()
	if !strings.Contains(string(out), "ok   server pid "+strconv.Itoa(o.rs.PID)+" serves this mailbox") || strings.Contains(string(out), "WARN") {
		t.Fatalf("doctor of the mailbox served:\n%s", out)
	}
	// A server that had to move off the port: doctor fails with its notice.
	s := startServe(t, home, filepath.Join(shortDir(t), "h.sock"), nil)
	rs := s.rs
	rs.Notice = "127.0.0.1:" + port + " is held by the ipc server of the mailbox " + other + " (test notice)"
	forgeRunState(t, home, rs)
	r = ipc(t, home, "", "", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL "+rs.Notice) {
		t.Fatalf("doctor with a notice: %+v", r)
	}
}
