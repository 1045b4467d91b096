package maildir

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// wantTimeline asks the overseer's Timeline for msgID and checks its state.
func wantTimeline(tb testing.TB, st *Store, msgID string, want State) (Delivery, Message) {
	tb.Helper()
	d, m, err := st.Timeline(context.Background(), msgID)
	if err != nil {
		tb.Fatalf("Timeline(%s): %v", msgID, err)
	}
	if d.State != want {
		tb.Fatalf("Timeline(%s) = %s (%+v), want %s", msgID, d.State, d, want)
	}
	if m.ID != msgID {
		tb.Fatalf("Timeline(%s) message id = %q", msgID, m.ID)
	}
	return d, m
}

// TestTimelineEveryState takes a message through queued, unread,
// surfaced, read, acknowledged and expired, and another through bounced,
// as the overseer sees them (no session of the sender or recipient), and
// checks that asking never marks anything.
func TestTimelineEveryState(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	st := mustOpen(t, Options{Now: clk.Now})
	alice := mustLogin(t, st, "alice")
	r, err := alice.SendPayload(ctx, "carol", Payload{Content: "hello carol", Subject: "plans", Priority: PriorityHigh})
	if err != nil {
		t.Fatal(err)
	}
	d, m := wantTimeline(t, st, r.ID, StateQueued)
	if d.From != "alice" || d.To != "carol" || m.Content != "hello carol" || m.Subject != "plans" || d.Priority != PriorityHigh {
		t.Fatalf("queued: %+v %+v", d, m)
	}

	carol := mustLogin(t, st, "carol")
	wantTimeline(t, st, r.ID, StateUnread)
	wantTimeline(t, st, r.ID, StateUnread) // asking twice marks nothing

	peek, err := carol.Peek(ctx, 10)
	if err != nil || len(peek) != 1 {
		t.Fatalf("peek = %v, %v", peek, err)
	}
	RecordShown(peek[0], DoorChannel)
	d, _ = wantTimeline(t, st, r.ID, StateSurfaced)
	if len(d.Surfaced) != 1 || d.Surfaced[0].Door != DoorChannel {
		t.Fatalf("surfaced: %+v", d.Surfaced)
	}

	if res, err := carol.Check(ctx, CheckOptions{Door: DoorHook}); err != nil || len(res.Messages) != 1 {
		t.Fatalf("check = %+v, %v", res, err)
	}
	d, m = wantTimeline(t, st, r.ID, StateRead)
	if d.ReadBy != DoorHook || d.ReadAt.IsZero() || !m.Read {
		t.Fatalf("read: %+v %+v", d, m)
	}
	if err := carol.Ack(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	d, _ = wantTimeline(t, st, r.ID, StateAcknowledged)
	if d.AckedAt.IsZero() {
		t.Fatalf("acknowledged: %+v", d)
	}

	lost := mustSend(t, alice, "ghost", "nobody takes this")
	wantTimeline(t, st, lost.ID, StateQueued)
	clk.Add(31 * 24 * time.Hour)
	if _, err := st.GC(ctx); err != nil {
		t.Fatal(err)
	}
	d, m = wantTimeline(t, st, r.ID, StateExpired)
	if d.EndedAt.IsZero() || !strings.Contains(d.Reason, "kept") || m.From != "alice" || m.To != "carol" || m.Subject != "plans" {
		t.Fatalf("expired: %+v %+v", d, m)
	}
	d, _ = wantTimeline(t, st, lost.ID, StateBounced)
	if !strings.Contains(d.Reason, "nobody registered ghost") {
		t.Fatalf("bounced: %+v", d)
	}
}

// TestTimelineWithoutRecord: a message no sender's record names (written
// by another tool) is found by its place, and an id nobody knows, or a
// malformed one, is refused.
func TestTimelineWithoutRecord(t *testing.T) {
	st := mustOpen(t, Options{})
	mustLogin(t, st, "bob")
	name := "1700000000.M1P1Q1R1.host"
	if err := os.WriteFile(st.boxPath("bob", dirNew, name), []byte("From: dave\nTo: bob\n\nhand made\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, m := wantTimeline(t, st, name, StateUnread)
	if d.From != "dave" || d.To != "bob" || m.Content != "hand made" {
		t.Fatalf("without record: %+v %+v", d, m)
	}
	_, _, err := st.Timeline(context.Background(), "1700000000.M2P1Q1R1.host")
	wantKind(t, err, NotFound)
	_, _, err = st.Timeline(context.Background(), "../x")
	wantKind(t, err, BadRequest)
}
