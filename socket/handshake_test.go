package socket

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/rootfile"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// attackerChallenge is the challenge an eavesdropper puts in the hello it
// records: any value it likes.
const attackerChallenge = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// recordHello is what anybody who may connect learns of a server before
// authenticating: its hello reply, to a hello with and without a
// challenge. It returns the raw replies.
func recordHello(t *testing.T, addr string) [][]byte {
	t.Helper()
	var seen [][]byte
	for _, req := range []string{
		`{"action": "hello", "version": 2, "id": 1}`,
		`{"action": "hello", "version": 2, "id": 1, "challenge": "` + attackerChallenge + `"}`,
	} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.Write([]byte(req + "\n"))
		line, err := bufio.NewReader(nc).ReadBytes('\n')
		nc.Close()
		if err != nil {
			t.Fatalf("hello to %s: %v", addr, err)
		}
		seen = append(seen, line)
	}
	return seen
}

// replayer listens where a server of the mailbox listened and answers
// every hello with a reply recorded from that server (the last one given,
// its id set to the request's), and anything else with "ok". It records
// every frame it reads.
type replayer struct {
	l      net.Listener
	hello  map[string]json.RawMessage
	mu     sync.Mutex
	frames []string
}

func startReplayer(t *testing.T, addr string, seen [][]byte) *replayer {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the replayer cannot listen on %s: %v", addr, err)
	}
	f := &replayer{l: l}
	if err := json.Unmarshal(seen[len(seen)-1], &f.hello); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.serve(nc)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	return f
}

func (f *replayer) serve(nc net.Conn) {
	defer nc.Close()
	r := bufio.NewReader(nc)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			f.mu.Lock()
			f.frames = append(f.frames, string(line))
			f.mu.Unlock()
			var req request
			json.Unmarshal(line, &req)
			rep := map[string]json.RawMessage{"status": json.RawMessage(`"ok"`), "session_token": json.RawMessage(`"forged"`)}
			if req.actionName() == "hello" {
				rep = make(map[string]json.RawMessage)
				for k, v := range f.hello {
					rep[k] = v
				}
			}
			if id := req.id(); id != nil {
				rep["id"] = id
			}
			b, _ := json.Marshal(rep)
			nc.Write(append(b, '\n'))
		}
		if err != nil {
			return
		}
	}
}

// received returns the frames read so far.
func (f *replayer) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.frames...)
}

// onlyHellos fails unless every frame the replayer read is a hello
// carrying none of the secrets given.
func (f *replayer) onlyHellos(t *testing.T, secrets ...string) {
	t.Helper()
	for _, fr := range f.received() {
		var req request
		if json.Unmarshal([]byte(fr), &req) != nil || req.actionName() != "hello" {
			t.Errorf("the replayer received %s", strings.TrimSpace(fr))
			continue
		}
		for _, s := range secrets {
			if strings.Contains(fr, s) {
				t.Errorf("the replayer received %q in %s", s, strings.TrimSpace(fr))
			}
		}
	}
}

// TestHelloRevealsNoSecret: what a server says before authentication (its
// hello reply, with or without a challenge) contains neither the mailbox's
// id nor its key, and the proof answers only the challenge it was given.
func TestHelloRevealsNoSecret(t *testing.T) {
	root := t.TempDir()
	r := startRun(t, root, testConfig(t))
	rec, ok, err := rootfile.ReadIdentity(root)
	if err != nil || !ok || len(rec.Key) != 64 {
		t.Fatalf("%s: %+v %v %v, want an id and a 64-digit key", wire.IdentityFile, rec, ok, err)
	}
	for _, rep := range recordHello(t, r.rs.TCP) {
		if strings.Contains(string(rep), rec.ID) || strings.Contains(string(rep), rec.Key) {
			t.Fatalf("hello reply %s reveals the mailbox's id or key", rep)
		}
	}
	if fi, err := os.Stat(filepath.Join(root, wire.IdentityFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v, want mode 0600", wire.IdentityFile, fi.Mode(), err)
	}
}

// TestIdentityGetsKey: a mailbox.json written before keys existed (an id
// only) keeps its id and gets a key from the next server, and a server
// that restarts keeps both.
func TestIdentityGetsKey(t *testing.T) {
	root := t.TempDir()
	old := wire.IdentityRecord{ID: "0123456789abcdef0123456789abcdef"}
	fi, _ := os.Stat(root)
	old.Dev, old.Ino = rootfile.DirInode(fi)
	b, _ := json.Marshal(old)
	if err := os.WriteFile(filepath.Join(root, wire.IdentityFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := rootfile.ReadMailboxKey(root); ok {
		t.Fatalf("a keyless %s is a key", wire.IdentityFile)
	}
	r := startRun(t, root, testConfig(t))
	k, ok, err := rootfile.ReadMailboxKey(root)
	if err != nil || !ok || k.ID != old.ID || len(k.Key) != 32 {
		t.Fatalf("after the server started: %+v %v %v", k, ok, err)
	}
	r.cancel()
	r.wait(t, "cancel")
	startRun(t, root, testConfig(t))
	again, _, _ := rootfile.ReadMailboxKey(root)
	if again.ID != k.ID || string(again.Key) != string(k.Key) {
		t.Fatalf("a restart changed the key")
	}
}

// TestDialMailboxRefusesReplayedHello: a program answering on this
// mailbox's recorded address with a hello reply recorded from this
// mailbox's own server is refused by the Go client before anything but
// hello is sent; the real server passes.
func TestDialMailboxRefusesReplayedHello(t *testing.T) {
	root := t.TempDir()
	r := startRun(t, root, testConfig(t))
	ctx := testCtx(t)
	dialsOwnServer(t, ctx, root)

	fake := startReplayer(t, "127.0.0.1:0", recordHello(t, r.rs.TCP))
	// The server still holds the run lock; the state now names the
	// replayer (a port taken over, a state file rewritten).
	rs := r.rs
	rs.TCP, rs.Port, rs.Socket = fake.l.Addr().String(), fake.l.Addr().(*net.TCPAddr).Port, ""
	if err := (&runLock{root: root}).Publish(rs); err != nil {
		t.Fatal(err)
	}
	c, err := client.DialMailbox(ctx, root)
	if err == nil {
		c.Register(ctx, "alice", "proof-of-alice")
		c.Close()
		t.Fatalf("DialMailbox accepted a replayed hello")
	}
	if !errors.Is(err, client.ErrWrongMailbox) || !strings.Contains(err.Error(), "cannot prove") {
		t.Fatalf("DialMailbox to the replayer = %v", err)
	}
	fake.onlyHellos(t, "proof-of-alice")
	if len(fake.received()) == 0 {
		t.Fatalf("the replayer was never asked")
	}
	t.Logf("refused: %v", err)
}

// TestPythonToolsRefuseReplayedHello: after this mailbox's server stopped,
// a program on its port replaying the hello the server gave gets neither
// the register proof, nor a session token, nor a message from the Python
// tools; with the server stopped and no IPC_PORT they say no server runs
// instead of trying 127.0.0.1:9876.
func TestPythonToolsRefuseReplayedHello(t *testing.T) {
	needPython(t)
	root := t.TempDir()
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone, Secret: "s3cret"})
	r := startRunStore(t, st, testConfig(t))
	real := newPyEnv(t, "IPC_HOME="+root, "IPC_SHARED_SECRET=s3cret")
	if out, code := real.run("ipc_register.py", "alice"); code != 0 {
		t.Fatalf("register with the real server:\n%s(exit %d)", out, code)
	}
	seen := recordHello(t, r.rs.TCP)
	r.cancel()
	r.wait(t, "cancel")

	// No server: said so, and nothing is tried elsewhere.
	out, code := real.run("ipc_send.py", "bob", "the plan")
	if code != 1 || !strings.Contains(out, "no server of the mailbox "+rootOf(root)+" is running") {
		t.Fatalf("send with the server stopped:\n%s(exit %d)", out, code)
	}

	fake := startReplayer(t, r.rs.TCP, seen)
	p := newPyEnv(t, "IPC_HOME="+root, "IPC_SHARED_SECRET=s3cret", fmt.Sprintf("IPC_PORT=%d", r.rs.Port))
	out, code = p.run("ipc_register.py", "alice")
	if code != 1 || !strings.Contains(out, "cannot prove") {
		t.Fatalf("register to the replayer:\n%s(exit %d)", out, code)
	}
	os.WriteFile(filepath.Join(p.home, ".ipc-session"), []byte(`{"instance_id": "alice", "session_token": "secret-token"}`), 0o600)
	for _, args := range [][]string{{"ipc_send.py", "bob", "the plan"}, {"ipc_check.py"}, {"ipc_list.py"}, {"ipc_rename.py", "alice2"}} {
		if out, code := p.run(args[0], args[1:]...); code != 1 || !strings.Contains(out, "cannot prove") {
			t.Fatalf("%s to the replayer:\n%s(exit %d)", args[0], out, code)
		}
	}
	fake.onlyHellos(t, "secret-token", "the plan", maildir.Proof("alice", "s3cret"), "alice")
	if len(fake.received()) == 0 {
		t.Fatalf("the replayer was never asked")
	}
}

// TestHelloChallenge: a well-formed challenge is answered with a proof
// that verifies under the mailbox's key (and under no other, nor for
// another challenge or pid); a malformed one is refused with bad_request.
func TestHelloChallenge(t *testing.T) {
	root := t.TempDir()
	r := startRun(t, root, testConfig(t))
	key := mustKey(t, root)
	other := startRun(t, t.TempDir(), testConfig(t))
	ask := func(challenge any) wire.Reply {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"action": "hello", "version": 2, "challenge": challenge})
		nc, err := net.Dial("tcp", r.rs.TCP)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.Write(append(b, '\n'))
		line, err := bufio.NewReader(nc).ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		var rep wire.Reply
		if err := json.Unmarshal(line, &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	for _, bad := range []any{"abc", strings.Repeat("ab", 15), strings.Repeat("AB", 32), strings.Repeat("ab", 65), strings.Repeat("zz", 32), 12345} {
		if rep := ask(bad); rep.Status != wire.StatusError || rep.ErrorCode != string(maildir.BadRequest) {
			t.Errorf("challenge %v: %+v, want bad_request", bad, rep)
		}
	}
	ch, _ := wire.NewChallenge()
	rep := ask(ch)
	if rep.Status != wire.StatusOK || rep.Mailbox == nil || rep.Mailbox.PID != os.Getpid() || !key.Verify(ch, rep.Mailbox) {
		t.Fatalf("hello with a challenge: %+v", rep)
	}
	forged := *rep.Mailbox
	forged.PID++
	other2, _ := wire.NewChallenge()
	if key.Verify(other2, rep.Mailbox) || key.Verify(ch, &forged) || mustKey(t, other.root).Verify(ch, rep.Mailbox) {
		t.Fatalf("a proof verified for another challenge, another pid or another mailbox")
	}
	if rep := ask(strings.Repeat("ab", 16)); rep.Status != wire.StatusOK || rep.Mailbox.Proof == "" {
		t.Fatalf("the shortest challenge: %+v", rep)
	}
}
