//go:build linux

package socket

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/rootfile"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// otherUserHello is what another OS user tries for the secrets of a
// mailbox: read mailbox.json, and say hello (with and without a challenge)
// to its server. It prints one JSON line per attempt.
const otherUserHello = `
import json, socket, sys
addr, identity = sys.argv[1], sys.argv[2]
try:
    open(identity).read(); print(json.dumps({"read": identity}))
except Exception as e:
    print(json.dumps({"client_error": repr(e)}))
host, port = addr.rsplit(":", 1)
for req in [{"action": "hello", "version": 2}, {"action": "hello", "version": 2, "challenge": "ab" * 32}]:
    s = socket.create_connection((host, int(port)), timeout=20)
    s.sendall((json.dumps(req) + "\n").encode())
    print(s.makefile("rb").readline().decode().strip())
    s.close()
`

// TestOtherUserLearnsNoMailboxSecret: in secure mode, where another OS user
// may connect, what it gets (hello replies, with or without a challenge of
// its own) contains neither the mailbox id nor its key, and it cannot read
// mailbox.json even with the directories above the mailbox open.
func TestOtherUserLearnsNoMailboxSecret(t *testing.T) {
	needRootAndPython(t)
	dir, err := os.MkdirTemp("", "ipc-peer")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	root := filepath.Join(dir, "home")
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone, Secret: "s3cret"})
	r := startRunStore(t, st, testConfig(t))
	rec, ok, err := rootfile.ReadIdentity(root)
	if err != nil || !ok || rec.Key == "" {
		t.Fatalf("%s: %+v %v %v", wire.IdentityFile, rec, ok, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", "-c", otherUserHello, r.rs.TCP, filepath.Join(root, wire.IdentityFile))
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "PYTHONDONTWRITEBYTECODE=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client as nobody: %v\n%s", err, out)
	}
	if strings.Contains(string(out), rec.ID) || strings.Contains(string(out), rec.Key) {
		t.Fatalf("nobody learnt the mailbox id or key:\n%s", out)
	}
	lines := splitLines(out)
	if len(lines) != 3 || !strings.Contains(string(lines[0]), "PermissionError") {
		t.Fatalf("nobody's attempts:\n%s", out)
	}
	for i, line := range lines[1:] {
		var rep wire.Reply
		if err := json.Unmarshal(line, &rep); err != nil || rep.Status != wire.StatusOK || rep.Mailbox == nil {
			t.Fatalf("hello %d as nobody in secure mode: %s (%v), want an ok reply", i, line, err)
		}
		if (rep.Mailbox.Proof != "") != (i == 1) {
			t.Fatalf("hello %d as nobody: proof %q, want one only for a challenge", i, rep.Mailbox.Proof)
		}
	}
	t.Logf("figures: TestOtherUserLearnsNoMailboxSecret: 1 read of %s and 2 hellos as uid %d; 0 carried the id or key", wire.IdentityFile, nobodyUID)
}
