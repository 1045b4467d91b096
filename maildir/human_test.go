package maildir

import (
	"context"
	"strings"
	"testing"
)

// TestHumanReserved: no agent registers or renames itself to the human's
// name, whichever login it uses, and the refusal names the console.
func TestHumanReserved(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	for name, login := range map[string]func() (*Session, error){
		"Login":      func() (*Session, error) { return st.Login(ctx, HumanID, "") },
		"LoginLocal": func() (*Session, error) { return st.LoginLocal(ctx, HumanID) },
		"JoinLocal":  func() (*Session, error) { return st.JoinLocal(ctx, HumanID) },
	} {
		_, err := login()
		wantKind(t, err, InvalidID)
		if !strings.Contains(err.Error(), "console") {
			t.Errorf("%s(human) = %v: the refusal should name the console", name, err)
		}
	}
	// Any case of a reserved name is refused: it would pass for the person
	// or the mailbox to other agents, and names the same mailbox where the
	// filesystem ignores case.
	for _, id := range []string{"Human", "HUMAN", "System", "SYSTEM"} {
		_, err := st.Login(ctx, id, "")
		wantKind(t, err, InvalidID)
	}
	alice := mustLogin(t, st, "alice")
	for _, id := range []string{HumanID, "Human"} {
		_, err := alice.Rename(ctx, id)
		wantKind(t, err, InvalidID)
	}
	for _, to := range []string{"Human", "SYSTEM"} {
		_, err := alice.Send(ctx, to, "hi", nil)
		wantKind(t, err, InvalidID)
	}
	h, err := st.Human(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Rename(ctx, "somebody")
	wantKind(t, err, BadRequest)
}

// TestHumanJoinable: several consoles, in this process and another, act as
// the human at once; mail to the human lands in its own maildir, it is
// listed, and it answers agents like any agent.
func TestHumanJoinable(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{})
	b := mustOpenAt(t, root, Options{}) // another process's console
	first, err := a.Human(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.Human(ctx) // a second console of the same process
	if err != nil || !second.Shared() || second.ID() != HumanID {
		t.Fatalf("second console = %v, %v", second, err)
	}
	other, err := b.Human(ctx)
	if err != nil || !other.Shared() {
		t.Fatalf("another process's console = %v, %v", other, err)
	}
	alice := mustLogin(t, a, "alice")
	r := mustSend(t, alice, HumanID, "need a decision")
	if _, _, found := a.locate(HumanID, r.ID); !found {
		t.Fatalf("mail to the human is not in mail/human/new")
	}
	mustSend(t, other, "alice", "go ahead")
	if got := mustCheck(t, alice); len(got) != 1 || got[0].From != HumanID {
		t.Fatalf("alice got %+v, want the human's answer", got)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	mustSend(t, first, "alice", "still here") // closing a console leaves the others
	agents, err := a.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var human *Agent
	for i := range agents {
		if agents[i].ID == HumanID {
			human = &agents[i]
		}
	}
	if human == nil || !human.Online || human.Unread != 1 {
		t.Fatalf("Agents = %+v, want the human online with 1 unread", agents)
	}
}

// TestHumanStepsIntoAnyConversation: the human at the console may answer
// mail between two agents it neither sent nor received. A send with
// ReplyTo goes to whom the human addresses, Reply to the original's
// sender, and both join the original's thread; an agent still gets
// NotFound for mail that is not its own.
func TestHumanStepsIntoAnyConversation(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice, bob, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "bob"), mustLogin(t, st, "carol")
	orig, err := alice.SendPayload(ctx, "bob", Payload{Content: "drop the users table?", Subject: "migration"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := st.Human(ctx)
	if err != nil {
		t.Fatal(err)
	}
	toBob, err := h.SendPayload(ctx, "bob", Payload{Content: "no: wait for the backup", ReplyTo: orig.ID})
	if err != nil || toBob.To != "bob" {
		t.Fatalf("the human's send in alice's thread to bob: %+v, %v", toBob, err)
	}
	toAlice, err := h.Reply(ctx, orig.ID, Payload{Content: "ask me first next time"})
	if err != nil || toAlice.To != "alice" {
		t.Fatalf("the human's Reply to alice->bob mail: %+v, %v, want it to go to alice", toAlice, err)
	}
	got := mustCheck(t, bob)
	if len(got) != 2 || got[0].ID != orig.ID || got[1].ID != toBob.ID {
		t.Fatalf("bob got %+v, want alice's message, then the human's", got)
	}
	for _, m := range append(got[1:], mustCheck(t, alice)...) {
		if m.From != HumanID || m.InReplyTo != orig.ID || m.ThreadID() != orig.ID ||
			len(m.References) != 1 || m.References[0] != orig.ID || m.Subject != "Re: migration" {
			t.Errorf("the human's answer = %+v, want it in alice's thread", m)
		}
	}
	_, err = carol.SendPayload(ctx, "bob", Payload{Content: "me too", ReplyTo: orig.ID})
	wantKind(t, err, NotFound)
	_, err = carol.Reply(ctx, orig.ID, Payload{Content: "me too"})
	wantKind(t, err, NotFound)
	_, err = h.SendPayload(ctx, "bob", Payload{Content: "x", ReplyTo: "1712000000.nowhere"})
	wantKind(t, err, NotFound)
}

// TestBroadcastSkipsTheHuman: an agent's broadcast reaches every other
// agent, not the human's mailbox; the human's broadcast reaches every
// agent.
func TestBroadcastSkipsTheHuman(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	h, err := st.Human(ctx)
	if err != nil {
		t.Fatal(err)
	}
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	mustLogin(t, st, "carol")
	r, err := alice.Broadcast(ctx, "to the agents", nil)
	if err != nil || strings.Join(r.To, ",") != "bob,carol" {
		t.Fatalf("alice's broadcast went to %v (%v), want bob and carol", r.To, err)
	}
	if u, err := h.Unread(ctx); err != nil || u.Count != 0 {
		t.Errorf("the human's unread after a broadcast: %+v %v, want none", u, err)
	}
	r, err = h.Broadcast(ctx, "from the console", nil)
	if err != nil || strings.Join(r.To, ",") != "alice,bob,carol" {
		t.Fatalf("the human's broadcast went to %v (%v), want every agent", r.To, err)
	}
}
