//go:build linux

package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// otherUserClient is a client written from the protocol, run as another OS
// user. It tries every way in on one address: legacy register, legacy
// check and send with a stolen token, and the fast path (hello, register,
// check), and prints one JSON line per attempt: the reply, or the error
// that stopped it.
const otherUserClient = `
import json, socket, sys
kind, addr, token = sys.argv[1], sys.argv[2], sys.argv[3]
def connect():
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); target = addr
    else:
        host, port = addr.rsplit(":", 1); s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); target = (host, int(port))
    s.settimeout(20); s.connect(target); return s
def legacy(req):
    try:
        s = connect(); s.sendall(json.dumps(req).encode()); buf = b""
        while True:
            b = s.recv(65536)
            if not b: break
            buf += b
        s.close(); return json.loads(buf.decode())
    except Exception as e:
        return {"client_error": repr(e)}
def fast(reqs):
    try:
        s = connect(); f = s.makefile("rb"); out = []
        for r in reqs:
            s.sendall((json.dumps(r) + "\n").encode())
            line = f.readline()
            if not line:
                out.append({"closed": True}); break
            out.append(json.loads(line))
            if out[-1].get("status") != "ok": break
        s.close(); return out
    except Exception as e:
        return [{"client_error": repr(e)}]
results = [
    legacy({"action": "register", "instance_id": "alice"}),
    legacy({"action": "register", "instance_id": "mallory"}),
    legacy({"action": "check", "instance_id": "alice", "session_token": token}),
    legacy({"action": "send", "from_id": "alice", "to_id": "bob", "message": {"content": "forged"}, "session_token": token}),
    legacy({"action": "list", "session_token": token}),
    legacy({"action": "release", "instance_id": "alice"}),
] + fast([{"action": "hello", "version": 2}, {"action": "register", "instance_id": "alice"}, {"action": "check"}]) \
  + fast([{"action": "hello", "version": 2, "session_token": token}, {"action": "check"}])
for r in results:
    print(json.dumps(r))
`

// runAsNobody runs the client as the user nobody and returns its results.
func runAsNobody(t *testing.T, kind, addr, token string) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", "-c", otherUserClient, kind, addr, token)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "PYTHONDONTWRITEBYTECODE=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client as nobody on %s %s: %v\n%s", kind, addr, err, out)
	}
	var res []map[string]any
	for _, line := range splitLines(out) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("client output %q: %v", line, err)
		}
		res = append(res, m)
	}
	if len(res) < 6 {
		t.Fatalf("client as nobody: %d results:\n%s", len(res), out)
	}
	return res
}

const nobodyUID = 65534

func splitLines(b []byte) [][]byte {
	var lines [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(l) > 0 {
			lines = append(lines, l)
		}
	}
	return lines
}

func needRootAndPython(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run a client as another user")
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("needs /usr/bin/python3")
	}
}

// TestOtherUserCannotUseMailbox: another OS user can neither register,
// nor read, nor send, nor list through the legacy protocol or the fast
// path, over TCP or over the Unix socket, in open mode, even with a
// stolen token and even when the socket's file modes would let it connect:
// every attempt is refused with "denied" before the request is read, and
// alice's mail and token are untouched.
func TestOtherUserCannotUseMailbox(t *testing.T) {
	needRootAndPython(t)
	dir, err := os.MkdirTemp("", "ipc-peer")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	st := mustStore(t, filepath.Join(dir, "home"), maildir.Options{Sync: maildir.SyncNone})
	cfg := testConfig(t)
	cfg.Socket = filepath.Join(dir, "run", "s.sock")
	srv := mustServe(t, st, cfg)
	// Open the socket's modes, so that only the peer check stands between
	// nobody and the mailbox.
	for _, p := range []string{dir, filepath.Dir(cfg.Socket)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(cfg.Socket, 0o666); err != nil {
		t.Fatal(err)
	}

	alice := register(t, srv, "alice")
	bob := register(t, srv, "bob")
	wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "alice", "message": map[string]any{"content": "for alice only"}, "session_token": bob}))

	attempts := 0
	for _, door := range []struct{ kind, addr string }{{"tcp", tcpAddr(srv)}, {"unix", cfg.Socket}} {
		for i, r := range runAsNobody(t, door.kind, door.addr, alice) {
			attempts++
			if r["status"] != "error" || r["error_code"] != string(maildir.Denied) {
				t.Errorf("%s attempt %d as nobody: %v, want a denied error", door.kind, i, r)
			}
		}
	}

	t.Logf("figures: TestOtherUserCannotUseMailbox: %d attempts as uid %d over TCP and the Unix socket, all refused with denied", attempts, nobodyUID)
	rep := legacy(t, srv, map[string]any{"action": "check", "session_token": alice})
	if rep.Status != wire.StatusOK || len(rep.Messages) != 1 || rep.Messages[0].Message.Content != "for alice only" {
		t.Fatalf("alice's check after nobody's attempts: %+v", rep)
	}
	list := legacy(t, srv, map[string]any{"action": "list", "session_token": alice})
	for _, a := range list.Instances {
		if a.ID == "mallory" {
			t.Fatalf("nobody registered mallory: %+v", list)
		}
	}
}

// TestOtherUserSocketModes: with the default modes (the socket 0600 in a
// 0700 directory) another user cannot even connect to the Unix socket.
func TestOtherUserSocketModes(t *testing.T) {
	needRootAndPython(t)
	dir, err := os.MkdirTemp("", "ipc-peer")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	st := mustStore(t, filepath.Join(dir, "home"), maildir.Options{Sync: maildir.SyncNone})
	cfg := testConfig(t)
	cfg.Socket = filepath.Join(dir, "run", "s.sock")
	mustServe(t, st, cfg)
	for i, r := range runAsNobody(t, "unix", cfg.Socket, "x") {
		msg, _ := r["client_error"].(string)
		if !strings.Contains(msg, "PermissionError") {
			t.Errorf("attempt %d on a 0600 socket as nobody: %v, want a permission error", i, r)
		}
	}
}
