package mcp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBroadcastPartialTool: with one broken recipient the broadcast tool
// answers with who got it and who did not (not an error that invites a
// retry duplicating every copy).
func TestBroadcastPartialTool(t *testing.T) {
	root := t.TempDir()
	fred := newPeer(t, root, Config{ID: "fred"})
	alice := newPeer(t, root, Config{ID: "alice"})
	newPeer(t, root, Config{ID: "carol"})
	tmp := filepath.Join(root, "mail", "carol", "tmp")
	if err := os.MkdirAll(filepath.Dir(tmp), 0o700); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(tmp)
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	mustContain(t, fred.ok("broadcast", map[string]any{"from_id": "fred", "content": "meeting in 5"}),
		"Broadcast to 1 instances: alice", "\nNot delivered to carol: internal: ", "do not broadcast again; send to carol once fixed")
	mustFrame(t, alice.ok("check", map[string]any{"instance_id": "alice"}), "meeting in 5")
}

// TestIdempotencyKeyTool: a tool call repeated with the same
// idempotency_key (a client that timed out and retries) sends nothing.
func TestIdempotencyKeyTool(t *testing.T) {
	root := t.TempDir()
	fred := newPeer(t, root, Config{ID: "fred"})
	alice := newPeer(t, root, Config{ID: "alice"})
	send := map[string]any{"from_id": "fred", "to_id": "alice", "content": "deploy done", "idempotency_key": "k-1"}
	if text := fred.ok("send", send); strings.Contains(text, "idempotency_key") {
		t.Fatalf("first send: %q", text)
	}
	mustContain(t, fred.ok("send", send), "Message sent", "Same idempotency_key as an earlier call")
	bc := map[string]any{"from_id": "fred", "content": "release", "idempotency_key": "k-2"}
	fred.ok("broadcast", bc)
	mustContain(t, fred.ok("broadcast", bc), "Broadcast to 1 instances: alice", "nothing was sent now")
	text := alice.ok("check", map[string]any{"instance_id": "alice"})
	if f := mustFrames(t, text); len(f) != 2 || f[0].Body != "deploy done" || f[1].Body != "release" {
		t.Fatalf("alice's check shows repeats:\n%s", text)
	}
	fred.fail("send", map[string]any{"from_id": "fred", "to_id": "alice", "content": "other", "idempotency_key": "k-1"}, "bad_request")
}
