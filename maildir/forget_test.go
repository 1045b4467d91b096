package maildir

import (
	"context"
	"fmt"
	"maps"
	"os"
	"sync"
	"testing"
)

// registered reports whether id is listed by Agents.
func registered(t *testing.T, st *Store, id string) bool {
	t.Helper()
	agents, err := st.Agents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if a.ID == id {
			return true
		}
	}
	return false
}

// TestForgetRemovesTheName: a name registered once (a typo) and gone
// leaves the list, its record and its tokens; its mail stays where the
// result says, and the name registered again finds it. With RemoveMail
// the maildir goes too.
func TestForgetRemovesTheName(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	typo := mustLogin(t, st, "alcie")
	token, err := typo.IssueToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	typo.Close()
	mustSend(t, alice, "alcie", "lost letter")

	res, err := st.Forget(ctx, "alcie", ForgetOptions{Caller: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Registered || res.Tokens != 1 || res.MailRemoved || res.Mailbox != st.boxPath("alcie") {
		t.Fatalf("result = %+v", res)
	}
	if registered(t, st, "alcie") {
		t.Fatal("alcie is still listed")
	}
	if _, err := os.Stat(st.recordPath("alcie")); !os.IsNotExist(err) {
		t.Fatalf("record: %v", err)
	}
	if _, err := st.Resume(ctx, token); err == nil {
		t.Fatal("the forgotten name's token still works")
	}
	rebuilt, _ := st.rebuildAgents()
	if ix, _ := st.agents.load(); !maps.Equal(keys(ix), keys(rebuilt)) {
		t.Fatalf("agents index %v, records say %v", ix, rebuilt)
	}
	if _, err := os.Stat(res.Mailbox); err != nil {
		t.Fatalf("the mail was not kept: %v", err)
	}
	again := mustLogin(t, st, "alcie")
	if got := contents(mustCheck(t, again)); len(got) != 1 || got[0] != "lost letter" {
		t.Fatalf("alcie registered again reads %q", got)
	}
	again.Close()

	res, err = st.Forget(ctx, "alcie", ForgetOptions{RemoveMail: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.MailRemoved {
		t.Fatalf("result = %+v", res)
	}
	if _, err := os.Stat(res.Mailbox); !os.IsNotExist(err) {
		t.Fatalf("mailbox after RemoveMail: %v", err)
	}
	_, err = st.Forget(ctx, "alcie", ForgetOptions{})
	wantKind(t, err, NotFound)
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// TestForgetRefuses: the caller's own name, a name a live session holds
// (in this process or another), an unknown name and a malformed one.
func TestForgetRefuses(t *testing.T) {
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{})
	mustLogin(t, st, "alice")
	other := mustOpenAt(t, root, Options{})
	mustLogin(t, other, "bob")
	mustSend(t, mustLogin(t, st, "carol"), "dave", "queued")

	for _, c := range []struct {
		id, caller string
		opt        bool
		kind       Kind
	}{
		{"carol", "carol", false, BadRequest},
		{"alice", "", false, InUse},
		{"bob", "alice", false, InUse},
		{"nobody", "", false, NotFound},
		{"dave", "", false, NotFound}, // queued mail only: kept unless asked
		{"../x", "", false, InvalidID},
	} {
		_, err := st.Forget(ctx, c.id, ForgetOptions{Caller: c.caller, RemoveMail: c.opt})
		if KindOf(err) != c.kind {
			t.Errorf("Forget(%q, caller %q) = %v, want %s", c.id, c.caller, err, c.kind)
		}
	}
	if !registered(t, st, "alice") || !registered(t, st, "bob") {
		t.Fatal("a refused forget removed a live name")
	}
	// Mail queued for a name never registered goes with RemoveMail.
	if res, err := st.Forget(ctx, "dave", ForgetOptions{RemoveMail: true}); err != nil || !res.MailRemoved || res.Registered {
		t.Fatalf("Forget(dave, RemoveMail) = %+v, %v", res, err)
	}
}

// TestForgetEndsForwarding: forgetting a renamed agent frees its old name
// (no longer forwarded), and forgetting an old name ends its forwarding.
func TestForgetEndsForwarding(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	bob := mustLogin(t, st, "bob")
	if _, err := bob.Rename(ctx, "robert"); err != nil {
		t.Fatal(err)
	}
	bob.Close()
	res, err := st.Forget(ctx, "robert", ForgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Forwards) != 1 || res.Forwards[0] != "bob" {
		t.Fatalf("forwards ended = %v", res.Forwards)
	}
	if r := mustSend(t, alice, "bob", "to the old name"); r.To != "bob" {
		t.Fatalf("mail for bob went to %s", r.To)
	}
	if fw, _ := st.forward.load(); len(fw) != 0 {
		t.Fatalf("forward index = %v", fw)
	}
	if fw, _ := st.rebuildForward(); len(fw) != 0 {
		t.Fatalf("records rebuild forwarding %v", fw)
	}
	mustLogin(t, st, "bob").Close() // free again, not Forwarded

	carol := mustLogin(t, st, "carol")
	if _, err := carol.Rename(ctx, "caroline"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Forget(ctx, "carol", ForgetOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := mustSend(t, alice, "carol", "x"); r.To != "carol" {
		t.Fatalf("carol still forwards to %s", r.To)
	}
	if !registered(t, st, "caroline") {
		t.Fatal("forgetting the old name removed the new one")
	}
}

// TestForgetRacesRegistration: a registration of a name and a Forget of
// it, from two stores (as two processes would) at once, end in one of two
// orders and never in between: the registration's session, while it
// lasts, is listed, holds its record and its maildir (the Forget was
// refused in_use); or the Forget came first and the registration made the
// name anew, or failed in_use while the Forget held the name. The agents
// index always agrees with the records.
func TestForgetRacesRegistration(t *testing.T) {
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{})
	b := mustOpenAt(t, root, Options{})
	orders := map[string]int{}
	for i := range trials(40, 400) {
		id := fmt.Sprintf("x%d", i)
		mustLogin(t, a, id).Close()
		var (
			wg         sync.WaitGroup
			s          *Session
			lerr, ferr error
		)
		start := make(chan struct{})
		wg.Go(func() { <-start; s, lerr = b.Login(ctx, id, "") })
		wg.Go(func() { <-start; _, ferr = a.Forget(ctx, id, ForgetOptions{}) })
		close(start)
		wg.Wait()
		orders[fmt.Sprintf("login %s, forget %s", kindOrOK(lerr), kindOrOK(ferr))]++
		switch {
		case lerr == nil:
			if ferr != nil && KindOf(ferr) != InUse {
				t.Fatalf("trial %d: forget: %v", i, ferr)
			}
			if !registered(t, a, id) {
				t.Fatalf("trial %d: a live registration is not listed (forget: %v)", i, ferr)
			}
			if _, err := os.Stat(a.recordPath(id)); err != nil {
				t.Fatalf("trial %d: a live registration lost its record: %v", i, err)
			}
			if _, err := os.Stat(a.boxPath(id, dirNew)); err != nil {
				t.Fatalf("trial %d: a live registration lost its maildir: %v", i, err)
			}
			s.Close()
		case KindOf(lerr) == InUse && ferr == nil:
			if registered(t, a, id) {
				t.Fatalf("trial %d: forgotten but listed", i)
			}
		default:
			t.Fatalf("trial %d: login %v, forget %v", i, lerr, ferr)
		}
		rebuilt, _ := a.rebuildAgents()
		ix, err := a.agents.load()
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(keys(ix), keys(rebuilt)) {
			t.Fatalf("trial %d: agents index %v, records say %v", i, ix, rebuilt)
		}
	}
	t.Logf("figures: %s: outcomes %v", t.Name(), orders)
}

// kindOrOK names an outcome: "ok" or the error's kind.
func kindOrOK(err error) string {
	if err == nil {
		return "ok"
	}
	return string(KindOf(err))
}
