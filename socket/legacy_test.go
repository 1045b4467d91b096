package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// TestLegacyWorkflow drives every action of the original protocol with the
// original's request shapes and checks the original's strings.
func TestLegacyWorkflow(t *testing.T) {
	srv, _ := newServer(t)

	// Future messaging: mail to a name before it registers.
	alice := register(t, srv, "alice")
	rep := legacy(t, srv, map[string]any{"action": "send", "from_id": "alice", "to_id": "bob",
		"message": map[string]any{"content": "early"}, "session_token": alice})
	wantOK(t, rep)
	if rep.Message != "Message queued for bob (not yet registered)" {
		t.Fatalf("send to unknown: %q", rep.Message)
	}

	rep = legacy(t, srv, map[string]any{"action": "register", "instance_id": "bob", "auth_token": ""})
	wantOK(t, rep)
	if rep.Message != "Registered bob with 1 queued messages" || len(rep.SessionToken) != 43 {
		t.Fatalf("register bob: %+v", rep)
	}
	bob := rep.SessionToken

	rep = legacy(t, srv, map[string]any{"action": "send", "from_id": "alice", "to_id": "bob",
		"message": map[string]any{"content": "with data", "data": map[string]any{"k": []int{1, 2}}}, "session_token": alice})
	wantOK(t, rep)
	if rep.Message != "Message sent" {
		t.Fatalf("send: %q", rep.Message)
	}

	rep = legacy(t, srv, map[string]any{"action": "check", "instance_id": "bob", "session_token": bob})
	wantOK(t, rep)
	if len(rep.Messages) != 2 || rep.Remaining == nil || *rep.Remaining != 0 {
		t.Fatalf("check: %+v", rep)
	}
	m := rep.Messages[1]
	if m.From != "alice" || m.To != "bob" || m.Message.Content != "with data" || string(m.Message.Data) != `{"k":[1,2]}` || len(m.Timestamp) < 19 {
		t.Fatalf("check message: %+v", m)
	}
	rep = legacy(t, srv, map[string]any{"action": "check", "instance_id": "bob", "session_token": bob})
	if rep.Status != wire.StatusOK || len(rep.Messages) != 0 || rep.Messages == nil {
		t.Fatalf("second check: %+v (want an empty list)", rep)
	}

	rep = legacy(t, srv, map[string]any{"action": "broadcast", "from_id": "alice", "message": map[string]any{"content": "all"}, "session_token": alice})
	wantOK(t, rep)
	if rep.Message != "Broadcast to 1 instances" {
		t.Fatalf("broadcast: %q", rep.Message)
	}

	rep = legacy(t, srv, map[string]any{"action": "list", "instance_id": "alice", "session_token": alice})
	wantOK(t, rep)
	if len(rep.Instances) != 2 || rep.Instances[0].ID != "alice" || rep.Instances[1].ID != "bob" || rep.Instances[0].LastSeen == "" || !rep.Instances[0].Online {
		t.Fatalf("list: %+v", rep.Instances)
	}

	rep = legacy(t, srv, map[string]any{"action": "rename", "old_id": "bob", "new_id": "bob2", "session_token": bob})
	wantOK(t, rep)
	if rep.Message != "Renamed bob to bob2" {
		t.Fatalf("rename: %q", rep.Message)
	}
	rep = legacy(t, srv, map[string]any{"action": "send", "from_id": "alice", "to_id": "bob",
		"message": map[string]any{"content": "to the old name"}, "session_token": alice})
	if rep.Message != "Message forwarded from bob to bob2" {
		t.Fatalf("send to a renamed name: %q", rep.Message)
	}
	// The token follows the rename; alice was told.
	rep = legacy(t, srv, map[string]any{"action": "check", "instance_id": "bob2", "session_token": bob})
	if len(rep.Messages) != 2 || rep.Messages[0].Message.Content != "all" || rep.Messages[1].Message.Content != "to the old name" {
		t.Fatalf("check after rename: %+v", rep.Messages)
	}
	rep = legacy(t, srv, map[string]any{"action": "check", "instance_id": "alice", "session_token": alice})
	if len(rep.Messages) != 1 || rep.Messages[0].From != "system" || rep.Messages[0].Message.Content != "📝 bob renamed to bob2" {
		t.Fatalf("rename notice: %+v", rep.Messages)
	}
}

// TestLegacyErrors checks every error string of the original and the
// error_code beside it.
func TestLegacyErrors(t *testing.T) {
	srv, _ := newServer(t)
	tok := register(t, srv, "carol")
	other := register(t, srv, "dave")
	msg := map[string]any{"content": "x"}
	for _, tc := range []struct {
		name string
		req  map[string]any
		msg  string
		code maildir.Kind
	}{
		{"bad id", map[string]any{"action": "register", "instance_id": "bad id!"}, msgBadID, maildir.InvalidID},
		{"id with newline", map[string]any{"action": "register", "instance_id": "alice\n"}, msgBadID, maildir.InvalidID},
		{"id too long", map[string]any{"action": "register", "instance_id": strings.Repeat("a", 33)}, msgBadID, maildir.InvalidID},
		{"no instance id", map[string]any{"action": "register"}, "missing field 'instance_id'", maildir.BadRequest},
		{"no token", map[string]any{"action": "send", "from_id": "carol", "to_id": "dave", "message": msg}, msgBadToken, maildir.InvalidToken},
		{"bad token", map[string]any{"action": "check", "instance_id": "carol", "session_token": "nope"}, msgBadToken, maildir.InvalidToken},
		{"no token, unknown action", map[string]any{"action": "fly"}, msgBadToken, maildir.InvalidToken},
		{"unknown action", map[string]any{"action": "fly", "session_token": tok}, "Unknown action: fly", maildir.UnknownAction},
		{"no action", map[string]any{"session_token": tok}, "Unknown action: None", maildir.UnknownAction},
		{"bad recipient", map[string]any{"action": "send", "to_id": "../etc", "message": msg, "session_token": tok}, msgBadRecipient, maildir.InvalidID},
		{"no recipient", map[string]any{"action": "send", "message": msg, "session_token": tok}, "missing field 'to_id'", maildir.BadRequest},
		{"no message", map[string]any{"action": "send", "to_id": "dave", "session_token": tok}, "missing field 'message': an object {\"content\": \"...\", \"data\": {...}}", maildir.BadRequest},
		{"message not an object", map[string]any{"action": "send", "to_id": "dave", "message": "hi", "session_token": tok}, "'message' must be an object with a string 'content' and optional 'data'", maildir.BadRequest},
		{"spoofed from_id", map[string]any{"action": "send", "from_id": "dave", "to_id": "dave", "message": msg, "session_token": tok}, "from_id dave is not you: this session acts as carol", maildir.NotOwner},
		{"spoofed instance_id", map[string]any{"action": "check", "instance_id": "dave", "session_token": tok}, "instance_id dave is not you: this session acts as carol", maildir.NotOwner},
		{"rename another", map[string]any{"action": "rename", "old_id": "dave", "new_id": "eve", "session_token": tok}, "You can only rename yourself: this session is carol, not dave", maildir.NotOwner},
		{"rename bad new id", map[string]any{"action": "rename", "old_id": "carol", "new_id": "a.b", "session_token": tok}, msgBadNewID, maildir.InvalidID},
		{"rename onto existing", map[string]any{"action": "rename", "old_id": "carol", "new_id": "dave", "session_token": tok}, "Instance dave already exists", maildir.Exists},
		{"rename no new id", map[string]any{"action": "rename", "old_id": "carol", "session_token": tok}, "missing field 'new_id'", maildir.BadRequest},
		{"subscribe without hello", map[string]any{"action": "subscribe", "session_token": tok}, "subscribe needs a persistent connection: open it with {\"action\": \"hello\", \"version\": 2}", maildir.BadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, legacy(t, srv, tc.req), tc.msg, tc.code)
		})
	}
	_ = other

	// Registration limit: 100 per name per minute.
	for i := 0; ; i++ {
		rep := legacy(t, srv, map[string]any{"action": "register", "instance_id": "again"})
		if rep.Status == wire.StatusOK {
			continue
		}
		wantError(t, rep, msgRegisterLimit, maildir.RateLimited)
		if i != 100 {
			t.Fatalf("registration %d refused, want the 101st", i+1)
		}
		break
	}

	// Rename cooldown: the original's sentence.
	wantOK(t, legacy(t, srv, map[string]any{"action": "rename", "old_id": "carol", "new_id": "carol2", "session_token": tok}))
	rep := legacy(t, srv, map[string]any{"action": "rename", "old_id": "carol2", "new_id": "carol3", "session_token": tok})
	if rep.ErrorCode != string(maildir.RateLimited) || !strings.HasPrefix(rep.Message, "Rate limit: can rename again in ") || !strings.HasSuffix(rep.Message, " minutes") {
		t.Fatalf("rename cooldown: %+v", rep)
	}
	if rep.Recoverable == nil || !*rep.Recoverable {
		t.Fatalf("rate_limited must be recoverable: %+v", rep)
	}
}

func TestLegacyRateLimit(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone, RateBurst: 2, RatePerSecond: 0.001})
	srv := mustServe(t, st, testConfig(t))
	tok := register(t, srv, "fast")
	send := map[string]any{"action": "send", "to_id": "x", "message": map[string]any{"content": "x"}, "session_token": tok}
	wantOK(t, legacy(t, srv, send))
	wantOK(t, legacy(t, srv, send))
	wantError(t, legacy(t, srv, send), msgRateLimit, maildir.RateLimited)
}

func TestLegacySecureMode(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone, Secret: "s3cret"})
	srv := mustServe(t, st, testConfig(t))
	wantError(t, legacy(t, srv, map[string]any{"action": "register", "instance_id": "x", "auth_token": ""}), msgBadAuth, maildir.Denied)
	wantError(t, legacy(t, srv, map[string]any{"action": "register", "instance_id": "x"}), msgBadAuth, maildir.Denied)
	wantError(t, legacy(t, srv, map[string]any{"action": "register", "instance_id": "x", "auth_token": maildir.Proof("y", "s3cret")}), msgBadAuth, maildir.Denied)
	// The original's verified example.
	proof := "8e51c297fe1c138569b3a79a3966cac3e2b6c22b12c5c8e20a9cae830ae33aff"
	if maildir.Proof("rightsecret", "s3cret") != proof {
		t.Fatalf("Proof differs from the original's")
	}
	wantOK(t, legacy(t, srv, map[string]any{"action": "register", "instance_id": "rightsecret", "auth_token": proof}))
}

// TestLegacyFraming sends requests the way real clients do and the ways
// the original broke on.
func TestLegacyFraming(t *testing.T) {
	srv, _ := newServer(t)
	req := []byte(`{"action": "register", "instance_id": "framed"}`)
	t.Run("one write, no newline, no half-close", func(t *testing.T) {
		wantOK(t, decodeReply(t, raw(t, srv, false, req)))
	})
	t.Run("byte by byte", func(t *testing.T) {
		var chunks [][]byte
		for i := range req {
			chunks = append(chunks, req[i:i+1])
		}
		wantOK(t, decodeReply(t, raw(t, srv, false, chunks...)))
	})
	t.Run("split in the middle of a string", func(t *testing.T) {
		wantOK(t, decodeReply(t, raw(t, srv, false, req[:20], req[20:35], req[35:])))
	})
	t.Run("trailing newline and half-close", func(t *testing.T) {
		wantOK(t, decodeReply(t, raw(t, srv, true, append(append([]byte{}, req...), '\n'))))
	})
	t.Run("leading whitespace", func(t *testing.T) {
		wantOK(t, decodeReply(t, raw(t, srv, false, []byte("\r\n  "), req)))
	})
	t.Run("empty with half-close", func(t *testing.T) {
		wantCode(t, decodeReply(t, raw(t, srv, true)), maildir.BadRequest)
	})
	t.Run("cut short with half-close", func(t *testing.T) {
		wantCode(t, decodeReply(t, raw(t, srv, true, req[:30])), maildir.BadRequest)
	})
	t.Run("garbage", func(t *testing.T) {
		rep := decodeReply(t, raw(t, srv, false, []byte("hello there")))
		wantCode(t, rep, maildir.BadRequest)
		if !strings.Contains(rep.Message, "JSON object") {
			t.Fatalf("garbage: %q", rep.Message)
		}
	})
	t.Run("garbage inside an object", func(t *testing.T) {
		wantCode(t, decodeReply(t, raw(t, srv, false, []byte(`{"action": nope}`))), maildir.BadRequest)
	})
	t.Run("invalid but well nested", func(t *testing.T) {
		wantCode(t, decodeReply(t, raw(t, srv, false, []byte(`{"action" "register"}`))), maildir.BadRequest)
	})
	t.Run("array", func(t *testing.T) {
		wantError(t, decodeReply(t, raw(t, srv, false, []byte(`[{"action":"list"}]`))), "a request is a JSON object, not an array", maildir.BadRequest)
	})
	t.Run("two objects", func(t *testing.T) {
		rep := decodeReply(t, raw(t, srv, false, append(append([]byte{}, req...), req...)))
		wantCode(t, rep, maildir.BadRequest)
		if !strings.Contains(rep.Message, "extra data") {
			t.Fatalf("two objects: %q", rep.Message)
		}
	})
	t.Run("over 16 MiB", func(t *testing.T) {
		big := fmt.Appendf(nil, `{"action": "send", "message": {"content": "%s"}}`, strings.Repeat("x", DefaultMaxFrame))
		rep := decodeReply(t, raw(t, srv, false, big))
		wantCode(t, rep, maildir.TooLarge)
		if !strings.Contains(rep.Message, "16777216") {
			t.Fatalf("too large: %q", rep.Message)
		}
	})
	t.Run("reply is one line in one write", func(t *testing.T) {
		b := raw(t, srv, false, []byte(`{"action": "list", "session_token": "x"}`))
		if bytes.Count(b, []byte("\n")) != 1 || !json.Valid(b) {
			t.Fatalf("reply %q", b)
		}
	})
}

// TestLegacyLargeMessage sends a 1 MiB message over TCP: it becomes a
// markdown file, as through every door.
func TestLegacyLargeMessage(t *testing.T) {
	srv, st := newServer(t)
	tok := register(t, srv, "big")
	rcpt := register(t, srv, "small")
	content := "First sentence of the big one. Second sentence here! " + strings.Repeat("é", 1<<19)
	wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "small", "message": map[string]any{"content": content}, "session_token": tok}))
	rep := legacy(t, srv, map[string]any{"action": "check", "session_token": rcpt})
	if len(rep.Messages) != 1 {
		t.Fatalf("check: %+v", rep)
	}
	got := rep.Messages[0].Message
	const saved = " Full content saved to: "
	i := strings.Index(got.Content, saved)
	if i < 0 || !strings.HasPrefix(got.Content, "First sentence of the big one. Second sentence here!") {
		t.Fatalf("large message content %q", got.Content)
	}
	path := got.Content[i+len(saved):]
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), content) || !strings.HasPrefix(path, st.Root()) {
		t.Fatalf("large file %s: %v", path, err)
	}
	var data map[string]any
	if err := json.Unmarshal(got.Data, &data); err != nil || data["large_message_file"] != path {
		t.Fatalf("large message data %s", got.Data)
	}
}

// TestLegacyCheckBound fills an inbox with 20 messages of 3.8 KB (the
// original lost all of them) plus some of 20 KB of escaped text, and drains
// it with bounded checks: every reply fits one 64 KiB read, and every
// message arrives exactly once, in order.
func TestLegacyCheckBound(t *testing.T) {
	srv, _ := newServer(t)
	tok := register(t, srv, "sender")
	rcpt := register(t, srv, "reader")
	var want []string
	for i := 0; i < 20; i++ {
		want = append(want, fmt.Sprintf("%02d %s", i, strings.Repeat("m", 3800)))
	}
	// Control characters take 6 bytes each once escaped: 10 KB of them
	// (under the large-message threshold) is 60 KB on the wire.
	for i := 20; i < 24; i++ {
		want = append(want, fmt.Sprintf("%02d %s", i, strings.Repeat("\x01", 10200)))
	}
	for _, c := range want {
		wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "reader", "message": map[string]any{"content": c}, "session_token": tok}))
	}
	var got []string
	checks := 0
	for {
		b := raw(t, srv, false, fmt.Appendf(nil, `{"action": "check", "instance_id": "reader", "session_token": %q}`, rcpt))
		if len(b) > 65536 || len(b) > legacyCheckMax {
			t.Fatalf("check reply is %d bytes", len(b))
		}
		rep := decodeReply(t, b)
		wantOK(t, rep)
		checks++
		for _, m := range rep.Messages {
			got = append(got, m.Message.Content)
		}
		if *rep.Remaining != len(want)-len(got) {
			t.Fatalf("remaining = %d after %d of %d", *rep.Remaining, len(got), len(want))
		}
		if len(rep.Messages) == 0 {
			break
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("drained %d messages, want %d in order", len(got), len(want))
	}
	if checks < 4 {
		t.Fatalf("drained in %d checks: the bound did not apply", checks)
	}
}

// TestLegacyCheckCutsOversized: a single message larger than a reply (here
// through its data) is returned cut, pointing at the whole message on disk.
func TestLegacyCheckCutsOversized(t *testing.T) {
	srv, _ := newServer(t)
	tok := register(t, srv, "sender")
	rcpt := register(t, srv, "reader")
	data := map[string]any{"blob": strings.Repeat("d", 200<<10)}
	wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "reader", "message": map[string]any{"content": "hello", "data": data}, "session_token": tok}))
	wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "reader", "message": map[string]any{"content": "second"}, "session_token": tok}))
	b := raw(t, srv, false, fmt.Appendf(nil, `{"action": "check", "session_token": %q}`, rcpt))
	if len(b) > legacyCheckMax {
		t.Fatalf("reply is %d bytes", len(b))
	}
	rep := decodeReply(t, b)
	if len(rep.Messages) != 1 || *rep.Remaining != 1 {
		t.Fatalf("check: %d messages, remaining %v", len(rep.Messages), rep.Remaining)
	}
	m := rep.Messages[0]
	if !strings.HasPrefix(m.Message.Content, "hello\n[cut to fit one reply") || !strings.Contains(string(m.Message.Data), `"truncated":true`) {
		t.Fatalf("cut message: %q %s", m.Message.Content, m.Message.Data)
	}
	rep = legacy(t, srv, map[string]any{"action": "check", "session_token": rcpt})
	if len(rep.Messages) != 1 || rep.Messages[0].Message.Content != "second" {
		t.Fatalf("second check: %+v", rep.Messages)
	}
}

// TestTokenSharedWithCore: a token issued over TCP is valid in the core,
// and a token issued by the core is valid over TCP.
func TestTokenSharedWithCore(t *testing.T) {
	root := t.TempDir()
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	srv := mustServe(t, st, testConfig(t))
	tok := register(t, srv, "tcpside")

	// Core -> TCP: another process (here another Store) registers and
	// hands its token over.
	other, err := maildir.Open(root, maildir.Options{Sync: maildir.SyncNone})
	if err != nil {
		t.Fatal(err)
	}
	s, err := other.Login(context.Background(), "coreside", "")
	if err != nil {
		t.Fatal(err)
	}
	coreTok, err := s.IssueToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.Send(context.Background(), "coreside", "note to self", nil)
	s.Close()
	rep := legacy(t, srv, map[string]any{"action": "check", "instance_id": "coreside", "session_token": coreTok})
	if rep.Status != wire.StatusOK || len(rep.Messages) != 1 || rep.Messages[0].Message.Content != "note to self" {
		t.Fatalf("core token over TCP: %+v", rep)
	}

	// TCP -> core: once the server is gone, the core resumes the token.
	srv.Shutdown(context.Background())
	s2, err := other.Resume(context.Background(), tok)
	if err != nil {
		t.Fatalf("Resume(token from TCP): %v", err)
	}
	if s2.ID() != "tcpside" {
		t.Fatalf("Resume gave %s", s2.ID())
	}
	other.Close()
}

// TestConcurrentLegacyClients runs 200 legacy clients at once, while one
// slow client trickles its request: none of the 200 waits for it.
func TestConcurrentLegacyClients(t *testing.T) {
	st := mustStore(t, "", maildir.Options{RateBurst: -1})
	cfg := testConfig(t)
	srv := mustServe(t, st, cfg)
	tok := register(t, srv, "hub")

	slow, err := netDial(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.Write([]byte(`{"action": "pi`))
	ipctest.WaitFor(t, "the slow client to be served", func() bool { return connCount(srv) == 1 })

	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rep, err := client.Legacy(ctx, "tcp", tcpAddr(srv), map[string]any{"action": "send", "to_id": "sink",
				"message": map[string]any{"content": fmt.Sprint(i)}, "session_token": tok})
			if err == nil && rep.Status != wire.StatusOK {
				err = fmt.Errorf("client %d: %+v", i, rep)
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The slow client is still being served (it has not finished its
	// request), and it completes when it does.
	if connCount(srv) < 1 {
		t.Fatalf("the slow client was dropped")
	}
	slow.Write([]byte(`ng"}`))
	b := make([]byte, 512)
	k, _ := slow.Read(b)
	wantOK(t, decodeReply(t, b[:k]))

	sink, err := st.Login(context.Background(), "sink", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := sink.Check(context.Background(), maildir.CheckOptions{})
	if err != nil || len(res.Messages) != n {
		t.Fatalf("sink got %d messages, %v", len(res.Messages), err)
	}
}

// TestCheckTextIsTheReply: what the budgeted check measures is the reply
// the server writes, byte for byte, in both forms (whole and summary) and
// on both paths.
func TestCheckTextIsTheReply(t *testing.T) {
	m := maildir.Message{ID: "m1", From: "alice", To: "bob", Content: "Hello there. More.", Data: json.RawMessage(`{"k":[1,2]}`), Path: "/x/cur/m1:2,S"}
	items := []maildir.Surfaced{
		{Message: m, Whole: true, Size: 29},
		{Message: m, Summary: "Hello there.", FullText: m.Path, Size: 29},
	}
	for _, fast := range []bool{false, true} {
		for _, sh := range []maildir.Shown{
			{},
			{Items: items[:1], Remaining: 3},
			{Items: items, Remaining: 0, Warnings: []string{`a "quoted" warning`}},
		} {
			ct := &checkText{id: json.RawMessage(`{"messages":[]}`), fast: fast, items: map[itemKey][]byte{}}
			for range 2 { // the second time from the cache
				rep := ct.reply(sh)
				rep.ID = ct.id
				if fast {
					rep.Event = wire.EventMail
				}
				want, err := wire.Encode(rep)
				if err != nil {
					t.Fatal(err)
				}
				if got := ct.render(sh); got+"\n" != string(want) {
					t.Fatalf("fast %v: render\n%s\nwant\n%s", fast, got, want)
				}
			}
		}
	}
	if got := legacyItem(items[1]).Message.Content; got != "Hello there.\n[cut to fit one reply: the whole message (29 bytes) is message m1, kept in /x/cur/m1:2,S]" {
		t.Fatalf("summary form %q", got)
	}
}
