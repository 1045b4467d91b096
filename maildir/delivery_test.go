package maildir

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
)

// wantState asks s for the status of msgID and checks its state.
func wantState(tb testing.TB, s *Session, msgID string, want State) Delivery {
	tb.Helper()
	d, err := s.Status(context.Background(), msgID)
	if err != nil {
		tb.Fatalf("%s.Status(%s): %v", s.ID(), msgID, err)
	}
	if d.State != want {
		tb.Fatalf("%s.Status(%s) = %s (%+v), want %s", s.ID(), msgID, d.State, d, want)
	}
	return d
}

// TestDeliveryTimeline takes one message through queued, unread, surfaced,
// read, acknowledged and expired, and another to a name nobody takes
// through bounced, checking what its sender is told at each step.
func TestDeliveryTimeline(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	st := mustOpen(t, Options{Now: clk.Now})
	alice := mustLogin(t, st, "alice")
	r := mustSend(t, alice, "carol", "hello carol")
	if r.ID == "" {
		t.Fatal("send returned no message id")
	}
	d := wantState(t, alice, r.ID, StateQueued)
	if d.From != "alice" || d.To != "carol" || d.SentAt.IsZero() {
		t.Fatalf("queued: %+v", d)
	}

	carol := mustLogin(t, st, "carol")
	wantState(t, alice, r.ID, StateUnread)

	peek, err := carol.Peek(ctx, 10)
	if err != nil || len(peek) != 1 {
		t.Fatalf("peek = %v, %v", peek, err)
	}
	RecordShown(peek[0], DoorChannel)
	d = wantState(t, alice, r.ID, StateSurfaced)
	if len(d.Surfaced) != 1 || d.Surfaced[0].Door != DoorChannel || d.Surfaced[0].Read {
		t.Fatalf("surfaced: %+v", d.Surfaced)
	}

	if res, err := carol.Check(ctx, CheckOptions{Door: DoorMCP}); err != nil || len(res.Messages) != 1 {
		t.Fatalf("check = %+v, %v", res, err)
	}
	d = wantState(t, alice, r.ID, StateRead)
	if d.ReadBy != DoorMCP || d.ReadAt.IsZero() || len(d.Surfaced) != 2 {
		t.Fatalf("read: %+v", d)
	}
	// The line the doors make of it: internal/present's TestDeliveryLine.

	if err := carol.Ack(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	wantState(t, alice, r.ID, StateAcknowledged)
	wantState(t, carol, r.ID, StateAcknowledged) // the recipient may ask too

	lost := mustSend(t, alice, "ghost", "nobody takes this")
	wantState(t, alice, lost.ID, StateQueued)

	clk.Add(31 * 24 * time.Hour)
	if _, err := st.GC(ctx); err != nil {
		t.Fatal(err)
	}
	d = wantState(t, alice, r.ID, StateExpired)
	if d.EndedAt.IsZero() || !strings.Contains(d.Reason, "kept") {
		t.Fatalf("expired: %+v", d)
	}
	d = wantState(t, alice, lost.ID, StateBounced)
	if !strings.Contains(d.Reason, "nobody registered ghost") {
		t.Fatalf("bounced: %+v", d)
	}
	// The state records of the removed message go after their grace.
	if names, _ := listDir(st.boxPath("carol", dirState)); len(names) != 0 {
		t.Fatalf("state records left: %v", names)
	}
}

// TestDeliveryBouncedByMaildir: a maildir that cannot take the message
// leaves its sender a bounce with the reason.
func TestDeliveryBouncedByMaildir(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	newDir := st.boxPath("bob", dirNew)
	if err := os.RemoveAll(newDir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newDir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(ctx, "bob", "lost", nil); err == nil {
		t.Fatal("send into a broken maildir succeeded")
	}
	names, _ := listDir(st.boxPath("alice", dirSent))
	var id string
	for _, n := range names {
		if !strings.Contains(n, sufBounced) {
			id = n
		}
	}
	if id == "" {
		t.Fatalf("no sent record: %v", names)
	}
	d := wantState(t, alice, id, StateBounced)
	if !strings.Contains(d.Reason, "could not take it") {
		t.Fatalf("bounced: %+v", d)
	}
}

// TestDeliveryStatusPermission: only the sender and the recipient learn
// anything about a message; anyone else is told not_found, as for an id
// that never existed.
func TestDeliveryStatusPermission(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice, bob, mallory := mustLogin(t, st, "alice"), mustLogin(t, st, "bob"), mustLogin(t, st, "mallory")
	r := mustSend(t, alice, "bob", "private")
	wantState(t, alice, r.ID, StateUnread)
	wantState(t, bob, r.ID, StateUnread)
	_, err := mallory.Status(ctx, r.ID)
	wantKind(t, err, NotFound)
	_, err2 := mallory.Status(ctx, "1.M1P1Q1R00.nowhere")
	wantKind(t, err2, NotFound)
	if err.Error() != strings.Replace(err2.Error(), "1.M1P1Q1R00.nowhere", r.ID, 1) {
		t.Fatalf("an existing id is told apart from a missing one:\n%v\n%v", err, err2)
	}
	wantKind(t, mallory.Ack(ctx, r.ID), NotFound)
	_, err = mallory.Status(ctx, "../bob/new/"+r.ID)
	wantKind(t, err, BadRequest)
}

// TestDeliveryFollowsRename: the recipient's rename moves the message and
// its records; the sender's status follows the name.
func TestDeliveryFollowsRename(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	r := mustSend(t, alice, "bob", "before the rename")
	peek, _ := bob.Peek(ctx, 1)
	RecordShown(peek[0], DoorHook)
	if _, err := bob.Rename(ctx, "bobby"); err != nil {
		t.Fatal(err)
	}
	d := wantState(t, alice, r.ID, StateSurfaced)
	if d.To != "bobby" || d.Requested != "bob" {
		t.Fatalf("after rename: %+v", d)
	}
}

// TestDeliveryClaimWithoutRecord: a claim whose process died between the
// rename into cur/ and its record is read, its door unknown; a record
// never exists for a message still in new/ claimed by nobody.
func TestDeliveryClaimWithoutRecord(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	r := mustSend(t, alice, "bob", "claimed by a process that died")
	// The claim's first step alone, as a killed process leaves it.
	src := st.boxPath("bob", dirNew, r.ID)
	if err := durable.Rename(src, st.boxPath("bob", dirCur, r.ID+infoSeen)); err != nil {
		t.Fatal(err)
	}
	d := wantState(t, alice, r.ID, StateRead)
	if d.ReadBy != "" || d.Reason == "" {
		t.Fatalf("read without record: %+v", d)
	}
}
