package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cliStatus is `ipc status --json` as a script reads it.
type cliStatus struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	From     string `json:"from"`
	To       string `json:"to"`
	SentAt   string `json:"sent_at"`
	Surfaced []struct {
		Door string `json:"door"`
		At   string `json:"at"`
		Read bool   `json:"read"`
	} `json:"surfaced"`
	ReadBy  string `json:"read_by"`
	ReadAt  string `json:"read_at"`
	AckedAt string `json:"acknowledged_at"`
	EndedAt string `json:"ended_at"`
	Reason  string `json:"reason"`
}

// statusOf runs `ipc status --json id` as as, checks the state and that
// every time it gives is RFC 3339.
func statusOf(t *testing.T, home, as, id, want string) cliStatus {
	t.Helper()
	out := mustIPC(t, home, as, "", "status", "--json", id)
	var s cliStatus
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("status --json %q: %v", out, err)
	}
	if s.State != want || s.ID != id {
		t.Fatalf("ipc status %s as %s = %s, want %s\n%s", id, as, s.State, want, out)
	}
	for _, ts := range []string{s.SentAt, s.ReadAt, s.AckedAt, s.EndedAt} {
		if _, err := time.Parse(time.RFC3339Nano, ts); ts != "" && err != nil {
			t.Fatalf("time %q is not RFC 3339: %v", ts, err)
		}
	}
	t.Logf("timeline: ipc status %s (as %s): %s", id, as, strings.TrimSpace(out))
	return s
}

// TestStatusTimeline takes one message through every state, each door in
// its own process: sent by the CLI (queued), its name registered by the
// CLI (unread), previewed by an MCP channel event (surfaced), checked by
// the MCP door (read), acknowledged by the CLI, removed by retention
// (expired); and one to a name nobody takes (bounced). A third agent is
// told not_found.
func TestStatusTimeline(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	var sent struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(mustIPC(t, home, "alice", "", "send", "--json", "carol", "status me")), &sent); err != nil || sent.ID == "" {
		t.Fatalf("send --json: %+v, %v", sent, err)
	}
	id := sent.ID
	if out := mustIPC(t, home, "alice", "", "send", "carol", "second"); !strings.Contains(out, "Id: ") {
		t.Fatalf("send output %q names no id", out)
	}
	s := statusOf(t, home, "alice", id, "queued")
	if s.From != "alice" || s.To != "carol" || s.SentAt == "" {
		t.Fatalf("queued: %+v", s)
	}
	if out := mustIPC(t, home, "alice", "", "status", id); !strings.Contains(out, "State: queued") {
		t.Fatalf("status output %q", out)
	}

	mustIPC(t, home, "carol", "", "history") // registers carol, reads nothing
	statusOf(t, home, "alice", id, "unread")

	carol := startMCP(t, home, "IPC_ID=carol", "IPC_CHANNEL=1")
	deadline := time.After(30 * time.Second)
	for len(carol.channelNotes()) < 2 {
		select {
		case <-carol.noted:
		case <-deadline:
			t.Fatalf("no channel notification; got %d", len(carol.channelNotes()))
		}
	}
	s = statusOf(t, home, "alice", id, "surfaced")
	if len(s.Surfaced) != 1 || s.Surfaced[0].Door != "channel" || s.Surfaced[0].Read {
		t.Fatalf("surfaced: %+v", s.Surfaced)
	}

	carol.ok("check", map[string]any{"instance_id": "carol"}, "status me")
	s = statusOf(t, home, "alice", id, "read")
	if s.ReadBy != "mcp" || len(s.Surfaced) != 2 {
		t.Fatalf("read: %+v", s)
	}
	alice := startMCP(t, home, "IPC_ID=alice", "IPC_CHANNEL=0")
	alice.ok("mail", map[string]any{"message_id": id}, ": read by mcp at ")
	alice.stop()
	carol.stop()

	if out := mustIPC(t, home, "carol", "", "ack", id); !strings.Contains(out, "Acknowledged "+id) {
		t.Fatalf("ack output %q", out)
	}
	statusOf(t, home, "alice", id, "acknowledged")
	statusOf(t, home, "carol", id, "acknowledged") // the recipient may ask

	r := ipc(t, home, "mallory", "", "status", id)
	if r.code == 0 || !strings.Contains(r.stderr, "not_found") {
		t.Fatalf("a third agent's status: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}

	var lost struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(mustIPC(t, home, "alice", "", "send", "--json", "ghost", "nobody takes this")), &lost); err != nil {
		t.Fatal(err)
	}
	// Age the read message past the read retention and the queued one past
	// the future retention: retention reads file times.
	old := time.Now().Add(-40 * 24 * time.Hour)
	for _, p := range []string{
		filepath.Join(home, "mail", "carol", "cur", id+"!2,S"),
		filepath.Join(home, "mail", "ghost", "new", lost.ID),
	} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	mustIPC(t, home, "alice", "", "gc")
	s = statusOf(t, home, "alice", id, "expired")
	if s.EndedAt == "" || s.Reason == "" {
		t.Fatalf("expired: %+v", s)
	}
	s = statusOf(t, home, "alice", lost.ID, "bounced")
	if !strings.Contains(s.Reason, "nobody registered ghost") {
		t.Fatalf("bounced: %+v", s)
	}
}
