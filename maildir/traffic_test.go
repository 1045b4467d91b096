package maildir

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// followed collects what a Traffic hands over, in a goroutine the test's
// cleanup ends and joins.
type followed struct {
	mu   sync.Mutex
	msgs []Message
	err  error
	stop func()
}

// follow starts Traffic(q) on st and waits until it has handed over the
// backlog, which must hold ready (a message sent for it) when ready is not
// "": from then on, whatever lands is live.
func follow(tb testing.TB, st *Store, q TrafficQuery, ready string) *followed {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &followed{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := st.Traffic(ctx, q, func(m Message) error {
			f.mu.Lock()
			f.msgs = append(f.msgs, m)
			f.mu.Unlock()
			return nil
		})
		f.mu.Lock()
		f.err = err
		f.mu.Unlock()
	}()
	f.stop = func() { cancel(); <-done }
	tb.Cleanup(f.stop)
	if ready != "" {
		f.waitFor(tb, ready)
	}
	return f
}

func (f *followed) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.msgs))
	for i, m := range f.msgs {
		out[i] = m.ID
	}
	return out
}

func (f *followed) waitFor(tb testing.TB, ids ...string) {
	tb.Helper()
	ipctest.WaitFor(tb, fmt.Sprintf("traffic to show %d messages", len(ids)), func() bool {
		got := f.ids()
		for _, id := range ids {
			if !slices.Contains(got, id) {
				return false
			}
		}
		return true
	})
}

// onceEach fails unless every id of got is distinct.
func onceEach(tb testing.TB, got []string) {
	tb.Helper()
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			tb.Fatalf("%s shown twice in %v", id, got)
		}
		seen[id] = true
	}
}

// unreadNames lists the entries of id's new/.
func unreadNames(tb testing.TB, st *Store, id string) []string {
	tb.Helper()
	names, err := listDir(st.boxPath(id, dirNew))
	if err != nil {
		tb.Fatal(err)
	}
	return names
}

// TestTrafficBacklogThenLive: the latest messages of the backlog come
// first, oldest first, then mail as it lands, and nothing is claimed.
func TestTrafficBacklogThenLive(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	var sent []string
	for i := range 5 {
		sent = append(sent, mustSend(t, alice, "bob", fmt.Sprint("old ", i)).ID)
	}
	f := follow(t, st, TrafficQuery{Backlog: 3}, sent[4])
	if got := f.ids(); !slices.Equal(got, sent[2:]) {
		t.Fatalf("backlog = %v, want the latest three oldest first %v", got, sent[2:])
	}
	live := []string{mustSend(t, alice, "bob", "new 1").ID, mustSend(t, alice, "carol", "new 2").ID}
	f.waitFor(t, live...)
	if got := f.ids(); !slices.Equal(got, append(sent[2:], live...)) {
		t.Fatalf("traffic = %v", got)
	}
	if n := len(unreadNames(t, st, "bob")); n != 6 {
		t.Fatalf("bob has %d unread after the traffic was followed, want 6 (nothing claimed)", n)
	}
	if _, err := os.Stat(st.boxPath("bob", dirState)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("following left state records: %v", err)
	}
}

// TestTrafficSince: Since starts the backlog at a time.
func TestTrafficSince(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	first := mustSend(t, alice, "bob", "before")
	second := mustSend(t, alice, "bob", "after")
	f := follow(t, st, TrafficQuery{Since: timeFromMicros(nameTime(first.ID) + 1)}, second.ID)
	if got := f.ids(); !slices.Equal(got, []string{second.ID}) {
		t.Fatalf("since = %v, want only the later message", got)
	}
}

// TestTrafficRacingClaimer: over many trials, a reader of another process
// claims each message as it lands (new/ -> cur/) while the traffic is
// followed from a third: every message is shown exactly once.
func TestTrafficRacingClaimer(t *testing.T) {
	root := t.TempDir()
	sender := mustOpenAt(t, root, Options{})
	claimer := mustOpenAt(t, root, Options{})
	watcher := mustOpenAt(t, root, Options{})
	alice := mustLogin(t, sender, "alice")
	bob := mustLogin(t, claimer, "bob")
	const trials, perTrial = 30, 20
	for trial := range trials {
		ready := mustSend(t, alice, "bob", "ready").ID
		f := follow(t, watcher, TrafficQuery{Backlog: 1}, ready)
		ctx, cancel := context.WithCancel(context.Background())
		var claims sync.WaitGroup
		claims.Go(func() {
			for ctx.Err() == nil {
				if _, err := bob.Check(ctx, CheckOptions{}); err != nil && ctx.Err() == nil {
					t.Errorf("claimer: %v", err)
					return
				}
			}
		})
		var want []string
		for i := range perTrial {
			want = append(want, mustSend(t, alice, "bob", fmt.Sprint(trial, " ", i)).ID)
		}
		f.waitFor(t, want...)
		cancel()
		claims.Wait()
		end := mustSend(t, alice, "bob", "end").ID
		f.waitFor(t, end)
		got := f.ids()
		onceEach(t, got)
		if len(got) != perTrial+2 {
			t.Fatalf("trial %d: %d shown, want %d: %v", trial, len(got), perTrial+2, got)
		}
		f.stop()
		mustCheck(t, bob)
	}
}

// TestTrafficRename: a rename moves the renamed agent's maildir, and mail
// to its old name is forwarded: nothing is shown twice, and mail sent
// after it is shown once.
func TestTrafficRename(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	bob := mustLogin(t, st, "bob")
	before := mustSend(t, alice, "bob", "before the rename").ID
	f := follow(t, st, TrafficQuery{Backlog: 1}, before)
	if _, err := bob.Rename(ctx, "bob2"); err != nil {
		t.Fatal(err)
	}
	after := mustSend(t, alice, "bob", "to the old name").ID
	f.waitFor(t, after)
	end := mustSend(t, alice, "bob2", "end").ID
	f.waitFor(t, end)
	got := f.ids()
	onceEach(t, got)
	if slices.Index(got, before) != 0 {
		t.Fatalf("traffic = %v", got)
	}
	if _, _, found := st.locate("bob2", after); !found {
		t.Fatalf("the forwarded message is not in bob2's maildir")
	}
}

// TestTrafficFilters: Boxes [me] is mail received and sent by me; From
// and Thread narrow it.
func TestTrafficFilters(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	bob := mustLogin(t, st, "bob")
	carol := mustLogin(t, st, "carol")
	root := mustSend(t, alice, "bob", "a question").ID
	mine := follow(t, st, TrafficQuery{Boxes: []string{"bob"}, Backlog: 1}, root)
	fromCarol := follow(t, st, TrafficQuery{From: "carol", Backlog: 1}, "")
	thread := follow(t, st, TrafficQuery{Thread: root, Backlog: 1}, root)

	others := mustSend(t, alice, "carol", "not bob's").ID
	carolToBob := mustSend(t, carol, "bob", "from carol").ID
	reply, err := bob.Reply(ctx, root, Payload{Content: "an answer"})
	if err != nil {
		t.Fatal(err)
	}
	bobToCarol := mustSend(t, bob, "carol", "bob writes").ID
	end := mustSend(t, carol, "bob", "end").ID

	mine.waitFor(t, end)
	if got := mine.ids(); !slices.Equal(got, []string{root, carolToBob, reply.ID, bobToCarol, end}) {
		t.Fatalf("bob's traffic = %v (alice to carol is %s)", got, others)
	}
	fromCarol.waitFor(t, end)
	if got := fromCarol.ids(); !slices.Equal(got, []string{carolToBob, end}) {
		t.Fatalf("from carol = %v", got)
	}
	thread.waitFor(t, reply.ID)
	mustSend(t, alice, "bob", "outside")
	ends := mustSend(t, alice, "bob", "done")
	if _, err := alice.Reply(ctx, reply.ID, Payload{Content: "thanks"}); err != nil {
		t.Fatal(err)
	}
	ipctest.WaitFor(t, "the thread's third message", func() bool { return len(thread.ids()) == 3 })
	if got := thread.ids(); got[0] != root || got[1] != reply.ID || slices.Contains(got, ends.ID) {
		t.Fatalf("thread = %v", got)
	}
	wantKind(t, st.Traffic(ctx, TrafficQuery{Thread: "1.M1P1Q1R1.nowhere"}, nil), NotFound)
	wantKind(t, st.Traffic(ctx, TrafficQuery{Boxes: []string{"../x"}}, nil), InvalidID)
}

// TestTrafficForgets: the ids a follower remembers are bounded by time:
// past trafficSlack they are forgotten, and names that old are not shown.
func TestTrafficForgets(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	fl, err := st.newFollower(OpWait, TrafficQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fl.backlog(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		fl.seen[fmt.Sprint("1.M", i)] = 1 // long gone
	}
	fl.floor -= 2e6                   // the follower began a while ago (2 s, in µs)
	old := "1000000000.M1P1Q1R1.host" // lands late with a name from 2001
	if err := os.WriteFile(st.boxPath("alice", dirNew, old), []byte("From: x\n\nold\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := mustSend(t, alice, "bob", "new").ID
	var got []string
	if err := fl.round(context.Background(), func(m Message) error { got = append(got, m.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{id}) {
		t.Fatalf("round = %v, want only the new message", got)
	}
	if len(fl.seen) != 1 {
		t.Fatalf("%d ids remembered, want 1", len(fl.seen))
	}
}

// TestTrafficLiveFrom: mail sent after the follower's live part began but
// before Traffic listed the directories (a door's request came in, then
// the follower started) is handed over as live, once; mail sent before is
// not, without a backlog.
func TestTrafficLiveFrom(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	before := mustSend(t, alice, "bob", "before the request").ID
	// The live part begins just after that message's name; the names of
	// one store's later mail are later still.
	began := timeFromMicros(nameTime(before) + 1)
	early := mustSend(t, alice, "bob", "after the request, before the follower").ID
	f := follow(t, st, TrafficQuery{LiveFrom: began}, early)
	late := mustSend(t, alice, "bob", "live").ID
	f.waitFor(t, late)
	if got := f.ids(); !slices.Equal(got, []string{early, late}) {
		t.Fatalf("traffic = %v, want %v (not %s, sent before the live part)", got, []string{early, late}, before)
	}
}
