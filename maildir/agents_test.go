package maildir

import "testing"

// TestLookup: what the mailbox knows of a name, without registering it.
func TestLookup(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	bob := mustLogin(t, st, "bob")
	if _, err := bob.Rename(ctx, "robert"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id                 string
		registered, online bool
		forwards           string
	}{
		{"alice", true, true, ""},
		{"bob", false, false, "robert"},
		{"robert", true, true, ""},
		{"nobody", false, false, ""},
	} {
		n, err := st.Lookup(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if n.ID != c.id || n.Listed != c.registered || n.Online != c.online || n.ForwardsTo != c.forwards {
			t.Errorf("Lookup(%s) = %+v", c.id, n)
		}
	}
	alice.Close()
	if n, _ := st.Lookup(ctx, "alice"); !n.Listed || n.Online || n.LastSeen.IsZero() {
		t.Errorf("Lookup(alice) after Close = %+v", n)
	}
	if registered(t, st, "nobody") {
		t.Error("Lookup registered a name")
	}
	_, err := st.Lookup(ctx, "../x")
	wantKind(t, err, InvalidID)
}

// TestAgentsCountUrgent: Agents says, with each agent's unread count, how
// many of them are urgent, from the names of its new/.
func TestAgentsCountUrgent(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	mustSend(t, alice, "bob", "normal")
	for _, p := range []Priority{PriorityUrgent, PriorityHigh, PriorityUrgent} {
		if _, err := alice.SendPayload(ctx, "bob", Payload{Content: "now", Priority: p}); err != nil {
			t.Fatal(err)
		}
	}
	agents, err := st.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := agents[0], agents[1]; a.Unread != 0 || a.Urgent != 0 || b.ID != "bob" || b.Unread != 4 || b.Urgent != 2 {
		t.Errorf("agents = %+v", agents)
	}
}
