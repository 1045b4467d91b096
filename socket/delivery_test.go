package socket

import (
	"testing"

	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// TestMessageStatusDoors: a send reply names the message; message_status
// on the legacy door and the fast path follows it from queued to read by
// a subscription's push, and a legacy check records its own door; nobody
// else learns anything.
func TestMessageStatusDoors(t *testing.T) {
	srv, _ := newServer(t)
	ctx := testCtx(t)
	alice := register(t, srv, "alice")
	send := func(content string) string {
		t.Helper()
		rep := legacy(t, srv, map[string]any{"action": "send", "from_id": "alice", "to_id": "bob",
			"message": map[string]any{"content": content}, "session_token": alice})
		wantOK(t, rep)
		if rep.MessageID == "" {
			t.Fatalf("send reply %+v carries no message_id", rep)
		}
		return rep.MessageID
	}
	status := func(token, id string, want maildir.State) *wire.Delivery {
		t.Helper()
		rep := legacy(t, srv, map[string]any{"action": "message_status", "message_id": id, "session_token": token})
		wantOK(t, rep)
		if rep.Delivery == nil || rep.Delivery.State != string(want) || rep.Delivery.ID != id {
			t.Fatalf("message_status = %+v, want %s", rep, want)
		}
		return rep.Delivery
	}

	first := send("early")
	if d := status(alice, first, maildir.StateQueued); d.To != "bob" || d.From != "alice" {
		t.Fatalf("queued: %+v", d)
	}

	bob := dial(t, srv)
	if _, _, err := bob.Register(ctx, "bob", ""); err != nil {
		t.Fatal(err)
	}
	status(alice, first, maildir.StateUnread)

	// The fast path asks too, in the same words.
	rep, err := bob.Do(ctx, map[string]any{"action": "message_status", "message_id": first})
	if err != nil || rep.Delivery == nil || rep.Delivery.State != string(maildir.StateUnread) {
		t.Fatalf("fast message_status = %+v, %v", rep, err)
	}

	if err := bob.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-bob.Events():
		if len(ev.Messages) != 1 || ev.Messages[0].ID != first {
			t.Fatalf("pushed %+v", ev)
		}
	case <-ctx.Done():
		t.Fatal("no mail event")
	}
	if d := status(alice, first, maildir.StateRead); d.ReadBy != string(maildir.DoorPush) {
		t.Fatalf("read by %q, want push", d.ReadBy)
	}

	// A legacy check records the socket door.
	carol := register(t, srv, "carol")
	rep = legacy(t, srv, map[string]any{"action": "send", "from_id": "alice", "to_id": "carol",
		"message": map[string]any{"content": "to carol"}, "session_token": alice})
	wantOK(t, rep)
	second := rep.MessageID
	wantOK(t, legacy(t, srv, map[string]any{"action": "check", "instance_id": "carol", "session_token": carol}))
	if d := status(alice, second, maildir.StateRead); d.ReadBy != string(maildir.DoorSocket) {
		t.Fatalf("read by %q, want socket", d.ReadBy)
	}
	status(carol, second, maildir.StateRead) // the recipient may ask

	mallory := register(t, srv, "mallory")
	wantCode(t, legacy(t, srv, map[string]any{"action": "message_status", "message_id": first, "session_token": mallory}), maildir.NotFound)
	wantCode(t, legacy(t, srv, map[string]any{"action": "message_status", "session_token": mallory}), maildir.BadRequest)
}
