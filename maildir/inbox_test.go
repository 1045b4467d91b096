package maildir

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestInboxReadsWithoutPresence(t *testing.T) {
	root := t.TempDir()
	owner := mustOpenAt(t, root, Options{}) // the long-lived process acting as bob
	bob := mustLogin(t, owner, "bob")
	alice := mustLogin(t, owner, "alice")
	mustSend(t, alice, "bob", "one")
	mustSend(t, alice, "bob", "two")

	hook := mustOpenAt(t, root, Options{}) // a short process beside it
	if _, err := hook.Login(ctx, "bob", ""); KindOf(err) != InUse {
		t.Fatalf("Login(bob) from a second store = %v, want in_use", err)
	}
	in, err := hook.Inbox("bob", "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := in.Unread(ctx)
	if err != nil || u.Count != 2 || !reflect.DeepEqual(u.From, []string{"alice"}) {
		t.Fatalf("Unread = %+v, %v; want 2 from alice", u, err)
	}
	peeked, err := in.Peek(ctx, 1)
	if err != nil || !reflect.DeepEqual(contents(peeked), []string{"one"}) {
		t.Fatalf("Peek(1) = %q, %v", contents(peeked), err)
	}
	if got, err := bob.Peek(ctx, 0); err != nil || len(got) != 2 {
		t.Fatalf("Session.Peek = %q, %v; peeking must not claim", contents(got), err)
	}
	res, err := in.Check(ctx, CheckOptions{Max: 1})
	if err != nil || !reflect.DeepEqual(contents(res.Messages), []string{"one"}) || res.Remaining != 1 {
		t.Fatalf("Inbox.Check(max 1) = %q remaining %d, %v", contents(res.Messages), res.Remaining, err)
	}
	// The owner gets the rest, and nothing twice.
	if got := mustCheck(t, bob); !reflect.DeepEqual(contents(got), []string{"two"}) {
		t.Fatalf("owner check = %q, want [two]", contents(got))
	}
	// The Inbox changed nothing about presence: bob is still online and
	// held by the owner.
	agents, err := hook.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if a.ID == "bob" && !a.Online {
			t.Fatalf("bob went offline after an Inbox read: %+v", a)
		}
	}
}

func TestInboxRules(t *testing.T) {
	st := mustOpen(t, Options{Secret: "s3"})
	for _, id := range []string{"", "../etc", "a/b", "x y", "..", "abcdefghijklmnopqrstuvwxyz0123456", "system"} {
		if _, err := st.Inbox(id, Proof(id, "s3")); KindOf(err) != InvalidID {
			t.Errorf("Inbox(%q) = %v, want invalid_id", id, err)
		}
	}
	if _, err := st.Inbox("bob", Proof("bob", "wrong")); KindOf(err) != Denied {
		t.Errorf("Inbox with a wrong proof = %v, want denied", err)
	}
	if _, err := st.Inbox("bob", Proof("bob", "s3")); err != nil {
		t.Errorf("Inbox with the right proof: %v", err)
	}
}

func TestInboxFollowsRename(t *testing.T) {
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{})
	fred, alice := mustLogin(t, st, "fred"), mustLogin(t, st, "alice")
	if _, err := fred.Rename(ctx, "fred-debug"); err != nil {
		t.Fatal(err)
	}
	mustSend(t, alice, "fred", "to the old name")
	in, err := mustOpenAt(t, root, Options{}).Inbox("fred", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.Check(ctx, CheckOptions{})
	if err != nil || !reflect.DeepEqual(contents(res.Messages), []string{"to the old name"}) {
		t.Fatalf("Inbox(fred).Check after rename = %q, %v", contents(res.Messages), err)
	}
}

// TestWaitNew checks that WaitNew ignores mail already announced and
// returns when new mail lands, woken by the watcher.
func TestWaitNew(t *testing.T) {
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{})
	bob, alice := mustLogin(t, st, "bob"), mustLogin(t, st, "alice")
	first := mustSend(t, alice, "bob", "already here")

	in, err := mustOpenAt(t, root, Options{}).Inbox("bob", "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{first.ID: true}

	// Mail already announced does not end the wait.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := bob.WaitNew(short, seen); err != context.DeadlineExceeded {
		t.Fatalf("Session.WaitNew with nothing new = %v, want deadline exceeded", err)
	}

	long, cancel2 := context.WithTimeout(ctx, 30*time.Second)
	defer cancel2()
	done := make(chan error, 2)
	go func() { done <- bob.WaitNew(long, seen) }()
	go func() { done <- in.WaitNew(long, seen) }()
	mustSend(t, alice, "bob", "new")
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatalf("WaitNew after new mail = %v, want nil", err)
		}
	}
}
