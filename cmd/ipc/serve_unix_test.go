//go:build !windows

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/socket"
)

// shortDir is a temporary directory with a path short enough for sockets.
func shortDir(t *testing.T) string {
	d, err := os.MkdirTemp("", "ipcs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// waitRunning waits until the mailbox at home is served (or not).
func waitRunning(t *testing.T, home string, want bool) socket.RunState {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rs, ok, _ := socket.Running(home)
		if ok == want && (!want || rs.PID != 0) {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for running = %v", want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestServe runs `ipc serve` in the foreground: it serves the legacy
// protocol, refuses a second server for the mailbox, and on SIGTERM
// finishes, removes its state file and exits 0.
func TestServe(t *testing.T) {
	home := t.TempDir()
	sock := filepath.Join(shortDir(t), "s.sock")
	cmd := ipcCmd(home, "", "serve", "--port", "0", "--socket", sock)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	rs := waitRunning(t, home, true)
	if rs.PID != cmd.Process.Pid || rs.Socket != sock || rs.Port == 0 {
		t.Fatalf("run state %+v", rs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := client.Legacy(ctx, "tcp", rs.TCP, map[string]any{"action": "register", "instance_id": "tcpuser"})
	if err != nil || rep.Status != client.StatusOK || rep.Message != "Registered tcpuser" {
		t.Fatalf("register over TCP: %+v %v", rep, err)
	}
	rep, err = client.Legacy(ctx, "unix", sock, map[string]any{"action": "list", "session_token": rep.SessionToken})
	if err != nil || len(rep.Instances) != 1 || !rep.Instances[0].Online {
		t.Fatalf("list over the socket: %+v %v", rep, err)
	}

	second := ipc(t, home, "", "", "serve", "--port", "0", "--socket", filepath.Join(shortDir(t), "t.sock"))
	if second.code != 1 || !strings.Contains(second.stderr, "ipc: in_use: a server for") || !strings.Contains(second.stderr, "already running") {
		t.Fatalf("second serve: exit %d, %q", second.code, second.stderr)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "ipc serve: stopped") {
		t.Fatalf("stderr: %s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(home, socket.RunStateFile)); !os.IsNotExist(err) {
		t.Fatalf("state file left: %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket left: %v", err)
	}
}

// TestServeDetach starts a server in the background; it outlives the
// command that started it.
func TestServeDetach(t *testing.T) {
	home := t.TempDir()
	sock := filepath.Join(shortDir(t), "d.sock")
	out := mustIPC(t, home, "", "", "serve", "--detach", "--port", "0", "--socket", sock)
	if !strings.HasPrefix(out, "ipc serve: serving ") {
		t.Fatalf("serve --detach: %q", out)
	}
	rs := waitRunning(t, home, true)
	t.Cleanup(func() { syscall.Kill(rs.PID, syscall.SIGKILL) })
	out = mustIPC(t, home, "", "", "serve", "--detach", "--port", "0", "--socket", sock)
	if !strings.HasPrefix(out, "ipc serve: already running") {
		t.Fatalf("second serve --detach: %q", out)
	}
	syscall.Kill(rs.PID, syscall.SIGTERM)
	waitRunning(t, home, false)
	log, _ := os.ReadFile(filepath.Join(home, socket.RunLogFile))
	if !strings.Contains(string(log), "ipc serve: stopped") {
		t.Fatalf("server.log: %s", log)
	}
}

// TestEnsureServer: auto-start starts a server when none runs, unless
// turned off.
func TestEnsureServer(t *testing.T) {
	home := t.TempDir()
	sock := filepath.Join(shortDir(t), "e.sock")
	env := map[string]string{"IPC_PORT": "0", "IPC_SOCKET": sock}
	c := &cli{home: home, exe: ipcBin, getenv: func(k string) string { return env[k] }, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	ctx := context.Background()

	env["IPC_AUTOSTART"] = "0"
	c.ensureServer(ctx)
	if _, ok, _ := socket.Running(home); ok {
		t.Fatalf("a server was started with auto-start off")
	}

	env["IPC_AUTOSTART"] = "1"
	c.ensureServer(ctx)
	rs := waitRunning(t, home, true)
	t.Cleanup(func() { syscall.Kill(rs.PID, syscall.SIGKILL) })
	if rs.Socket != sock {
		t.Fatalf("run state %+v", rs)
	}
	c.ensureServer(ctx) // already running: nothing to do
	if rs2, _, _ := socket.Running(home); rs2.PID != rs.PID {
		t.Fatalf("a second server was started")
	}
	syscall.Kill(rs.PID, syscall.SIGTERM)
	waitRunning(t, home, false)
}

func TestServeUsage(t *testing.T) {
	r := ipc(t, t.TempDir(), "", "", "serve", "extra")
	if r.code != 2 || !strings.Contains(r.stderr, "serve takes no arguments") {
		t.Fatalf("serve extra: %+v", r)
	}
}
