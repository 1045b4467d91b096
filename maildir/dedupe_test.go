package maildir

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// breakBox makes the maildir of id unable to take mail: its tmp/ is a
// regular file.
func breakBox(t *testing.T, st *Store, id string) {
	t.Helper()
	tmp := st.boxPath(id, dirTmp)
	if err := os.RemoveAll(tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBroadcastPartialFailure: one broken recipient does not fail the
// broadcast; the result says who got a copy and why the other did not.
func TestBroadcastPartialFailure(t *testing.T) {
	st := mustOpen(t, Options{RateBurst: -1})
	alice := mustLogin(t, st, "alice")
	bob, carol, dave := mustLogin(t, st, "bob"), mustLogin(t, st, "carol"), mustLogin(t, st, "dave")
	breakBox(t, st, "carol")
	res, err := alice.Broadcast(ctx, "hello all", nil)
	if err != nil {
		t.Fatalf("Broadcast with one broken recipient: %v", err)
	}
	if strings.Join(res.To, ",") != "bob,dave" {
		t.Errorf("To = %v, want bob and dave", res.To)
	}
	failed := res.Failed()
	if len(failed) != 1 || failed[0].Agent != "carol" || KindOf(failed[0].Err) != Internal || failed[0].ID != "" {
		t.Fatalf("Failed = %+v, want carol with an internal error", failed)
	}
	if len(res.Outcomes) != 3 {
		t.Fatalf("Outcomes = %+v, want one per recipient", res.Outcomes)
	}
	for _, s := range []*Session{bob, dave} {
		if got := contents(mustCheck(t, s)); len(got) != 1 {
			t.Errorf("%s got %q", s.ID(), got)
		}
	}
	_ = carol
	// Every copy failing is an error, with the outcomes beside it.
	breakBox(t, st, "bob")
	breakBox(t, st, "dave")
	res, err = alice.Broadcast(ctx, "nobody hears", nil)
	if err == nil || len(res.Failed()) != 3 || len(res.To) != 0 {
		t.Fatalf("Broadcast with every recipient broken = %+v, %v; want an error and 3 failures", res, err)
	}
}

// TestSendOnce: a repeat with the same key within the window returns the
// first result and delivers nothing; another message with the key is
// refused; after the window the key is new again.
func TestSendOnce(t *testing.T) {
	clk := newClock()
	st := mustOpen(t, Options{RateBurst: -1, Now: clk.Now})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	first, err := alice.SendPayload(ctx, "bob", Payload{Content: "once", Key: "k-1"})
	if err != nil || first.Replayed {
		t.Fatalf("first SendPayload = %+v, %v", first, err)
	}
	again, err := alice.SendPayload(ctx, "bob", Payload{Content: "once", Key: "k-1"})
	if err != nil || !again.Replayed || again.ID != first.ID || again.To != "bob" {
		t.Fatalf("repeat = %+v, %v; want the first result (%s), replayed", again, err, first.ID)
	}
	_, err = alice.SendPayload(ctx, "bob", Payload{Content: "something else", Key: "k-1"})
	wantKind(t, err, BadRequest)
	if got := contents(mustCheck(t, bob)); len(got) != 1 {
		t.Fatalf("bob got %q, want one copy", got)
	}
	// Without a key nothing is deduplicated.
	mustSend(t, alice, "bob", "once")
	mustSend(t, alice, "bob", "once")
	if got := contents(mustCheck(t, bob)); len(got) != 2 {
		t.Fatalf("bob got %q, want two unkeyed copies", got)
	}
	clk.Add(DefaultDedupeWindow)
	later, err := alice.SendPayload(ctx, "bob", Payload{Content: "once", Key: "k-1"})
	if err != nil || later.Replayed || later.ID == first.ID {
		t.Fatalf("after the window = %+v, %v; want a new send", later, err)
	}
	// The expired record was swept, the fresh one kept.
	names, _ := listDir(filepath.Join(st.root, dedupeDir, "alice"))
	records := 0
	for _, n := range names {
		if strings.HasSuffix(n, ".json") {
			records++
		}
	}
	if records != 1 {
		t.Errorf("%d records on disk, want 1: %v", records, names)
	}
	_, err = alice.SendPayload(ctx, "bob", Payload{Content: "x", Key: strings.Repeat("k", MaxIdempotencyKey+1)})
	wantKind(t, err, BadRequest)
	_, err = alice.SendPayload(ctx, "bob", Payload{Content: "x", Key: "bad\nkey"})
	wantKind(t, err, BadRequest)
}

// TestSendOnceConcurrentRepeats: repeats arriving while the first call
// runs wait for it: one delivery, one id for all.
func TestSendOnceConcurrentRepeats(t *testing.T) {
	const callers = 16
	st := mustOpen(t, Options{RateBurst: -1})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	ids := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := alice.SendPayload(ctx, "bob", Payload{Content: "racing", Key: "same"})
			if err != nil {
				t.Error(err)
			}
			ids[i] = r.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids differ: %v", ids)
		}
	}
	if got := contents(mustCheck(t, bob)); len(got) != 1 {
		t.Fatalf("bob got %d copies, want 1", len(got))
	}
}

// TestBroadcastOnceReplaysPartial: the repeat of a partial broadcast
// reports the same outcomes, failure included, and delivers nothing.
func TestBroadcastOnceReplaysPartial(t *testing.T) {
	st := mustOpen(t, Options{RateBurst: -1})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	mustLogin(t, st, "carol")
	breakBox(t, st, "carol")
	first, err := alice.BroadcastPayload(ctx, Payload{Content: "news", Key: "b-1"})
	if err != nil || len(first.Failed()) != 1 {
		t.Fatalf("first = %+v, %v", first, err)
	}
	again, err := alice.BroadcastPayload(ctx, Payload{Content: "news", Key: "b-1"})
	if err != nil || !again.Replayed || strings.Join(again.To, ",") != "bob" {
		t.Fatalf("repeat = %+v, %v", again, err)
	}
	f := again.Failed()
	if len(f) != 1 || f[0].Agent != "carol" || KindOf(f[0].Err) != KindOf(first.Failed()[0].Err) || f[0].Err.Error() != first.Failed()[0].Err.Error() {
		t.Fatalf("replayed failures = %+v, want %+v", f, first.Failed())
	}
	if got := contents(mustCheck(t, bob)); len(got) != 1 {
		t.Fatalf("bob got %q, want one copy", got)
	}
}

// TestMultiProcessSendOnce: the key holds across processes: a client
// retrying through a new process (ipc send run again) sends nothing.
func TestMultiProcessSendOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{})
	bob := mustLogin(t, st, "bob")
	var lines []string
	for range 3 {
		cmd := helperCmd(t, false, "sendonce", root, "alice", "bob", "retry-key")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sendonce: %v", err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) != 3 {
		t.Fatalf("helper output %q", lines)
	}
	id := strings.Fields(lines[0])[0]
	want := []string{id + " false", id + " true", id + " true"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("results %q, want %q", lines, want)
	}
	if got := contents(mustCheck(t, bob)); len(got) != 1 {
		t.Fatalf("bob got %q, want one copy", got)
	}
}

// TestSendOnceAcrossRename: a client that retries under the new name after
// its sender renamed gets the first call's result, not a second copy.
func TestSendOnceAcrossRename(t *testing.T) {
	st := mustOpen(t, Options{RateBurst: -1})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	first, err := alice.SendPayload(ctx, "bob", Payload{Content: "once", Key: "k-r"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Rename(ctx, "alice2"); err != nil {
		t.Fatal(err)
	}
	again, err := alice.SendPayload(ctx, "bob", Payload{Content: "once", Key: "k-r"})
	if err != nil || !again.Replayed || again.ID != first.ID {
		t.Fatalf("retry after the rename = %+v, %v; want the first result (%s), replayed", again, err, first.ID)
	}
	var got []string
	for _, m := range mustCheck(t, bob) {
		if m.From != SystemID {
			got = append(got, m.Content)
		}
	}
	if len(got) != 1 {
		t.Fatalf("bob got %q, want one copy", got)
	}
}

// TestGCSweepsDedupe: gc removes the expired idempotency records of every
// sender, also of one that never sends again.
func TestGCSweepsDedupe(t *testing.T) {
	clk := newClock()
	st := mustOpen(t, Options{RateBurst: -1, Now: clk.Now})
	alice, _ := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	for _, k := range []string{"a", "b", "c"} {
		if _, err := alice.SendPayload(ctx, "bob", Payload{Content: k, Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(DefaultDedupeWindow + 1)
	stats, err := st.GC(ctx)
	if err != nil || stats.Dedupe != 3 {
		t.Fatalf("GC = %+v, %v; want 3 idempotency records removed", stats, err)
	}
	names, _ := listDir(filepath.Join(st.root, dedupeDir, "alice"))
	for _, n := range names {
		if strings.HasSuffix(n, ".json") {
			t.Errorf("record %s left after gc", n)
		}
	}
}
