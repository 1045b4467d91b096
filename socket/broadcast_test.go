package socket

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// TestBroadcastPartialReply: one broken recipient leaves the broadcast ok
// on both doors, with the outcome of each recipient in "recipients" (on
// the legacy door only when one failed, so its usual reply is the
// original's).
func TestBroadcastPartialReply(t *testing.T) {
	srv, st := newServer(t)
	alice := register(t, srv, "alice")
	register(t, srv, "bob")
	register(t, srv, "carol")
	rep := legacy(t, srv, map[string]any{"action": "broadcast", "message": map[string]any{"content": "all"}, "session_token": alice})
	wantOK(t, rep)
	if rep.Message != "Broadcast to 2 instances" || rep.Recipients != nil {
		t.Fatalf("legacy broadcast: %+v", rep)
	}
	tmp := filepath.Join(st.Root(), "mail", "carol", "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	rep = legacy(t, srv, map[string]any{"action": "broadcast", "message": map[string]any{"content": "half"}, "session_token": alice})
	wantOK(t, rep)
	if rep.Message != "Broadcast to 1 instances; 1 failed: carol" || len(rep.Recipients) != 2 ||
		rep.Recipients[0] != (wire.RecipientReply{ID: "bob", Status: wire.StatusOK, MessageID: rep.Recipients[0].MessageID}) || rep.Recipients[0].MessageID == "" ||
		rep.Recipients[1].ID != "carol" || rep.Recipients[1].Status != wire.StatusError || rep.Recipients[1].ErrorCode != string(maildir.Internal) {
		t.Fatalf("legacy partial broadcast: %+v", rep)
	}
	c := dial(t, srv)
	ctx := testCtx(t)
	if _, err := c.Resume(ctx, alice); err != nil {
		t.Fatal(err)
	}
	rep, err := c.Do(ctx, map[string]any{"action": "broadcast", "message": map[string]any{"content": "fast"}})
	if err != nil || rep.Status != wire.StatusOK || len(rep.Recipients) != 2 || rep.Recipients[1].ErrorCode != string(maildir.Internal) {
		t.Fatalf("fast broadcast: %+v, %v", rep, err)
	}
}

// TestIdempotencyKeySocket: "idempotency_key" on send and broadcast, on
// the fast path and the legacy door: a repeat sends nothing and says
// "replayed".
func TestIdempotencyKeySocket(t *testing.T) {
	srv, _ := newServer(t)
	alice := register(t, srv, "alice")
	bob := register(t, srv, "bob")
	c := dial(t, srv)
	ctx := testCtx(t)
	if _, err := c.Resume(ctx, alice); err != nil {
		t.Fatal(err)
	}
	send := map[string]any{"action": "send", "to_id": "bob", "message": map[string]any{"content": "once"}, "idempotency_key": "f-1"}
	for i, want := range []bool{false, true} {
		rep, err := c.Do(ctx, send)
		if err != nil || rep.Status != wire.StatusOK || rep.Replayed != want {
			t.Fatalf("fast send %d: %+v, %v", i, rep, err)
		}
	}
	lsend := map[string]any{"action": "send", "to_id": "bob", "message": map[string]any{"content": "legacy once"}, "idempotency_key": "l-1", "session_token": alice}
	wantOK(t, legacy(t, srv, lsend))
	if rep := legacy(t, srv, lsend); rep.Status != wire.StatusOK || !rep.Replayed {
		t.Fatalf("legacy repeat: %+v", rep)
	}
	bc := map[string]any{"action": "broadcast", "message": map[string]any{"content": "news"}, "idempotency_key": "b-1"}
	c.Do(ctx, bc)
	if rep, err := c.Do(ctx, bc); err != nil || !rep.Replayed || rep.Message != "Broadcast to 1 instances" {
		t.Fatalf("fast broadcast repeat: %+v, %v", rep, err)
	}
	rep := legacy(t, srv, map[string]any{"action": "check", "instance_id": "bob", "session_token": bob})
	if len(rep.Messages) != 3 {
		t.Fatalf("bob got %d messages, want 3 (each once): %+v", len(rep.Messages), rep.Messages)
	}
	rep = legacy(t, srv, map[string]any{"action": "send", "to_id": "bob", "message": map[string]any{"content": "x"}, "idempotency_key": 7, "session_token": alice})
	wantCode(t, rep, maildir.BadRequest)
}
