package mcp

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// sentID returns the message id a send result names.
func sentID(tb testing.TB, text string) string {
	tb.Helper()
	m := regexp.MustCompile(`\(id ([^)\s]+)\)`).FindStringSubmatch(text)
	if m == nil {
		tb.Fatalf("send result %q names no message id", text)
	}
	return m[1]
}

// TestMailStatusTimeline follows one message through the MCP door's mail
// tool, given a message_id alone (the former message_status):
// queued, unread, surfaced by a channel event, read by check,
// acknowledged; a third agent learns nothing.
func TestMailStatusTimeline(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	id := sentID(t, alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "status me"}))
	status := func() string { return alice.ok("mail", map[string]any{"message_id": id}) }
	mustContain(t, status(), "Message "+id+" to bob: queued", "not registered yet")

	st := mustOpenAt(t, root)
	bob, err := st.Login(ctx, "bob", "")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, status(), ": unread")
	bob.Close()

	bobCh := newPeer(t, root, Config{ID: "bob", Channel: true})
	bobCh.waitChannel(1)
	mustContain(t, status(), ": surfaced by channel at ")

	mustContain(t, bobCh.ok("check", map[string]any{"instance_id": "bob"}), "status me")
	mustContain(t, status(), ": read by mcp at ", "surfaced by channel at ")

	mustContain(t, bobCh.ok("mail", map[string]any{"message_id": id, "ack": true}), "Acknowledged "+id)
	mustContain(t, status(), ": acknowledged at ")
	mustContain(t, bobCh.ok("mail", map[string]any{"message_id": id}), ": acknowledged")

	mallory := newPeer(t, root, Config{ID: "mallory"})
	mustContain(t, mallory.fail("mail", map[string]any{"message_id": id}, "not_found"), "no message")
	mustContain(t, mallory.fail("mail", map[string]any{"message_id": id, "ack": true}, "not_found"), "no message")
}

// TestMailToolIsSmall: the tenth tool costs little of the client's
// context: its whole definition, as tools/list returns it.
func TestMailToolIsSmall(t *testing.T) {
	p := newPeer(t, t.TempDir(), Config{})
	res, err := p.c.ListTools(context.Background(), mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) > 10 {
		t.Errorf("%d tools, at most ten", len(res.Tools))
	}
	for _, tool := range res.Tools {
		if tool.Name != "mail" {
			continue
		}
		b, err := json.Marshal(tool)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("figures: mail definition %d characters", len(b))
		if len(b) > 600 {
			t.Fatalf("mail definition is %d characters, over 600: %s", len(b), b)
		}
		return
	}
	t.Fatal("no mail tool")
}
