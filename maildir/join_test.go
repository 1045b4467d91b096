package maildir

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
)

// TestJoinLocalActsBesideTheHolder: with carol held by another command of
// this user on this machine, JoinLocal acts as carol without taking her
// presence: it sends, checks and reads history; it may not rename or take
// a token; Login still refuses the name; closing it leaves the holder as
// it was; once the holder is gone, JoinLocal takes the name itself.
func TestJoinLocalActsBesideTheHolder(t *testing.T) {
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{}) // the terminal running ipc watch
	b := mustOpenAt(t, root, Options{}) // the second terminal
	holder := mustJoin(t, a, "carol")
	bob := mustLogin(t, a, "bob")

	_, err := b.LoginLocal(ctx, "carol")
	wantKind(t, err, InUse)
	shared, err := b.JoinLocal(ctx, "carol")
	if err != nil {
		t.Fatalf("JoinLocal(carol) beside its holder: %v", err)
	}
	if !shared.Shared() || shared.ID() != "carol" {
		t.Fatalf("JoinLocal = %s shared %v, want carol shared", shared.ID(), shared.Shared())
	}
	mustSend(t, bob, "carol", "question")
	if got := contents(mustCheck(t, shared)); len(got) != 1 || got[0] != "question" {
		t.Fatalf("shared check = %q, want the question", got)
	}
	if got := mustCheck(t, holder); len(got) != 0 {
		t.Fatalf("holder's check after the shared one = %q, want nothing (claimed once)", contents(got))
	}
	mustSend(t, shared, "bob", "answer")
	if got := mustCheck(t, bob); len(got) != 1 || got[0].From != "carol" {
		t.Fatalf("bob's check = %+v, want the answer from carol", got)
	}
	if h, err := shared.History(ctx, 0); err != nil || len(h) != 1 {
		t.Fatalf("shared history = %q, %v; want the question", contents(h), err)
	}
	_, err = shared.Rename(ctx, "carla")
	wantKind(t, err, InUse)
	_, err = shared.IssueToken(ctx)
	wantKind(t, err, InUse)

	before, _, _, _ := a.readRecord("carol")
	if err := shared.Close(); err != nil {
		t.Fatal(err)
	}
	after, _, _, _ := a.readRecord("carol")
	if after.PID != before.PID || after.Nonce != before.Nonce || after.Nonce != a.nonce {
		t.Fatalf("record after the shared close = %+v, want the holder's %+v", after, before)
	}
	if agents, _ := b.Agents(ctx); !online(agents, "carol") {
		t.Fatalf("agents after the shared close = %+v, want carol online", agents)
	}
	if _, err := holder.Check(ctx, CheckOptions{}); err != nil {
		t.Fatalf("holder after the shared close: %v", err)
	}

	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	own, err := b.JoinLocal(ctx, "carol")
	if err != nil || own.Shared() {
		t.Fatalf("JoinLocal of a free name = shared %v, %v; want the name itself", own != nil && own.Shared(), err)
	}
}

// TestJoinLocalRefusesAnAgent: a name an agent holds (Login, LoginLocal)
// is not joined: InUse, as before.
func TestJoinLocalRefusesAnAgent(t *testing.T) {
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{})
	b := mustOpenAt(t, root, Options{})
	if _, err := a.LoginLocal(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	_, err := b.JoinLocal(ctx, "carol")
	wantKind(t, err, InUse)
}

// TestJoinLocalRefusesAHolderElsewhere: a holder on another host is not
// this user's other terminal: InUse.
func TestJoinLocalRefusesAHolderElsewhere(t *testing.T) {
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{})
	b := mustOpenAt(t, root, Options{})
	mustJoin(t, a, "carol")
	rec, _, _, err := a.readRecord("carol")
	if err != nil {
		t.Fatal(err)
	}
	rec.Host = "another-machine"
	raw, _ := json.Marshal(rec)
	if err := os.WriteFile(a.recordPath("carol"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = b.JoinLocal(ctx, "carol")
	wantKind(t, err, InUse)
}

// TestJoinLocalClaimsExactlyOnce: the holder and a shared session check
// the same mailbox at once; every message is claimed by exactly one of
// them. 20 trials by default, 200 with IPC_LONG=1.
func TestJoinLocalClaimsExactlyOnce(t *testing.T) {
	trials := 20
	if os.Getenv("IPC_LONG") == "1" {
		trials = 200
	}
	const perTrial = 30
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{RateBurst: -1})
	b := mustOpenAt(t, root, Options{RateBurst: -1})
	holder := mustJoin(t, a, "carol")
	bob := mustLogin(t, a, "bob")
	shared, err := b.JoinLocal(ctx, "carol")
	if err != nil || !shared.Shared() {
		t.Fatalf("JoinLocal: shared %v, %v", shared != nil && shared.Shared(), err)
	}
	for trial := 0; trial < trials; trial++ {
		for i := 0; i < perTrial; i++ {
			mustSend(t, bob, "carol", fmt.Sprintf("%d-%d", trial, i))
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for _, s := range []*Session{holder, shared} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					r, err := s.Check(ctx, CheckOptions{Max: 3})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, m := range r.Messages {
						seen[m.Content]++
					}
					mu.Unlock()
					if len(r.Messages) == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		for i := 0; i < perTrial; i++ {
			if n := seen[fmt.Sprintf("%d-%d", trial, i)]; n != 1 {
				t.Fatalf("trial %d: message %d claimed %d times, want once", trial, i, n)
			}
		}
	}
}

func online(agents []Agent, id string) bool {
	for _, a := range agents {
		if a.ID == id {
			return a.Online
		}
	}
	return false
}

// mustJoin is JoinLocal of a name nobody holds: the name itself.
func mustJoin(tb testing.TB, st *Store, id string) *Session {
	tb.Helper()
	s, err := st.JoinLocal(ctx, id)
	if err != nil || s.Shared() {
		tb.Fatalf("JoinLocal(%q) = shared %v, %v; want the name itself", id, s != nil && s.Shared(), err)
	}
	return s
}
