//go:build !windows

package main

import (
	"bufio"
	"encoding/json"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
)

// underUmask0 makes cmd run with umask 0, the most permissive there is.
func underUmask0(cmd *exec.Cmd) *exec.Cmd {
	sh, _ := exec.LookPath("sh")
	cmd.Args = append([]string{"sh", "-c", `umask 000; exec "$0" "$@"`}, cmd.Args...)
	cmd.Args[3] = ipcBin
	cmd.Path = sh
	return cmd
}

func runUmask0(t *testing.T, home, as, stdin string, args ...string) string {
	t.Helper()
	cmd := underUmask0(ipcCmd(home, as, args...))
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ipc %v under umask 0: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestModesUnderUmask0 runs every kind of process under umask 0 (the CLI,
// a detached server, ipc mcp, a hook) and checks that everything they
// create is private: directories 0700, files 0600, the Unix socket 0600
// in a 0700 directory.
func TestModesUnderUmask0(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	sockDir := filepath.Join(shortDir(t), "run")
	sock := filepath.Join(sockDir, "u.sock")
	runUmask0(t, home, "alice", "", "send", "bob", "hello")
	runUmask0(t, home, "alice", strings.Repeat("large. ", 3000), "send", "bob", "-")
	runUmask0(t, home, "bob", "", "check")
	runUmask0(t, home, "bob", "", "history")
	runUmask0(t, home, "", "", "serve", "--detach", "--port", "0", "--socket", sock)
	rs := waitRunning(t, home, true)
	defer syscall.Kill(rs.PID, syscall.SIGKILL)
	rep, err := client.Legacy(bg(), "unix", sock, map[string]any{"action": "register", "instance_id": "carol"})
	if err != nil || rep.Status != client.StatusOK {
		t.Fatalf("register over the socket: %+v %v", rep, err)
	}
	runUmask0(t, home, "bob", hookEvent("Stop"), "hook", "--wait", "10ms")

	mcp := underUmask0(ipcCmd(home, "dave", "mcp"))
	stdin, _ := mcp.StdinPipe()
	stdout, _ := mcp.StdoutPipe()
	if err := mcp.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"send","arguments":{"from_id":"dave","to_id":"erin","content":"hi"}}}` + "\n"))
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.Contains(sc.Text(), `"id":2`) {
	}
	stdin.Close()
	mcp.Wait()

	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %v: %v, want 0600", fi.Mode(), err)
	}
	if fi, err := os.Stat(sockDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("socket directory %v: %v, want 0700", fi.Mode(), err)
	}
	syscall.Kill(rs.PID, syscall.SIGTERM)
	waitRunning(t, home, false)
	n := 0
	err = filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", strings.TrimPrefix(p, home), info.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server.log", "large", "hooks", "index/sessions.json", "presence/dave.json", "mail/erin/new"} {
		if _, err := os.Stat(filepath.Join(home, want)); err != nil {
			t.Errorf("%s was not created: the test did not exercise it", want)
		}
	}
	t.Logf("figures: %s: %d files and directories created under umask 0 by the CLI, ipc serve, ipc mcp and a hook, all 0700/0600; socket 0600", t.Name(), n)
}

// TestServeListensOnLoopbackOnly: by default `ipc serve` is not reachable
// at any other address of the machine; IPC_HOST must ask for that, and the
// server then says so in its log.
func TestServeListensOnLoopbackOnly(t *testing.T) {
	var other net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			other = n.IP
			break
		}
	}
	home := filepath.Join(t.TempDir(), "home")
	srv := startServe(t, home, filepath.Join(shortDir(t), "l.sock"), nil)
	host, port, _ := net.SplitHostPort(srv.rs.TCP)
	if host != "127.0.0.1" {
		t.Fatalf("listening on %s by default", srv.rs.TCP)
	}
	if other == nil {
		t.Skip("this machine has no other IPv4 address to try")
	}
	if nc, err := net.DialTimeout("tcp", net.JoinHostPort(other.String(), port), 5*time.Second); err == nil {
		nc.Close()
		t.Fatalf("the default server is reachable at %s", other)
	}
	srv.stop()

	home2 := filepath.Join(t.TempDir(), "home")
	wide := startServe(t, home2, filepath.Join(shortDir(t), "w.sock"), nil, "IPC_HOST=0.0.0.0")
	_, port, _ = net.SplitHostPort(wide.rs.TCP)
	nc, err := net.DialTimeout("tcp", net.JoinHostPort(other.String(), port), 5*time.Second)
	if err != nil {
		t.Fatalf("IPC_HOST=0.0.0.0: not reachable at %s: %v", other, err)
	}
	nc.Close()
	if !strings.Contains(wide.stderr.String(), "not loopback") {
		t.Fatalf("no warning for a non-loopback listener:\n%s", wide.stderr)
	}
}

// TestCLICannotActAsLiveIdentity: while an agent's ipc mcp holds its
// name, no CLI command can act as it, and no identity but its sender can
// read its mail by id.
func TestCLICannotActAsLiveIdentity(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	bob := startMCP(t, home, "IPC_ID=bob", "IPC_CHANNEL=0")
	mustIPC(t, home, "carol", "", "send", "bob", "secret for bob")
	for _, args := range [][]string{{"check"}, {"send", "carol", "as bob"}, {"rename", "robert"}, {"history"}, {"watch"}, {"broadcast", "as bob"}} {
		r := ipc(t, home, "bob", "", args...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, "ipc: in_use: bob is in use") {
			t.Errorf("ipc --as bob %v while bob is live: exit %d %q", args, r.code, r.stderr)
		}
	}
	text := bob.ok("check", map[string]any{"instance_id": "bob"}, "secret for bob")
	id := framesOf(t, text)[0].Attrs["id"]
	r := ipc(t, home, "alice", "", "read", id)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "ipc: not_found:") {
		t.Fatalf("alice reads bob's message %s: exit %d %q %q", id, r.code, r.stdout, r.stderr)
	}
	var list struct {
		Instances []struct {
			ID     string `json:"id"`
			Online bool   `json:"online"`
		} `json:"instances"`
	}
	json.Unmarshal([]byte(mustIPC(t, home, "", "", "list", "--json")), &list)
	for _, a := range list.Instances {
		if a.ID == "bob" && !a.Online {
			t.Fatalf("bob shown offline while his ipc mcp runs")
		}
	}
}
