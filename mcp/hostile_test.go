package mcp

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/sharecmd"
	"github.com/ipc-dev/ipc/maildir"
)

// hostileIDs are the ids of ipctest, the longest 64 KiB, and bytes that
// are not UTF-8.
var hostileIDs = append(ipctest.HostileIDs(64<<10), "\xff\xfe")

// nested returns a JSON object nested depth levels deep.
func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// TestHostileInputMCP feeds hostile arguments to every tool of the MCP
// door: each is refused with a clear error kind (or accepted when it is
// valid after all), nothing panics, no identity or file outside the
// mailbox is touched, and the server works normally afterwards.
func TestHostileInputMCP(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice", ShareCommand: sharecmd.Runner(os.Environ())})
	fresh := newPeer(t, root, Config{})
	bob := newPeer(t, root, Config{ID: "bob"})
	tried := 0
	expect := func(p *peer, tool string, args map[string]any, kinds ...string) {
		t.Helper()
		tried++
		start := time.Now()
		res, err := p.callErr(tool, args)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s %.80v took %v", tool, args, d)
		}
		got := "ok"
		switch {
		case err != nil:
			got = "rpc" // refused by the SDK as an invalid request
		case res.isError:
			got, _, _ = strings.Cut(res.text, ":")
		}
		for _, k := range kinds {
			if got == k {
				return
			}
		}
		t.Errorf("%s %.200v = %s %.300q, want %v", tool, args, got, res.text, kinds)
	}

	for _, id := range hostileIDs {
		expect(fresh, "register", map[string]any{"instance_id": id}, "invalid_id")
		expect(alice, "send", map[string]any{"from_id": "alice", "to_id": id, "content": "x"}, "invalid_id")
		expect(alice, "send", map[string]any{"from_id": id, "to_id": "bob", "content": "x"}, "invalid_id")
		expect(alice, "broadcast", map[string]any{"from_id": id, "content": "x"}, "invalid_id")
		expect(alice, "check", map[string]any{"instance_id": id}, "invalid_id")
		expect(alice, "auto_process", map[string]any{"instance_id": id}, "invalid_id")
		expect(alice, "rename", map[string]any{"old_id": "alice", "new_id": id}, "invalid_id")
		expect(alice, "rename", map[string]any{"old_id": id, "new_id": "alice2"}, "invalid_id")
		expect(alice, "share_file", map[string]any{"from_id": "alice", "to_id": id, "filepath": "/etc/hostname"}, "invalid_id")
		expect(alice, "share_command", map[string]any{"from_id": "alice", "to_id": id, "command": "true"}, "invalid_id")
	}

	// Content and data.
	for _, tc := range []struct {
		name  string
		args  map[string]any
		kinds []string
	}{
		{"non-UTF-8 content", map[string]any{"content": "bad \xff\xfe bytes"}, []string{"ok", "bad_request"}},
		{"lone surrogate", map[string]any{"content": "\xed\xa0\x80"}, []string{"ok", "bad_request"}},
		{"NUL in content", map[string]any{"content": "a\x00b"}, []string{"ok"}},
		{"control characters", map[string]any{"content": "\x1b[2J\x07\r\x0b\x0c"}, []string{"ok"}},
		{"empty content", map[string]any{"content": ""}, []string{"ok"}},
		{"content of 1 MiB", map[string]any{"content": strings.Repeat("y", 1<<20)}, []string{"ok"}},
		{"content not a string", map[string]any{"content": map[string]any{"a": 1}}, []string{"bad_request"}},
		{"data an array", map[string]any{"content": "x", "data": []any{1, 2}}, []string{"bad_request"}},
		{"data a number", map[string]any{"content": "x", "data": 7}, []string{"bad_request"}},
		{"data a string", map[string]any{"content": "x", "data": "not json"}, []string{"bad_request"}},
		{"data a string holding an array", map[string]any{"content": "x", "data": "[1]"}, []string{"bad_request"}},
		{"data a string holding an object", map[string]any{"content": "x", "data": `{"k": 1}`}, []string{"ok"}},
		{"data null", map[string]any{"content": "x", "data": nil}, []string{"ok"}},
		{"data over 1 MiB", map[string]any{"content": "x", "data": map[string]any{"k": strings.Repeat("z", maildir.DefaultMaxData)}}, []string{"too_large"}},
		{"data 100 deep", map[string]any{"content": "x", "data": json.RawMessage(nested(100))}, []string{"ok"}},
		{"data 9,000 deep", map[string]any{"content": "x", "data": json.RawMessage(nested(9000))}, []string{"ok", "bad_request"}},
		{"data with 20,000 keys", map[string]any{"content": "x", "data": manyKeys(20000)}, []string{"ok"}},
		{"unknown arguments", map[string]any{"content": "x", "exec": "rm -rf /", "from": "bob"}, []string{"ok"}},
	} {
		args := map[string]any{"from_id": "alice", "to_id": "bob"}
		for k, v := range tc.args {
			args[k] = v
		}
		expect(alice, "send", args, tc.kinds...)
		delete(args, "to_id")
		expect(alice, "broadcast", args, tc.kinds...)
	}

	// wait_seconds: anything out of range is clamped or refused, never
	// waits longer than the documented 50 s (mail is waiting here, so a
	// valid call returns at once).
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "waiting"})
	for _, w := range []any{-1, -1e308, 1e308, 0.0001, 51, 1 << 62, json.RawMessage("1e400"), "10", true, []any{1}, map[string]any{}} {
		kinds := []string{"ok"}
		switch w.(type) {
		case string, bool, []any, map[string]any:
			kinds = []string{"bad_request"}
		case json.RawMessage: // a number out of float64's range
			kinds = []string{"bad_request", "rpc"}
		}
		expect(bob, "check", map[string]any{"instance_id": "bob", "wait_seconds": w}, kinds...)
		alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "waiting"})
	}

	// Paths and commands.
	for _, path := range []string{"", "\x00", "/etc/hostname\x00.txt", strings.Repeat("/a", 5000), "../../../../../../../../etc/hostname\n"} {
		expect(alice, "share_file", map[string]any{"from_id": "alice", "to_id": "bob", "filepath": path}, "bad_request", "not_found")
	}
	for _, cmd := range []string{"", "   ", `"unclosed`, `trailing\`, "\x00", strings.Repeat("a ", 100000) + "'"} {
		expect(alice, "share_command", map[string]any{"from_id": "alice", "to_id": "bob", "command": cmd}, "bad_request")
	}

	// Whatever was accepted is valid UTF-8 on the other side, and the
	// server still works.
	text := bob.ok("check", map[string]any{"instance_id": "bob"})
	if !utf8.ValidString(text) {
		t.Errorf("check result is not valid UTF-8")
	}
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "still fine"})
	mustFrame(t, bob.ok("check", map[string]any{"instance_id": "bob"}), "still fine")
	mustContain(t, alice.ok("list_instances", nil), "alice (you)")
	t.Logf("figures: %s: %d hostile tool calls, each refused with its kind or accepted as valid; 0 panics", t.Name(), tried)
}

func manyKeys(n int) map[string]any {
	m := make(map[string]any, n)
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("k%d", i)] = i
	}
	return m
}
