package mcp

import (
	"strings"
	"testing"
)

// TestShareCommandOffAdvice: share_command turned off is refused with what
// to do about it, not with advice about secure mode (which is off here).
// Secure mode's advice still comes with a wrong proof.
func TestShareCommandOffAdvice(t *testing.T) {
	root := t.TempDir()
	off := newPeer(t, root, Config{ID: "carol"})
	text := off.fail("share_command", map[string]any{"from_id": "carol", "to_id": "bob", "command": "true"}, "denied")
	if strings.Contains(text, "Secure mode") || !strings.Contains(text, "IPC_SHARE_COMMAND=0") {
		t.Fatalf("share_command off: %q", text)
	}
}
