package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/wire"
)

// TestJSONEveryCommand: every command that prints a result prints one JSON
// object with --json, carrying the fields a script needs, and every time
// in it is RFC 3339 with a zone: beside each legacy, zoneless time, the
// same instant.
func TestJSONEveryCommand(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "check")
	mustIPC(t, d, "carol", "", "check")
	sent := decodeJSON(t, mustIPC(t, d, "alice", "", "send", "--json", "bob", "first"))
	id, _ := sent["id"].(string)
	mustIPC(t, d, "alice", "", "send", "bob", "second")
	mustIPC(t, d, "zed", "", "check")

	cases := []struct {
		as   string
		args []string
		keys []string // keys the object has
	}{
		{"alice", []string{"broadcast", "--json", "all hands"}, []string{"status", "message", "to", "recipients"}},
		{"bob", []string{"check", "--json", "--max", "1"}, []string{"status", "messages", "remaining"}},
		{"bob", []string{"history", "--json"}, []string{"status", "messages"}},
		{"bob", []string{"read", "--json", id}, []string{"id", "from", "to", "timestamp", "time", "message"}},
		{"alice", []string{"status", "--json", id}, []string{"id", "state", "sent_at"}},
		{"bob", []string{"ack", "--json", id}, []string{"status", "message", "id"}},
		{"", []string{"list", "--json"}, []string{"status", "instances"}},
		{"carol", []string{"rename", "--json", "caroline"}, []string{"status", "message", "old", "new", "forwards_until", "notified", "unnotified"}},
		{"", []string{"gc", "--json"}, []string{"status", "removed", "quarantined"}},
		{"", []string{"doctor", "--json"}, []string{"status", "problems", "checks"}},
		{"", []string{"version", "--json"}, []string{"version"}},
		{"", []string{"stop", "--json"}, []string{"status", "message", "stopped"}},
		{"alice", []string{"forget", "--json", "zed"}, []string{"status", "message", "id", "mailbox", "mail_removed"}},
		{"bob", []string{"whoami", "--json"}, []string{"id", "id_from", "home", "registered", "online", "unread"}},
	}
	pairs := map[string]int{} // legacy times checked, by command
	for _, c := range cases {
		out := mustIPC(t, d, c.as, "", c.args...)
		if strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("ipc %v: not one line: %q", c.args, out)
		}
		obj := decodeJSON(t, out)
		for _, k := range c.keys {
			if _, ok := obj[k]; !ok {
				t.Errorf("ipc %v: no %q in %s", c.args, k, out)
			}
		}
		pairs[c.args[0]] += checkTimes(t, c.args, obj)
	}
	for _, name := range []string{"check", "history", "read", "list"} {
		if pairs[name] == 0 {
			t.Errorf("ipc %s --json: no legacy time with its RFC 3339 twin", name)
		}
	}
}

// checkTimes checks, anywhere in v, that every RFC 3339 field beside a
// legacy time names the same instant, and that the sent_at of a status is
// RFC 3339 too. It returns how many legacy times it checked.
func checkTimes(t *testing.T, args []string, v any) int {
	t.Helper()
	n := 0
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			n += checkTimes(t, args, e)
		}
	case map[string]any:
		for legacy, zoned := range map[string]string{"timestamp": "time", "last_seen": "last_seen_time", "registered_at": "registered_time"} {
			l, ok := v[legacy].(string)
			if !ok {
				continue
			}
			z, _ := v[zoned].(string)
			n++
			zt, err := time.Parse(time.RFC3339Nano, z)
			if err != nil {
				t.Errorf("ipc %v: %s %q beside %s %q: %v", args, zoned, z, legacy, l, err)
				continue
			}
			if wire.LegacyTime(zt) != l {
				t.Errorf("ipc %v: %s %q is not the instant of %s %q", args, zoned, z, legacy, l)
			}
		}
		for _, k := range []string{"sent_at", "forwards_until"} {
			if s, ok := v[k].(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
					t.Errorf("ipc %v: %s %q: %v", args, k, s, err)
				}
			}
		}
		for _, e := range v {
			n += checkTimes(t, args, e)
		}
	}
	return n
}

func decodeJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("not a JSON object: %q: %v", out, err)
	}
	return obj
}
