package socket

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// testClock is a settable clock for token expiry.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestStolenTokenStops: a token that someone else got hold of stops
// working on both protocols once its owner registers again (which revokes
// every older token of the name), and once it expires 24 hours after its
// last use.
func TestStolenTokenStops(t *testing.T) {
	clk := &testClock{t: time.Now()}
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone, Now: clk.Now})
	srv := mustServe(t, st, testConfig(t))
	send := func(tok string) wire.Reply {
		return legacy(t, srv, map[string]any{"action": "send", "to_id": "bob", "message": map[string]any{"content": "as alice"}, "session_token": tok})
	}
	stolen := register(t, srv, "alice")
	wantOK(t, send(stolen)) // a bearer token: whoever has it acts as alice

	fresh := register(t, srv, "alice") // the owner registers again
	// The server still holds the replaced session: hello must not resume it.
	if _, rep := openFast(t, srv, `{"action":"hello","version":2,"session_token":"`+stolen+`"}`); rep.ErrorCode != string(maildir.InvalidToken) {
		t.Fatalf("hello with the revoked token, first use: %+v", rep)
	}
	for _, rep := range []wire.Reply{send(stolen), legacy(t, srv, map[string]any{"action": "check", "session_token": stolen})} {
		if rep.ErrorCode != string(maildir.InvalidToken) || !strings.HasPrefix(rep.Message, msgBadToken+": alice was registered again") {
			t.Fatalf("the revoked token: %+v", rep)
		}
	}
	f, rep := openFast(t, srv, `{"action":"hello","version":2,"session_token":"`+stolen+`"}`)
	if rep.ErrorCode != string(maildir.InvalidToken) {
		t.Fatalf("hello with the revoked token: %+v", rep)
	}
	if rep := f.do(`{"id":1,"action":"check"}`); rep.ErrorCode != string(maildir.InvalidToken) {
		t.Fatalf("check on a connection the revoked token did not bind: %+v", rep)
	}
	wantOK(t, send(fresh))

	// Expiry: 24 hours after its last use, on both protocols. A
	// connection bound before the expiry lets the name go at its next
	// request, so that the owner can register it again.
	bound, _ := openFast(t, srv, `{"action":"hello","version":2,"session_token":"`+fresh+`"}`)
	clk.Add(maildir.DefaultTokenTTL + time.Minute)
	_, rep = openFast(t, srv, `{"action":"hello","version":2,"session_token":"`+fresh+`"}`)
	if rep.ErrorCode != string(maildir.TokenExpired) {
		t.Fatalf("hello with an expired token: %+v", rep)
	}
	wantError(t, send(fresh), msgBadToken, maildir.TokenExpired)
	if rep := bound.do(`{"id":1,"action":"ping"}`); rep.Status != wire.StatusOK {
		t.Fatalf("ping: %+v", rep)
	}
	if rep := bound.do(`{"id":2,"action":"check"}`); rep.ErrorCode != string(maildir.TokenExpired) {
		t.Fatalf("check on a connection bound before the expiry: %+v", rep)
	}
	register(t, srv, "alice")
}

// TestTokensNeverStored: tokens issued over either protocol appear in no
// file of the mailbox (only their hashes do) and in no log line.
func TestTokensNeverStored(t *testing.T) {
	root := t.TempDir()
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	var logs bytes.Buffer
	var mu sync.Mutex
	cfg := testConfig(t)
	cfg.Logf = func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(&logs, format+"\n", args...)
		mu.Unlock()
	}
	srv := mustServe(t, st, cfg)
	var tokens []string
	for i := 0; i < 5; i++ {
		tokens = append(tokens, register(t, srv, fmt.Sprintf("legacy%d", i)))
		c := dial(t, srv)
		tok, _, err := c.Register(testCtx(t), fmt.Sprintf("fast%d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
		c.Send(testCtx(t), "legacy0", "hello", nil)
		c.Close()
	}
	legacy(t, srv, map[string]any{"action": "check", "session_token": tokens[0]})
	srv.Close()
	st.Close()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, tok := range tokens {
			if bytes.Contains(b, []byte(tok)) {
				t.Errorf("%s holds a session token", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if strings.Contains(logs.String(), tok) {
			t.Errorf("the server logged a session token")
		}
	}
	b, _ := os.ReadFile(filepath.Join(root, "index", "sessions.json"))
	if bytes.Count(b, []byte(`"id":`)) != len(tokens) {
		t.Fatalf("sessions.json does not hold one hash per token:\n%s", b)
	}
}

// TestFastPathActsOnlyAsItself: a fast-path session cannot read, claim,
// rename or send as another identity, whatever the request names, and
// never receives another identity's mail.
func TestFastPathActsOnlyAsItself(t *testing.T) {
	srv, _ := newServer(t)
	bobTok := register(t, srv, "bob")
	wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "bob", "message": map[string]any{"content": "for bob only"}, "session_token": bobTok}))
	f, _ := openFast(t, srv, `{"action":"hello","version":2}`)
	if rep := f.do(`{"id":0,"action":"register","instance_id":"mallory"}`); rep.Status != wire.StatusOK {
		t.Fatalf("register: %+v", rep)
	}
	for i, req := range []string{
		`{"action":"check","instance_id":"bob"}`,
		`{"action":"check","instance_id":"bob","max":10}`,
		`{"action":"send","from_id":"bob","to_id":"alice","message":{"content":"x"}}`,
		`{"action":"broadcast","from_id":"bob","message":{"content":"x"}}`,
		`{"action":"rename","old_id":"bob","new_id":"robert"}`,
		`{"action":"subscribe","instance_id":"bob"}`,
	} {
		rep := f.do(strings.Replace(req, "{", fmt.Sprintf(`{"id":%d,`, i+1), 1))
		if rep.ErrorCode != string(maildir.NotOwner) {
			t.Errorf("%s: %+v, want not_owner", req, rep)
		}
	}
	// register of a name held by a live session of this server: refused.
	g, _ := openFast(t, srv, `{"action":"hello","version":2,"session_token":"`+bobTok+`"}`)
	if rep := f.do(`{"id":20,"action":"register","instance_id":"bob"}`); rep.ErrorCode != string(maildir.InUse) {
		t.Errorf("register bob while bob is connected: %+v", rep)
	}
	if rep := f.do(`{"id":21,"action":"check"}`); rep.Status != wire.StatusOK || len(rep.Messages) != 0 {
		t.Errorf("mallory's check: %+v", rep)
	}
	if rep := g.do(`{"id":1,"action":"check"}`); rep.Status != wire.StatusOK || len(rep.Messages) != 1 || rep.Messages[0].Message.Content != "for bob only" {
		t.Errorf("bob's check: %+v", rep)
	}
}

// TestSecureModeFastPath: in secure mode the fast path, like the legacy
// protocol, registers only with the proof for that very name.
func TestSecureModeFastPath(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone, Secret: "s3cret"})
	srv := mustServe(t, st, testConfig(t))
	f, _ := openFast(t, srv, `{"action":"hello","version":2}`)
	right := maildir.Proof("alice", "s3cret")
	for i, proof := range []string{"", "x", maildir.Proof("bob", "s3cret"), maildir.Proof("alice", "S3cret"), strings.ToUpper(right), right[:63], right + "0", maildir.Proof("alice", "")} {
		rep := f.do(fmt.Sprintf(`{"id":%d,"action":"register","instance_id":"alice","auth_token":%q}`, i, proof))
		if rep.ErrorCode != string(maildir.Denied) || rep.Message != msgBadAuth {
			t.Errorf("proof %q: %+v, want denied", proof, rep)
		}
	}
	if rep := f.do(`{"id":99,"action":"register","instance_id":"alice","auth_token":"` + right + `"}`); rep.Status != wire.StatusOK {
		t.Fatalf("the right proof: %+v", rep)
	}
}
