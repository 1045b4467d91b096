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
	alice := mustLogin(t, st, "alice")
	_, err := alice.Rename(ctx, HumanID)
	wantKind(t, err, InvalidID)
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
