package mcp

import (
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

func channelFields(t *testing.T, n mcpgo.JSONRPCNotification) (string, map[string]string) {
	t.Helper()
	content, _ := n.Params.AdditionalFields["content"].(string)
	meta := map[string]string{}
	switch m := n.Params.AdditionalFields["meta"].(type) {
	case map[string]string:
		meta = m
	case map[string]any:
		for k, v := range m {
			s, ok := v.(string)
			if !ok {
				t.Fatalf("meta %s = %v: channel meta values must be strings", k, v)
			}
			meta[k] = s
		}
	}
	return content, meta
}

func TestChannelNotification(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	bob := newPeer(t, root, Config{ID: "bob", Channel: true})

	caps, ok := bob.c.GetServerCapabilities().Experimental["claude/channel"]
	if !ok || caps == nil {
		t.Fatalf("capabilities lack claude/channel: %+v", bob.c.GetServerCapabilities())
	}

	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "build is green", "data": map[string]any{"run": 7}})
	notes := bob.waitChannel(1)
	content, meta := channelFields(t, notes[0])
	mustContain(t, content, "with data")
	if f := mustFrames(t, content); len(f) != 1 || f[0].Body != "build is green" || f[0].Attrs["from"] != "alice" {
		t.Fatalf("channel event frames %+v:\n%s", f, content)
	}
	if meta["from"] != "alice" || meta["kind"] != "direct" || meta["message_id"] == "" || meta["unread"] != "1" {
		t.Fatalf("meta = %v", meta)
	}
	for k := range meta {
		if strings.ContainsAny(k, "-. ") {
			t.Errorf("meta key %q: keys must be identifiers", k)
		}
	}
	// A notification is a hint: the mail is still unread.
	mustFrame(t, bob.ok("check", map[string]any{"instance_id": "bob"}), "build is green")

	// Each new message is announced once; many at once in one summary.
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "second"})
	notes = bob.waitChannel(2)
	if content, _ := channelFields(t, notes[1]); !strings.Contains(content, "second") {
		t.Fatalf("second notification = %q", content)
	}
	for i := 0; i < 5; i++ {
		alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "burst"})
	}
	// However the burst was split among wake-ups, every message is
	// announced (one by one, or several in a summary), and none twice.
	announced := func(notes []mcpgo.JSONRPCNotification) int {
		k := 0
		for _, n := range notes[2:] {
			c, meta := channelFields(t, n)
			if meta["count"] != "" {
				mustContain(t, c, "new messages from alice", "Call check")
				k += int(meta["count"][0] - '0')
			} else if strings.Contains(c, "burst") {
				k++
			}
		}
		return k
	}
	for {
		notes = bob.channelNotes()
		if announced(notes) >= 5 {
			break
		}
		bob.waitChannel(len(notes) + 1)
	}
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "marker"})
	for {
		notes = bob.channelNotes()
		if c, _ := channelFields(t, notes[len(notes)-1]); strings.Contains(c, "marker") {
			break
		}
		bob.waitChannel(len(notes) + 1)
	}
	if k := announced(notes); k != 5 {
		t.Fatalf("announced %d of a burst of 5", k)
	}
}

func TestChannelFollowsIdentity(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	p := newPeer(t, root, Config{Channel: true}) // not registered yet
	p.ok("register", map[string]any{"instance_id": "bob"})
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "to bob"})
	p.waitChannel(1)
	p.ok("check", map[string]any{"instance_id": "bob"})
	p.ok("rename", map[string]any{"old_id": "bob", "new_id": "bob2"})
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob2", "content": "to bob2"})
	notes := p.waitChannel(2)
	if c, meta := channelFields(t, notes[1]); !strings.Contains(c, "to bob2") || meta["to"] != "bob2" {
		t.Fatalf("after rename: %q %v", c, meta)
	}
}

func TestChannelOff(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	bob := newPeer(t, root, Config{ID: "bob"})
	if _, ok := bob.c.GetServerCapabilities().Experimental["claude/channel"]; ok {
		t.Fatal("claude/channel declared with channels off")
	}
	if strings.Contains(bob.instructions, "<channel") {
		t.Fatalf("channels off, but the instructions describe them:\n%s", bob.instructions)
	}
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "x"})
	bob.ok("check", map[string]any{"instance_id": "bob"})
	if n := bob.channelNotes(); len(n) != 0 {
		t.Fatalf("channels off, got %v", n)
	}
}

// TestChannelForDeclaringClient: a client other than Claude Code that
// declares the claude/channel capability gets the events and their
// description; one that does not, neither.
func TestChannelForDeclaringClient(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	caps := mcpgo.ClientCapabilities{Experimental: map[string]any{"claude/channel": map[string]any{}}}
	bob := newPeerClient(t, root, Config{ID: "bob", Channel: true}, "some-client", caps)
	carol := newPeerClient(t, root, Config{ID: "carol", Channel: true}, "codex-mcp-client", mcpgo.ClientCapabilities{})
	mustContain(t, bob.instructions, "<channel")
	if strings.Contains(carol.instructions, "<channel") {
		t.Fatalf("codex instructions describe channel events:\n%s", carol.instructions)
	}
	if _, ok := carol.c.GetServerCapabilities().Experimental["claude/channel"]; ok {
		t.Fatal("claude/channel declared to codex")
	}
	alice.ok("broadcast", map[string]any{"from_id": "alice", "content": "standup"})
	bob.waitChannel(1)
	carol.ok("check", map[string]any{"instance_id": "carol"})
	if n := carol.channelNotes(); len(n) != 0 {
		t.Fatalf("codex got channel notifications: %v", n)
	}
}
