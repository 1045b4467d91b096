package maildir

import (
	"reflect"
	"testing"
)

// TestReplyGoesBackInTheThread: an answer to a message received goes to
// its sender, an answer to a message sent goes to its recipient, both in
// the thread with "Re: " once, and each keeps the priority and the
// acknowledgement request its own payload gives.
func TestReplyGoesBackInTheThread(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	first, err := alice.SendPayload(ctx, "bob", Payload{Content: "freeze the auth module?", Subject: "auth"})
	if err != nil {
		t.Fatal(err)
	}
	r1, err := bob.Reply(ctx, first.ID, Payload{Content: "yes", Priority: PriorityUrgent, Ack: true})
	if err != nil || r1.To != "alice" {
		t.Fatalf("bob's reply: %+v, %v", r1, err)
	}
	r2, err := bob.Reply(ctx, r1.ID, Payload{Content: "and tell carol", Subject: "carol too"})
	if err != nil || r2.To != "alice" {
		t.Fatalf("bob's reply to his own message goes to its recipient: %+v, %v", r2, err)
	}
	got := mustCheck(t, alice)
	if len(got) != 2 {
		t.Fatalf("alice got %d messages", len(got))
	}
	m1, m2 := got[0], got[1]
	if m1.ID != r1.ID || m1.Subject != "Re: auth" || m1.InReplyTo != first.ID || m1.ThreadID() != first.ID ||
		!reflect.DeepEqual(m1.References, []string{first.ID}) || m1.Priority != PriorityUrgent || !m1.AckRequested {
		t.Errorf("first reply = %+v", m1)
	}
	if m2.Subject != "carol too" || m2.InReplyTo != r1.ID || m2.ThreadID() != first.ID ||
		!reflect.DeepEqual(m2.References, []string{first.ID, r1.ID}) || m2.Priority != PriorityNormal || m2.AckRequested {
		t.Errorf("second reply = %+v", m2)
	}
	r3, err := alice.Reply(ctx, m2.ID, Payload{Content: "done"})
	if err != nil || r3.To != "bob" {
		t.Fatalf("alice's reply: %+v, %v", r3, err)
	}
	got = mustCheck(t, bob) // the first message, then the answer
	if m := got[len(got)-1]; m.Subject != "Re: carol too" || m.ThreadID() != first.ID || len(m.References) != 3 {
		t.Errorf("third reply = %+v", m)
	}
}

// TestReplyToABroadcastGoesToItsSenderOnly.
func TestReplyToABroadcastGoesToItsSenderOnly(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "bob"), mustLogin(t, st, "carol")
	if _, err := alice.BroadcastPayload(ctx, Payload{Content: "release at 5", Subject: "release"}); err != nil {
		t.Fatal(err)
	}
	copyOfBob := mustCheck(t, bob)[0]
	mustCheck(t, carol)
	r, err := bob.Reply(ctx, copyOfBob.ID, Payload{Content: "ok"})
	if err != nil || r.To != "alice" {
		t.Fatalf("reply: %+v, %v", r, err)
	}
	if got := mustCheck(t, carol); len(got) != 0 {
		t.Errorf("carol got the reply to a broadcast: %+v", got)
	}
	if got := mustCheck(t, alice); len(got) != 1 || got[0].Subject != "Re: release" || got[0].Kind != KindDirect {
		t.Errorf("alice got %+v", got)
	}
}

// TestReplyRefusals: a notice of the mailbox, another agent's message, a
// malformed id and a file written by hand without a sender are refused
// with a clear kind, and nothing is sent.
func TestReplyRefusals(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	mustLogin(t, st, "carol")
	notice := Message{From: SystemID, Kind: KindSystem, To: "bob", Time: st.now(), Content: "alice is now alicia"}
	if err := st.deliver(&notice); err != nil {
		t.Fatal(err)
	}
	_, err := bob.Reply(ctx, notice.ID, Payload{Content: "thanks"})
	wantKind(t, err, BadRequest)

	toCarol := mustSend(t, alice, "carol", "private")
	_, err = bob.Reply(ctx, toCarol.ID, Payload{Content: "let me in"})
	wantKind(t, err, NotFound)

	_, err = bob.Reply(ctx, "../x", Payload{Content: "x"})
	wantKind(t, err, BadRequest)

	_, err = bob.Reply(ctx, notice.ID, Payload{Content: "x", Priority: "asap"})
	wantKind(t, err, BadRequest)

	if got := mustCheck(t, alice); len(got) != 0 {
		t.Errorf("a refused reply was delivered: %+v", got)
	}
}
