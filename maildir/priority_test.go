package maildir

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestUrgentMailIsCheckedFirst: a check returns urgent, then high, then
// normal mail, each in arrival order, and the unread summary counts the
// urgent from the names and names their senders first.
func TestUrgentMailIsCheckedFirst(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, carol, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "carol"), mustLogin(t, st, "bob")
	for _, s := range []struct {
		from *Session
		text string
		p    Priority
	}{{alice, "n1", ""}, {alice, "h1", PriorityHigh}, {alice, "n2", ""}, {carol, "u1", PriorityUrgent}, {alice, "h2", PriorityHigh}, {alice, "u2", PriorityUrgent}} {
		if _, err := s.from.SendPayload(ctx, "bob", Payload{Content: s.text, Priority: s.p}); err != nil {
			t.Fatal(err)
		}
	}
	u, err := bob.Unread(ctx)
	if err != nil || u.Count != 6 || u.Urgent != 2 || strings.Join(u.From, ",") != "carol,alice" {
		t.Fatalf("unread = %+v, %v", u, err)
	}
	first, err := bob.Check(ctx, CheckOptions{Max: 1})
	if err != nil || len(first.Messages) != 1 || first.Messages[0].Content != "u1" || first.Messages[0].Priority != PriorityUrgent {
		t.Fatalf("check --max 1 = %+v, %v", first.Messages, err)
	}
	if got := contents(mustCheck(t, bob)); fmt.Sprint(got) != "[u2 h1 h2 n1 n2]" {
		t.Fatalf("check order %v", got)
	}
	if u, _ := bob.Unread(ctx); u.Count != 0 || u.Urgent != 0 {
		t.Fatalf("unread after the checks: %+v", u)
	}
}

// TestNamePriority: the letter after the random digits is the priority;
// names of other formats, and ipc's own without the letter, are normal;
// the letter changes neither the time, the writer nor the id of a name.
func TestNamePriority(t *testing.T) {
	g := newNamer()
	now := time.Now()
	for _, p := range []Priority{PriorityNormal, PriorityHigh, PriorityUrgent} {
		n := g.nextFor(now, p)
		if got := namePriority(n); got != p {
			t.Errorf("namePriority(%q) = %q, want %q", n, got, p)
		}
		if nameTime(n) <= 0 || writerOf(n) != writerOf(g.next(now)) || baseID(n+infoSeen) != n {
			t.Errorf("name %q: time %d writer %q", n, nameTime(n), writerOf(n))
		}
	}
	for _, n := range []string{
		"1733052000.M123P45Q6.host",                // Python's mailbox
		"1733052000.M123P45Q6RU.host",              // no random digits
		"1733052000.M123P45Q6R0123456789ABCDEFU.h", // uppercase digits are not ipc's
		"1733052000.M1P1Q1R0123456789abcdefX.h",    // another letter
		"U", "1733052000.U", "", "1733052000.M1P1Q1R0123456789abcdef",
	} {
		if p := namePriority(n); p != PriorityNormal {
			t.Errorf("namePriority(%q) = %q, want normal", n, p)
		}
	}
}
