package socket

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// TestFastPipelined writes many requests in one write, before reading
// anything, and gets their replies in order.
func TestFastPipelined(t *testing.T) {
	srv, _ := newServer(t)
	nc, err := netDial(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(time.Minute))
	var b strings.Builder
	b.WriteString(`{"action":"hello","version":2,"id":"h"}` + "\n")
	b.WriteString(`{"action":"register","instance_id":"pipe","id":0}` + "\n")
	const n = 100
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"action":"send","to_id":"pipe","message":{"content":"m%d"}}`+"\n", i, i)
	}
	fmt.Fprintf(&b, `{"id":"c","action":"check","max":1000}`+"\n")
	if _, err := nc.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(nc)
	sc.Buffer(nil, 1<<20)
	next := func() wire.Reply {
		if !sc.Scan() {
			t.Fatalf("connection ended: %v", sc.Err())
		}
		return decodeReply(t, sc.Bytes())
	}
	if rep := next(); string(rep.ID) != `"h"` || rep.Version != wire.Version || rep.MaxFrame != DefaultMaxFrame {
		t.Fatalf("hello: %+v", rep)
	}
	if rep := next(); string(rep.ID) != "0" || rep.SessionToken == "" {
		t.Fatalf("register: %+v", rep)
	}
	for i := 1; i <= n; i++ {
		rep := next()
		if string(rep.ID) != fmt.Sprint(i) || rep.Message != "Message sent" {
			t.Fatalf("reply %d: %+v", i, rep)
		}
	}
	rep := next()
	if string(rep.ID) != `"c"` || len(rep.Messages) != n || rep.Messages[n-1].Message.Content != fmt.Sprintf("m%d", n) {
		t.Fatalf("check: id %s, %d messages", rep.ID, len(rep.Messages))
	}
}

// TestFastClientConcurrent shares one client between goroutines.
func TestFastClientConcurrent(t *testing.T) {
	srv, _ := newServer(t)
	ctx := testCtx(t)
	c := dial(t, srv)
	if _, _, err := c.Register(ctx, "many", ""); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if _, err := c.Send(ctx, "many", fmt.Sprintf("%d-%d", g, i), nil); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	got := 0
	for {
		msgs, remaining, err := c.Check(ctx, 70)
		if err != nil {
			t.Fatal(err)
		}
		got += len(msgs)
		if remaining == 0 {
			break
		}
	}
	if got != 200 {
		t.Fatalf("got %d messages, want 200", got)
	}
	_, err := c.Send(ctx, "bad id", "x", nil)
	if kindOf(err) != maildir.InvalidID || !strings.Contains(err.Error(), msgBadRecipient) {
		t.Fatalf("Send to a bad id: %v", err)
	}
}

// TestSubscribeOtherProcess subscribes, then another process writes mail
// straight into the files: it is pushed as it lands.
func TestSubscribeOtherProcess(t *testing.T) {
	root := t.TempDir()
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	srv := mustServe(t, st, testConfig(t))
	ctx := testCtx(t)
	c := dial(t, srv)
	if _, _, err := c.Register(ctx, "listener", ""); err != nil {
		t.Fatal(err)
	}
	// Already unread mail comes first.
	s, err := st.Login(ctx, "early", "")
	if err != nil {
		t.Fatal(err)
	}
	s.Send(ctx, "listener", "before subscribing", nil)
	s.Close()
	if err := c.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"before subscribing"}
	const n = 5
	for i := 0; i < n; i++ {
		want = append(want, fmt.Sprintf("writer %d", i))
	}
	var got []string
	proc, _, _ := helper(t, "send", root, "writer", "listener", fmt.Sprint(n))
	for len(got) < len(want) {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection ended: %v", c.Err())
			}
			if ev.Event != wire.EventMail {
				t.Fatalf("event %+v", ev)
			}
			for _, m := range ev.Messages {
				got = append(got, m.Message.Content)
			}
		case <-ctx.Done():
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("pushed %q, want %q", got, want)
	}
	proc.Wait()
	// Pushed mail is read: a check finds nothing.
	if msgs, _, err := c.Check(ctx, 0); err != nil || len(msgs) != 0 {
		t.Fatalf("check after push: %v %v", msgs, err)
	}
}

// TestReconnectAfterRestart: a fast-path client is told the server is
// closing, and after a restart resumes its session by token.
func TestReconnectAfterRestart(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	cfg := testConfig(t)
	srv, err := listen(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	c, err := client.Dial(ctx, "unix", srv.SocketPath())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	token, _, err := c.Register(ctx, "phoenix", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var last wire.Reply
	for ev := range c.Events() {
		last = ev
	}
	if last.Event != wire.EventClosing || last.ErrorCode != string(maildir.Busy) {
		t.Fatalf("last event %+v, want closing/busy", last)
	}

	srv2 := mustServe(t, st, cfg) // same socket path: the old file is gone or stale
	c2, err := client.Dial(ctx, "unix", srv2.SocketPath())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	id, err := c2.Resume(ctx, token)
	if err != nil || id != "phoenix" {
		t.Fatalf("Resume = %q, %v", id, err)
	}
	if _, err := c2.Send(ctx, "phoenix", "risen", nil); err != nil {
		t.Fatal(err)
	}
	if msgs, _, err := c2.Check(ctx, 0); err != nil || len(msgs) != 1 || msgs[0].From != "phoenix" {
		t.Fatalf("check: %+v %v", msgs, err)
	}
}

// TestRegisterInUse: a name bound to a live fast-path connection cannot be
// registered from another connection.
func TestRegisterInUse(t *testing.T) {
	srv, _ := newServer(t)
	ctx := testCtx(t)
	c := dial(t, srv)
	if _, _, err := c.Register(ctx, "held", ""); err != nil {
		t.Fatal(err)
	}
	wantCode(t, legacy(t, srv, map[string]any{"action": "register", "instance_id": "held"}), maildir.InUse)
	c2 := dial(t, srv)
	if _, _, err := c2.Register(ctx, "held", ""); kindOf(err) != maildir.InUse {
		t.Fatalf("second register: %v", err)
	}
	// The holder itself may register again (a new token).
	if _, _, err := c.Register(ctx, "held", ""); err != nil {
		t.Fatal(err)
	}
	c.Close()
	ipctest.WaitFor(t, "the connection to end", func() bool { return connCount(srv) == 1 })
	wantOK(t, legacy(t, srv, map[string]any{"action": "register", "instance_id": "held"}))
}

// TestFastErrors: errors on the fast path carry the request id, and a bad
// request does not end the connection.
func TestFastErrors(t *testing.T) {
	srv, _ := newServer(t)
	nc, err := net.Dial("tcp", tcpAddr(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(time.Minute))
	nc.Write([]byte(`{"action":"hello"}` + "\n" +
		`{"id":1,"action":"check"}` + "\n" +
		`{"id":2,"action":"check","session_token":"bad"}` + "\n" +
		`{"id":3,"action" "x"}` + "\n" +
		`{"id":4,"action":"ping"}` + "\n" +
		`{"id":5,"action":"hello","version":1}` + "\n" +
		`{"id":6,"action":"check","max":0,"session_token":"x"}` + "\n" +
		`{"id":7,` + "\x00"))
	sc := bufio.NewScanner(nc)
	var reps []wire.Reply
	for sc.Scan() {
		reps = append(reps, decodeReply(t, sc.Bytes()))
	}
	if len(reps) != 8 {
		t.Fatalf("got %d frames: %+v", len(reps), reps)
	}
	wantOK(t, reps[0])
	wantError(t, reps[1], msgBadToken, maildir.InvalidToken)
	wantError(t, reps[2], msgBadToken, maildir.InvalidToken)
	wantCode(t, reps[3], maildir.BadRequest) // unparsable: no id to echo
	if string(reps[4].ID) != "4" || reps[4].Message != "pong" {
		t.Fatalf("ping: %+v", reps[4])
	}
	wantCode(t, reps[5], maildir.BadRequest)
	if string(reps[6].ID) != "6" {
		t.Fatalf("id not echoed: %+v", reps[6])
	}
	if reps[7].Event != wire.EventClosing || reps[7].ErrorCode != string(maildir.BadRequest) {
		t.Fatalf("last frame: %+v", reps[7])
	}
}

// TestFastConcurrentSenders runs 8 senders on their own connections: their
// deliveries proceed in parallel (no server-wide lock) and all arrive.
func TestFastConcurrentSenders(t *testing.T) {
	st := mustStore(t, "", maildir.Options{RateBurst: -1})
	srv := mustServe(t, st, testConfig(t))
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		c := dial(t, srv)
		if _, _, err := c.Register(ctx, fmt.Sprintf("s%d", g), ""); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := c.Send(ctx, "target", "x", nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	s, err := st.Login(ctx, "target", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Check(ctx, maildir.CheckOptions{})
	if err != nil || len(res.Messages) != 400 {
		t.Fatalf("target got %d, %v", len(res.Messages), err)
	}
}

// TestFastCheckBound: a fast-path check stops at about 1 MiB, but a single
// larger message is sent whole, never cut.
func TestFastCheckBound(t *testing.T) {
	srv, _ := newServer(t)
	ctx := testCtx(t)
	c := dial(t, srv)
	if _, _, err := c.Register(ctx, "bulky", ""); err != nil {
		t.Fatal(err)
	}
	blob := `{"blob":"` + strings.Repeat("b", 1040000) + `"}`
	for i := 0; i < 2; i++ {
		if _, err := c.Send(ctx, "bulky", fmt.Sprint(i), []byte(blob)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		msgs, remaining, err := c.Check(ctx, 10)
		if err != nil || len(msgs) != 1 || remaining != 1-i || string(msgs[0].Message.Data) != blob {
			t.Fatalf("check %d: %d messages, remaining %d, %v", i, len(msgs), remaining, err)
		}
	}
}
