//go:build !windows

package mcp

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/sharecmd"
)

// TestShareFileRefusesSpecialFiles: share_file sends regular files only
// (never a device, FIFO or socket, directly or through a symlink), does
// not block on a FIFO, and says so when the path is a symlink.
func TestShareFileRefusesSpecialFiles(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	bob := newPeer(t, root, Config{ID: "bob"})
	dir, err := os.MkdirTemp("", "share") // short: a socket path lives here
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	real := filepath.Join(dir, "real.txt")
	os.WriteFile(real, []byte("the real file\n"), 0o600)
	link := func(name, target string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		path, kind, says string
	}{
		{fifo, "bad_request", "a FIFO"},
		{sock, "bad_request", "a socket"},
		{"/dev/zero", "bad_request", "a device"},
		{"/dev/urandom", "bad_request", "a device"},
		{dir, "bad_request", "a directory"},
		{link("to-fifo", fifo), "bad_request", "a FIFO"},
		{link("to-sock", sock), "bad_request", "a socket"},
		{link("to-zero", "/dev/zero"), "bad_request", "a device"},
		{link("dangling", filepath.Join(dir, "nothing")), "not_found", "no such file"},
		{link("loop-a", filepath.Join(dir, "loop-b")), "bad_request", "cannot read"},
	}
	link("loop-b", filepath.Join(dir, "loop-a"))
	for _, tc := range cases {
		start := time.Now()
		text := alice.fail("share_file", map[string]any{"from_id": "alice", "to_id": "bob", "filepath": tc.path}, tc.kind)
		if !strings.Contains(text, tc.says) {
			t.Errorf("share_file %s: %q, want it to say %q", tc.path, text, tc.says)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("share_file %s took %v", tc.path, d)
		}
	}
	// A symlink to a regular file is followed, and reported to both sides.
	sub := link("dirlink", dir)
	for _, path := range []string{link("to-real", real), link("chain", filepath.Join(dir, "to-real")), filepath.Join(sub, "real.txt")} {
		text := alice.ok("share_file", map[string]any{"from_id": "alice", "to_id": "bob", "filepath": path})
		mustContain(t, text, "The path is a symlink to "+real)
		mustFrame(t, bob.ok("check", map[string]any{"instance_id": "bob"}), "\nSymlink to: "+real, "the real file")
	}
}

// TestShareCommandNoShell: share_command hands the words to the program:
// variables, command substitution, separators, pipes, redirections and
// globs reach it as plain text, and nothing they would do in a shell
// happens.
func TestShareCommandNoShell(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice", ShareCommand: sharecmd.Runner(os.Environ())})
	bob := newPeer(t, root, Config{ID: "bob"})
	dir := t.TempDir()
	pwned, out := filepath.Join(dir, "pwned"), filepath.Join(dir, "out")
	cmd := fmt.Sprintf("echo $HOME $(id) `id` ; touch %s && echo x | cat > %s * ~ {a,b}", pwned, out)
	mustContain(t, alice.ok("share_command", map[string]any{"from_id": "alice", "to_id": "bob", "command": cmd}), "exited 0")
	text := bob.ok("check", map[string]any{"instance_id": "bob"})
	mustFrame(t, text, fmt.Sprintf("$HOME $(id) `id` ; touch %s && echo x | cat > %s * ~ {a,b}", pwned, out))
	for _, p := range []string{pwned, out} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was created: a shell ran", p)
		}
	}
}

// TestShareCommandKeepsSecrets: through the door, the command sees none of
// the product's secrets and its child ends with it.
func TestShareCommandKeepsSecrets(t *testing.T) {
	const secret = "door-secret-5521"
	t.Setenv("IPC_SHARED_SECRET", secret)
	t.Setenv("IPC_SESSION_TOKEN", secret)
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice", ShareCommand: sharecmd.Runner(os.Environ())})
	bob := newPeer(t, root, Config{ID: "bob"})
	mustContain(t, alice.ok("share_command", map[string]any{"from_id": "alice", "to_id": "bob", "command": "printenv IPC_SHARED_SECRET"}), "exited 1")
	mustContain(t, alice.ok("share_command", map[string]any{"from_id": "alice", "to_id": "bob", "command": "env"}), "exited 0")
	pidFile := filepath.Join(t.TempDir(), "pid")
	mustContain(t, alice.ok("share_command", map[string]any{"from_id": "alice", "to_id": "bob",
		"command": fmt.Sprintf(`sh -c "sleep 25 & echo $! >%s"`, pidFile)}), "exited 0")
	text := bob.ok("check", map[string]any{"instance_id": "bob"})
	mustContain(t, text, "PATH=")
	if strings.Contains(text, secret) {
		t.Fatalf("the secret reached the recipient: %s", text)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(pid, 0) == nil; time.Sleep(5 * time.Millisecond) {
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && strings.Contains(string(stat), ") Z ") {
			break // dead, waiting for its reaper
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the command's child %d still runs after share_command returned", pid)
		}
	}
}

// TestShareCommandTimeout runs a command that would run for 10 minutes
// and leaves a child of its own behind: after share_command's 30 s both
// are killed and the output is sent, saying so. It takes 30 s, so it runs
// only with IPC_LONG=1.
func TestShareCommandTimeout(t *testing.T) {
	if os.Getenv("IPC_LONG") != "1" || runtime.GOOS != "linux" {
		t.Skip("takes 30 s: runs with IPC_LONG=1 (make reliability), on Linux")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice", ShareCommand: sharecmd.Runner(os.Environ())})
	bob := newPeer(t, root, Config{ID: "bob"})
	pidFile := filepath.Join(t.TempDir(), "pid")
	start := time.Now()
	text := alice.ok("share_command", map[string]any{"from_id": "alice", "to_id": "bob",
		"command": fmt.Sprintf(`sh -c "sleep 600 & echo $! > %s; echo started; exec sleep 600"`, pidFile)})
	took := time.Since(start)
	mustContain(t, text, "timed out after 30s and was killed")
	mustFrame(t, bob.ok("check", map[string]any{"instance_id": "bob"}), "\nTimed out after 30s and killed.", "started")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(10 * time.Second)
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			break // gone
		}
		if f := strings.Fields(string(stat)); len(f) > 2 && f[2] == "Z" {
			break // dead, waiting for its reaper
		}
		if time.Now().After(deadline) {
			t.Fatalf("the command's child %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("figures: %s: a 600 s command and its child killed after %v by the 30 s limit; output sent", t.Name(), took.Round(time.Second))
}
