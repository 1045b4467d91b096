//go:build !windows

package main

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/socket"
)

// fakePortHolder listens on a free port and answers each connection's
// first line with reply, as a program that is not this mailbox's server
// does. It returns the port; the listener is closed and its goroutine
// joined when the test ends.
func fakePortHolder(t *testing.T, reply string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			bufio.NewReader(nc).ReadString('\n')
			nc.Write([]byte(reply))
			nc.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().(*net.TCPAddr).Port
}

// freePort returns a port nothing listens on (it was free an instant ago).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// doctorOn runs ipc doctor for home with the TCP port the configuration
// names.
func doctorOn(t *testing.T, home string, port int) result {
	t.Helper()
	cmd := ipcCmd(home, "", "doctor")
	cmd.Env = append(cmd.Env, "IPC_PORT="+strconv.Itoa(port))
	return runCmd(t, cmd, "")
}

// TestDoctorNamesPortHolder: ipc doctor says what holds the configured TCP
// address: this mailbox's server, another mailbox's server (which one, its
// pid), the original broker, another program, or nothing; a holder that is
// not this mailbox's server is a warning with a fix, never a failure.
func TestDoctorNamesPortHolder(t *testing.T) {
	home, other := filepath.Join(t.TempDir(), "home"), filepath.Join(t.TempDir(), "other")
	mine := startServe(t, home, filepath.Join(shortDir(t), "m.sock"), nil)
	theirs := startServe(t, other, filepath.Join(shortDir(t), "o.sock"), nil)
	cases := []struct {
		name string
		port int
		want []string
	}{
		{"this mailbox's server", mine.rs.Port, []string{
			"ok   127.0.0.1:" + strconv.Itoa(mine.rs.Port) + " is held by this mailbox's server (pid " + strconv.Itoa(mine.rs.PID) + ")"}},
		{"another mailbox's server", theirs.rs.Port, []string{
			"WARN 127.0.0.1:" + strconv.Itoa(theirs.rs.Port) + " is held by the ipc server of the mailbox " + other + " (pid " + strconv.Itoa(theirs.rs.PID) + "): the original's unmodified scripts reach it, not this mailbox",
			"     fix: to give the port to this mailbox: ipc --home " + other + " stop, then ipc stop, then ipc serve"}},
		{"the original broker", fakePortHolder(t, `{"status": "error", "message": "Not registered. Please register first."}`), []string{
			"is held by the original claude-ipc-mcp broker, or a program that answers as it does",
			"     fix: stop the original broker (its Python process)"}},
		{"a program that speaks something else", fakePortHolder(t, "HTTP/1.0 400 Bad Request\r\n\r\n"), []string{
			`is held by an unknown program (it answered "HTTP/1.0 400 Bad Request", which is not this protocol)`,
			"     fix: find it with `lsof -nP -iTCP:"}},
		{"nothing", freePort(t), []string{"ok   nothing listens on 127.0.0.1:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := doctorOn(t, home, tc.port)
			if r.code != 0 {
				t.Fatalf("doctor exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("doctor lacks %q:\n%s", w, r.stdout)
				}
			}
			if !strings.Contains(r.stdout, "ok   server pid "+strconv.Itoa(mine.rs.PID)+" serves this mailbox") {
				t.Errorf("doctor does not report this mailbox's server:\n%s", r.stdout)
			}
		})
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(ipcBin, "version")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestDoctorStaleServerJSON: a server.json whose server is gone (no
// process holds server.lock), or that names another pid than the server
// that answers, is a warning with its fix; doctor leaves the file alone.
func TestDoctorStaleServerJSON(t *testing.T) {
	started := time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)
	cases := []struct {
		name    string
		content func(t *testing.T) string
		want    []string
	}{
		{"its server is gone", func(t *testing.T) string {
			b, _ := json.Marshal(socket.RunState{PID: deadPID(t), TCP: "127.0.0.1:9876", Port: 9876, Version: "ipc dev", Started: started})
			return string(b)
		}, []string{
			"WARN server.json is stale: its server (pid ",
			", started " + localMinute(started) + ") is gone, since no process holds server.lock",
			"     fix: harmless: the next server replaces it; ipc serve starts one now"}},
		{"it is not JSON", func(*testing.T) string { return "{" }, []string{
			"WARN server.json cannot be read (socket: server.json: unexpected end of JSON input), and no process holds server.lock",
			"     fix: harmless: the next server replaces it"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			mustIPC(t, home, "alice", "", "check")
			path := filepath.Join(home, socket.RunStateFile)
			content := tc.content(t)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			r := doctorOn(t, home, freePort(t))
			if r.code != 0 {
				t.Fatalf("doctor exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("doctor lacks %q:\n%s", w, r.stdout)
				}
			}
			if b, err := os.ReadFile(path); err != nil || string(b) != content {
				t.Fatalf("doctor changed server.json: %q, %v", b, err)
			}
		})
	}
	t.Run("it names another pid than the server's", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "home")
		s := startServe(t, home, filepath.Join(shortDir(t), "p.sock"), nil)
		rs := s.rs
		rs.PID = deadPID(t)
		forgeRunState(t, home, rs)
		r := doctorOn(t, home, s.rs.Port)
		want := "WARN server.json names pid " + strconv.Itoa(rs.PID) + ", but the server that answers is pid " + strconv.Itoa(s.rs.PID)
		if r.code != 0 || !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "ok   server pid "+strconv.Itoa(s.rs.PID)+" serves this mailbox") {
			t.Fatalf("doctor lacks %q (exit %d):\n%s", want, r.code, r.stdout)
		}
	})
}

// TestDoctorServerVersion: a server of another version than this command
// is a warning that says how to replace it; one of the same version is not.
func TestDoctorServerVersion(t *testing.T) {
	other := filepath.Join(t.TempDir(), "ipc-other")
	build := exec.Command("go", "build", "-o", other, "-ldflags", "-X main.version=v0.0.1-other", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	home := filepath.Join(t.TempDir(), "home")
	// sh runs the other build in its own place: the same pid, ipc's arguments.
	s := startServe(t, home, filepath.Join(shortDir(t), "v.sock"), []string{"sh", "-c", `exec "` + other + `" "$@"`})
	r := doctorOn(t, home, s.rs.Port)
	for _, w := range []string{
		"ok   server pid " + strconv.Itoa(s.rs.PID) + " serves this mailbox",
		"WARN this mailbox's server is ipc v0.0.1-other, this command is ipc dev",
		"     fix: ipc stop, then ipc serve, so that the server is this version",
	} {
		if r.code != 0 || !strings.Contains(r.stdout, w) {
			t.Fatalf("doctor lacks %q (exit %d):\n%s", w, r.code, r.stdout)
		}
	}
	s.kill()
	same := startServe(t, home, filepath.Join(shortDir(t), "w.sock"), nil)
	if r := doctorOn(t, home, same.rs.Port); r.code != 0 || strings.Contains(r.stdout, "this command is") {
		t.Fatalf("doctor with a server of this version (exit %d):\n%s", r.code, r.stdout)
	}
}
