package maildir

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/ipc-dev/ipc/internal/readcount"
)

// TestSentListsTheOutboxNewestFirst: pages of 2 walk five messages from
// the newest, each with its state, subject, priority and thread, and an
// old record without the conversation fields still lists.
func TestSentListsTheOutboxNewestFirst(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	first, err := alice.SendPayload(ctx, "bob", Payload{Content: "one", Subject: "plan", Priority: PriorityHigh})
	if err != nil {
		t.Fatal(err)
	}
	mustSend(t, alice, "bob", "two")
	mustCheck(t, bob)
	if err := bob.Ack(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	reply, err := alice.Reply(ctx, first.ID, Payload{Content: "three"})
	if err != nil {
		t.Fatal(err)
	}
	mustSend(t, alice, "nobody-yet", "four")
	old := mustSend(t, alice, "bob", "five")
	if err := os.WriteFile(st.boxPath("alice", dirSent, old.ID), fmt.Appendf(nil, `{"id":%q,"to":"bob","requested":"bob","sent_at":"2026-01-01T00:00:00Z"}`+"\n", old.ID), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []Delivery
	pg := Page{Limit: 2}
	for {
		p, err := alice.Sent(ctx, pg)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Deliveries...)
		if p.Next == "" {
			break
		}
		pg.After = p.Next
	}
	if len(got) != 5 {
		t.Fatalf("sent listed %d messages: %+v", len(got), got)
	}
	want := []struct {
		id    string
		state State
		to    string
	}{{old.ID, StateUnread, "bob"}, {"", StateQueued, "nobody-yet"}, {reply.ID, StateUnread, "bob"}, {"", StateRead, "bob"}, {first.ID, StateAcknowledged, "bob"}}
	for i, w := range want {
		if w.id != "" && got[i].ID != w.id || got[i].State != w.state || got[i].To != w.to {
			t.Errorf("sent[%d] = %+v, want %+v", i, got[i], w)
		}
	}
	if d := got[4]; d.Subject != "plan" || d.Priority != PriorityHigh || d.Thread != "" {
		t.Errorf("first message: %+v", d)
	}
	if d := got[2]; d.Subject != "Re: plan" || d.Thread != first.ID {
		t.Errorf("reply: %+v", d)
	}
	if d, err := alice.Status(ctx, first.ID); err != nil || d.Subject != "plan" {
		t.Errorf("status: %+v, %v", d, err)
	}
	if p, err := bob.Sent(ctx, Page{}); err != nil || len(p.Deliveries) != 0 {
		t.Errorf("bob's outbox: %+v, %v", p, err)
	}
	_, err = alice.Sent(ctx, Page{After: "a/b"})
	wantKind(t, err, BadRequest)
}

// TestSentPageReadsOnlyItsRecords: a page of 10 of 5,000 sent records
// costs the reads of a page of 10 of 20.
func TestSentPageReadsOnlyItsRecords(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts read system calls through /proc/self/io")
	}
	st := mustOpen(t, Options{})
	big, small := mustLogin(t, st, "big"), mustLogin(t, st, "small")
	mustLogin(t, st, "bob")
	fill := func(sender string, n int) {
		for range n {
			m := Message{ID: st.names.next(st.now()), From: sender, To: "bob", Time: st.now()}
			st.recordSent(&m, nil)
		}
	}
	fill("big", 5_000)
	fill("small", 20)
	page := func(s *Session) {
		if p, err := s.Sent(ctx, Page{Limit: 10}); err != nil || len(p.Deliveries) != 10 || p.Next == "" {
			t.Fatalf("page: %d, %q, %v", len(p.Deliveries), p.Next, err)
		}
	}
	few := readcount.Of(t, 3, func() { page(small) })
	many := readcount.Of(t, 3, func() { page(big) })
	if many > few+readSlack {
		t.Fatalf("a page made %d read calls among 5,000 records, %d among 20", many, few)
	}
}

// TestReadOpensMailTheSessionSent: the sender reads a message it sent,
// unread by its recipient, without claiming it; a third agent cannot.
func TestReadOpensMailTheSessionSent(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "bob"), mustLogin(t, st, "carol")
	sent := mustSend(t, bob, "alice", "the plan")
	m, err := bob.Read(ctx, sent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Content != "the plan" || m.From != "bob" || m.To != "alice" || m.Read {
		t.Errorf("bob read his own message as %+v", m)
	}
	if got := contents(mustCheck(t, alice)); len(got) != 1 || got[0] != "the plan" {
		t.Errorf("alice's check after bob's read: %q", got)
	}
	if m, err := bob.Read(ctx, sent.ID); err != nil || !m.Read {
		t.Errorf("after alice's check bob reads %+v, %v", m, err)
	}
	_, err = carol.Read(ctx, sent.ID)
	wantKind(t, err, NotFound)
}
