package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// stdioPeer is a Server served over a pipe pair, as ipc mcp serves stdin.
type stdioPeer struct {
	tb      testing.TB
	in      *io.PipeWriter
	replies chan map[string]json.RawMessage
	done    chan error
}

func newStdioPeer(tb testing.TB, root string, opts maildir.Options, cfg Config) *stdioPeer {
	tb.Helper()
	st := mustOpenWith(tb, root, opts)
	cfg.Logf = tb.Logf
	srv := NewServer(context.Background(), st, cfg)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &stdioPeer{tb: tb, in: inW, replies: make(chan map[string]json.RawMessage, 1000), done: make(chan error, 1)}
	go func() {
		p.done <- srv.Serve(context.Background(), inR, outW)
		outW.Close()
	}()
	go func() {
		defer close(p.replies)
		r := bufio.NewReaderSize(outR, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			var m map[string]json.RawMessage
			if json.Unmarshal(line, &m) == nil && m["id"] != nil {
				p.replies <- m
			}
			if err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() {
		inW.Close()
		if err := <-p.done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
		srv.Close()
		st.Close()
	})
	p.send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	p.reply()
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return p
}

func (p *stdioPeer) send(line string) {
	p.tb.Helper()
	if _, err := io.WriteString(p.in, line+"\n"); err != nil {
		p.tb.Fatal(err)
	}
}

func toolCall(id int, tool string, args map[string]any) string {
	b, _ := json.Marshal(args)
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, tool, b)
}

// reply returns the next reply; the deadline only keeps a broken build
// from hanging the suite.
func (p *stdioPeer) reply() map[string]json.RawMessage {
	p.tb.Helper()
	select {
	case m, ok := <-p.replies:
		if !ok {
			p.tb.Fatal("the server stopped")
		}
		return m
	case <-time.After(2 * time.Minute):
		p.tb.Fatal("no reply")
	}
	return nil
}

// TestListAnswersWhileChecksWait: 40 checks waiting for mail (more than
// the old 16-worker pool) do not hold up list_instances; its answer comes
// while every check is still waiting, and the checks then get the mail.
func TestListAnswersWhileChecksWait(t *testing.T) {
	root := t.TempDir()
	bob := newStdioPeer(t, root, maildir.Options{}, Config{ID: "bob"})
	const waiters = 40
	for i := 1; i <= waiters; i++ {
		bob.send(toolCall(i, "check", map[string]any{"instance_id": "bob", "wait_seconds": 50}))
	}
	bob.send(toolCall(100, "list_instances", nil))
	if m := bob.reply(); string(m["id"]) != "100" {
		t.Fatalf("first reply is to %s, not to list_instances: %s", m["id"], m["result"])
	}
	alice := newPeer(t, root, Config{ID: "alice"})
	answered := 0
	for answered < waiters {
		alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "wake"})
		m := bob.reply()
		if !strings.Contains(string(m["result"]), "wake") {
			t.Fatalf("check %s answered %s", m["id"], m["result"])
		}
		answered++
	}
}

// TestWaitingChecksAreCapped: beyond maxWaits, a waiting check is refused
// at once with rate_limited; other calls still run.
func TestWaitingChecksAreCapped(t *testing.T) {
	bob := newStdioPeer(t, t.TempDir(), maildir.Options{}, Config{ID: "bob"})
	for i := 1; i <= maxWaits+1; i++ {
		bob.send(toolCall(i, "check", map[string]any{"instance_id": "bob", "wait_seconds": 50}))
	}
	m := bob.reply()
	if string(m["id"]) != fmt.Sprint(maxWaits+1) || !strings.Contains(string(m["result"]), "rate_limited") {
		t.Fatalf("reply %s: %s", m["id"], m["result"])
	}
	bob.send(toolCall(1000, "list_instances", nil))
	if m := bob.reply(); string(m["id"]) != "1000" {
		t.Fatalf("reply to %s", m["id"])
	}
}

// TestOversizedLineRefusedWhileStreaming: a request line over the limit
// is answered with too_large, for its id, before the line has even ended:
// the server does not buffer it. The server then goes on serving.
func TestOversizedLineRefusedWhileStreaming(t *testing.T) {
	opts := maildir.Options{MaxContent: 256 << 10, MaxData: 64 << 10}
	bob := newStdioPeer(t, t.TempDir(), opts, Config{ID: "bob"})
	limit := MaxLine(opts.MaxContent, opts.MaxData)
	head := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"send","arguments":{"from_id":"bob","to_id":"bob","content":"`
	// Past the limit by more than the reader's buffer, so that the reader
	// has seen the limit crossed.
	if _, err := io.WriteString(bob.in, head+strings.Repeat("x", limit+128<<10)); err != nil {
		t.Fatal(err)
	}
	m := bob.reply() // the line has not ended yet
	if string(m["id"]) != "7" || !strings.Contains(string(m["error"]), "too_large") {
		t.Fatalf("reply %s", m)
	}
	// The rest of the line streams past and is dropped.
	chunk := strings.Repeat("y", 1<<20)
	for range 8 {
		if _, err := io.WriteString(bob.in, chunk); err != nil {
			t.Fatal(err)
		}
	}
	bob.send(`"}}}`)
	bob.send(toolCall(8, "check", map[string]any{"instance_id": "bob"}))
	if m := bob.reply(); string(m["id"]) != "8" || !strings.Contains(string(m["result"]), "No new messages") {
		t.Fatalf("after the refused line: %s", m)
	}
	// Just under the limit of the content, a message is accepted.
	bob.send(toolCall(9, "send", map[string]any{"from_id": "bob", "to_id": "bob", "content": strings.Repeat("z", opts.MaxContent)}))
	if m := bob.reply(); string(m["id"]) != "9" || !strings.Contains(string(m["result"]), "Message sent") {
		t.Fatalf("largest message: %.300s", m)
	}
}

// TestRefusedLineID finds the id of a refused line at its head or tail.
func TestRefusedLineID(t *testing.T) {
	for _, c := range []struct{ head, tail, want string }{
		{`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"x":"`, `xx"}}}`, `7`},
		{`{"id":"a\"b","jsonrpc":"2.0","params":{"`, `xx"}}`, `"a\"b"`},
		{`{"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"id":3,"c":"`, `xxx"}},"id":12}`, `12`},
		{`{"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"c":"`, `xxx","id":3}}}`, ``},
		{`{"params":{"id":5,"c":"`, `xx"}}`, ``},
	} {
		got := string(lineID([]byte(c.head + "\x00" + c.tail)))
		if got != c.want {
			t.Errorf("%s…%s: id %q, want %q", c.head, c.tail, got, c.want)
		}
	}
}
