package maildir

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/readcount"
)

// fillUnread writes n unread messages for to straight into its new/
// (without a durable send each), from the senders named by from(i), in
// arrival order i = 0..n-1.
func fillUnread(tb testing.TB, st *Store, to string, n int, from func(i int) string) {
	tb.Helper()
	if err := st.ensureBox(to); err != nil {
		tb.Fatal(err)
	}
	base := time.Now()
	for i := 0; i < n; i++ {
		m := Message{From: from(i), To: to, Time: base.Add(time.Duration(i) * time.Microsecond), Content: "backlog " + strconv.Itoa(i)}
		m.ID = st.names.next(m.Time)
		if err := os.WriteFile(st.boxPath(to, dirNew, m.ID), m.format(), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

// readSlack is how many reads of its own the Go runtime may make during a
// measured call (it reads a few system files as the heap grows): a cost
// that grew with the backlog would show thousands.
const readSlack = 4

// forgetUnread empties st's cache of unread summaries.
func forgetUnread(st *Store) {
	st.unreads.mu.Lock()
	defer st.unreads.mu.Unlock()
	st.unreads.m = nil
}

// TestUnreadCostDoesNotGrowWithBacklog: Unread reads the same number of
// files at 10,000 unread as at 8, and names the senders of the oldest
// messages in arrival order.
func TestUnreadCostDoesNotGrowWithBacklog(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts read system calls through /proc/self/io")
	}
	st := mustOpen(t, Options{})
	mustLogin(t, st, "bob")
	small := mustLogin(t, st, "small")
	big := mustLogin(t, st, "big")
	sender := func(i int) string { return fmt.Sprintf("s%d", i%3) }
	fillUnread(t, st, "small", UnreadSenders, sender)
	fillUnread(t, st, "big", 10_000, sender)
	fillUnread(t, st, "bob", 0, sender)

	// Both sides are measured without the summary cache: a mailbox left
	// alone for racyWindow is answered from it, with no reads at all.
	var u Unread
	few := readcount.Of(t, 3, func() { forgetUnread(st); u, _ = small.Unread(ctx) })
	if u.Count != UnreadSenders || u.Partial || strings.Join(u.From, ",") != "s0,s1,s2" {
		t.Fatalf("8 unread: %+v", u)
	}
	var err error
	many := readcount.Of(t, 3, func() { forgetUnread(st); u, err = big.Unread(ctx) })
	if err != nil {
		t.Fatal(err)
	}
	if u.Count != 10_000 || !u.Partial || strings.Join(u.From, ",") != "s0,s1,s2" {
		t.Fatalf("10,000 unread: count %d partial %v from %v", u.Count, u.Partial, u.From)
	}
	if many > few+readSlack {
		t.Fatalf("Unread made %d read calls at 10,000 unread, %d at %d", many, few, UnreadSenders)
	}
	if few > 2*UnreadSenders {
		t.Fatalf("Unread made %d read calls for %d messages", few, UnreadSenders)
	}
	t.Logf("read calls: %d at %d unread, %d at 10,000", few, UnreadSenders, many)
}

// TestCheckCostDoesNotGrowWithBacklog: a check bounded by Max reads as many
// files at 10,000 unread as at 100, and still returns the oldest first.
func TestCheckCostDoesNotGrowWithBacklog(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts read system calls through /proc/self/io")
	}
	st := mustOpen(t, Options{})
	small := mustLogin(t, st, "small")
	big := mustLogin(t, st, "big")
	sender := func(int) string { return "alice" }
	fillUnread(t, st, "small", 100, sender)
	fillUnread(t, st, "big", 10_000, sender)
	check := func(s *Session) CheckResult {
		r, err := s.Check(ctx, CheckOptions{Max: 5})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var r CheckResult
	few := readcount.Of(t, 3, func() { r = check(small) })
	many := readcount.Of(t, 3, func() { r = check(big) })
	if len(r.Messages) != 5 || r.Messages[0].Content != "backlog 10" || r.Remaining != 10_000-15 {
		t.Fatalf("third check of 10,000: %d messages, first %q, %d remaining", len(r.Messages), r.Messages[0].Content, r.Remaining)
	}
	if many > few+readSlack {
		t.Fatalf("check made %d read calls at 10,000 unread, %d at 100", many, few)
	}
}

// TestOldestNames agrees with sortArrival on names of every format.
func TestOldestNames(t *testing.T) {
	names := []string{"b", "a", "1700000000.M5P1Q1R0.h", "1700000000.M4P1Q2R0.h", "1600000000.x", "1700000000.M4P1Q1R0.h", "junk.M1", "1700000001"}
	for k := 0; k <= len(names)+1; k++ {
		want := append([]string(nil), names...)
		sortArrival(want)
		want = want[:min(k, len(want))]
		got := oldestNames(names, k)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("k=%d: %v, want %v", k, got, want)
		}
	}
}

// TestArrivalsReadsOnlyNewMail: with every unread id already seen, Arrivals
// reads no message file however many wait; it reads just the new ones, and
// only names senders when more arrived than asked for.
func TestArrivalsReadsOnlyNewMail(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts read system calls through /proc/self/io")
	}
	st := mustOpen(t, Options{RateBurst: -1})
	bob := mustLogin(t, st, "bob")
	alice := mustLogin(t, st, "alice")
	fillUnread(t, st, "bob", 5_000, func(int) string { return "carol" })
	first, err := bob.Arrivals(ctx, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if first.Unread != 5_000 || first.New != 5_000 || first.Messages != nil || strings.Join(first.From, ",") != "carol" {
		t.Fatalf("first: unread %d new %d messages %d from %v", first.Unread, first.New, len(first.Messages), first.From)
	}
	seen := map[string]bool{}
	for _, id := range first.IDs {
		seen[id] = true
	}
	var a Arrivals
	if n := readcount.Of(t, 3, func() { a, err = bob.Arrivals(ctx, seen, 3) }); n != 0 || err != nil || a.New != 0 {
		t.Fatalf("nothing new: %d read calls, %+v, %v", n, a.New, err)
	}
	mustSend(t, alice, "bob", "hello")
	a, err = bob.Arrivals(ctx, seen, 3)
	if err != nil || a.New != 1 || len(a.Messages) != 1 || a.Messages[0].Content != "hello" || a.Unread != 5_001 {
		t.Fatalf("one new: %+v, %v", a, err)
	}
}

// TestUnreadCacheFollowsEveryChange: once new/ is older than racyWindow
// its summary is kept, and every change (a delivery, a claim) is seen by
// the next Unread all the same.
func TestUnreadCacheFollowsEveryChange(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts read system calls through /proc/self/io")
	}
	st := mustOpen(t, Options{RateBurst: -1})
	bob := mustLogin(t, st, "bob")
	alice := mustLogin(t, st, "alice")
	fillUnread(t, st, "bob", 100, func(int) string { return "carol" })
	dir := st.boxPath("bob", dirNew)
	age := func() { // as if the last change were an hour ago
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(dir, old, old); err != nil {
			t.Fatal(err)
		}
	}
	want := func(n int, from string) {
		t.Helper()
		u, err := bob.Unread(ctx)
		if err != nil || u.Count != n || strings.Join(u.From, ",") != from {
			t.Fatalf("Unread = %+v, %v; want %d from %s", u, err, n, from)
		}
	}
	age()
	want(100, "carol")
	if n := readcount.Of(t, 3, func() { want(100, "carol") }); n != 0 {
		t.Fatalf("a cached summary read %d times", n)
	}
	mustSend(t, alice, "bob", "one more")
	want(101, "carol")
	age()
	want(101, "carol")
	if _, err := bob.Check(ctx, CheckOptions{Max: 100}); err != nil {
		t.Fatal(err)
	}
	want(1, "alice")
	age()
	want(1, "alice")
	mustCheck(t, bob)
	want(0, "")
}
