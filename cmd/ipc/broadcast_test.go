package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// breakMaildir makes the maildir of id unable to take mail: its tmp/ is a
// regular file.
func breakMaildir(t *testing.T, home, id string) {
	t.Helper()
	tmp := filepath.Join(home, "mail", id, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(tmp), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBroadcastPartialCLI: with one broken recipient, ipc broadcast says
// per recipient what happened and exits 3 (not 1 with "internal", which
// invited a retry that duplicated every copy); --json says the same.
func TestBroadcastPartialCLI(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	for _, id := range []string{"alice", "bob", "carol", "dave"} {
		mustIPC(t, d, id, "", "check")
	}
	breakMaildir(t, d, "carol")
	r := ipc(t, d, "alice", "", "broadcast", "meeting in 5")
	if r.code != 3 {
		t.Fatalf("broadcast: exit %d, want 3\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Broadcast to 2 instances; 1 failed: carol", "  bob: delivered ", "  carol: failed: internal: ", "  dave: delivered "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.HasPrefix(r.stderr, "ipc: partial: broadcast reached 2 of 3 recipients; no copy for carol (internal)") {
		t.Errorf("stderr = %q", r.stderr)
	}
	r = ipc(t, d, "alice", "", "broadcast", "--json", "second")
	var j struct {
		Status     string   `json:"status"`
		To         []string `json:"to"`
		Recipients []struct {
			Agent, Status, ID, Error string
			ErrorCode                string `json:"error_code"`
		} `json:"recipients"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || r.code != 3 {
		t.Fatalf("broadcast --json: exit %d, %q: %v", r.code, r.stdout, err)
	}
	if j.Status != "partial" || strings.Join(j.To, ",") != "bob,dave" || len(j.Recipients) != 3 ||
		j.Recipients[1].Agent != "carol" || j.Recipients[1].Status != "failed" || j.Recipients[1].ErrorCode != "internal" ||
		j.Recipients[0].Status != "delivered" || j.Recipients[0].ID == "" {
		t.Fatalf("broadcast --json = %+v", j)
	}
	for _, id := range []string{"bob", "dave"} {
		if got := checkJSON(t, d, id); len(got.Messages) != 2 {
			t.Errorf("%s got %d messages, want 2", id, len(got.Messages))
		}
	}
	// Every recipient broken: a failure, exit 1, the lines still printed.
	breakMaildir(t, d, "bob")
	breakMaildir(t, d, "dave")
	r = ipc(t, d, "alice", "", "broadcast", "nobody")
	if r.code != 1 || !strings.Contains(r.stdout, "  bob: failed: internal") || !strings.HasPrefix(r.stderr, "ipc: internal: ") {
		t.Fatalf("broadcast to broken maildirs: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

// TestIdempotencyKeyCLI: a send or broadcast run again with the same
// --idempotency-key (a script retrying after a timeout) sends nothing and
// prints the first result.
func TestIdempotencyKeyCLI(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "check")
	mustIPC(t, d, "carol", "", "check")
	var first, again struct {
		ID       string `json:"id"`
		Replayed bool   `json:"replayed"`
	}
	if err := json.Unmarshal([]byte(mustIPC(t, d, "alice", "", "send", "--idempotency-key", "job-17", "--json", "bob", "deploy done")), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mustIPC(t, d, "alice", "", "send", "--idempotency-key", "job-17", "--json", "bob", "deploy done")), &again); err != nil {
		t.Fatal(err)
	}
	if first.Replayed || !again.Replayed || again.ID != first.ID || first.ID == "" {
		t.Fatalf("first %+v, again %+v: want the same id, the second replayed", first, again)
	}
	out := mustIPC(t, d, "alice", "", "broadcast", "--idempotency-key", "b-1", "release")
	if strings.Contains(out, "repeated idempotency key") {
		t.Fatalf("first broadcast output %q", out)
	}
	out = mustIPC(t, d, "alice", "", "broadcast", "--idempotency-key", "b-1", "release")
	if !strings.Contains(out, "Broadcast to 2 instances") || !strings.Contains(out, "repeated idempotency key") {
		t.Fatalf("repeated broadcast output %q", out)
	}
	if got := checkJSON(t, d, "bob"); len(got.Messages) != 2 {
		t.Fatalf("bob got %d messages, want the send and the broadcast once each", len(got.Messages))
	}
	if got := checkJSON(t, d, "carol"); len(got.Messages) != 1 {
		t.Fatalf("carol got %d messages, want the broadcast once", len(got.Messages))
	}
	r := ipc(t, d, "alice", "", "send", "--idempotency-key", "job-17", "bob", "another text")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "ipc: bad_request: idempotency key \"job-17\" was used for a different message") {
		t.Fatalf("key reused for another message: exit %d, stderr %q", r.code, r.stderr)
	}
}
