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

// fillRead writes n read messages for to straight into its cur/, sent
// one microsecond apart from base in order i = 0..n-1, and returns their
// ids.
func fillRead(tb testing.TB, st *Store, to string, n int, base time.Time) []string {
	tb.Helper()
	if err := st.ensureBox(to); err != nil {
		tb.Fatal(err)
	}
	ids := make([]string, n)
	for i := range n {
		m := Message{From: "alice", To: to, Time: base.Add(time.Duration(i) * time.Microsecond), Content: "old " + strconv.Itoa(i)}
		m.ID = st.names.next(m.Time)
		if err := os.WriteFile(st.boxPath(to, dirCur, m.ID+infoSeen), m.format(), 0o600); err != nil {
			tb.Fatal(err)
		}
		ids[i] = m.ID
	}
	return ids
}

// TestHistoryPagesBackInTime: pages of 3 walk 8 read messages from the
// newest back to the oldest, each page oldest first, and the last page
// has no next.
func TestHistoryPagesBackInTime(t *testing.T) {
	st := mustOpen(t, Options{})
	bob := mustLogin(t, st, "bob")
	fillRead(t, st, "bob", 8, time.Now().Add(-time.Hour))
	var got []string
	pg := Page{Limit: 3}
	for pages := 0; ; pages++ {
		p, err := bob.HistoryPage(ctx, pg)
		if err != nil {
			t.Fatal(err)
		}
		got = append(contents(p.Messages), got...)
		if p.Next == "" {
			if pages != 2 {
				t.Fatalf("%d pages, want 3", pages+1)
			}
			break
		}
		if p.Next != p.Messages[0].ID {
			t.Fatalf("next %q is not the page's oldest %q", p.Next, p.Messages[0].ID)
		}
		pg.After = p.Next
	}
	if fmt.Sprint(got) != "[old 0 old 1 old 2 old 3 old 4 old 5 old 6 old 7]" {
		t.Fatalf("pages gave %v", got)
	}
	all, err := bob.History(ctx, 0)
	if err != nil || fmt.Sprint(contents(all)) != fmt.Sprint(got) {
		t.Fatalf("History(0) = %v, %v", contents(all), err)
	}
	_, err = bob.HistoryPage(ctx, Page{After: "../etc"})
	wantKind(t, err, BadRequest)
	_, err = bob.HistoryPage(ctx, Page{Limit: -1})
	wantKind(t, err, BadRequest)
}

// TestHistoryPageReadsOnlyItsPage: with 5,000 read messages and an entry
// that is not a message among the oldest, the newest page never opens
// that entry (it would be moved aside if read), and costs the reads of a
// page out of 20; paging down to it does move it aside.
func TestHistoryPageReadsOnlyItsPage(t *testing.T) {
	st := mustOpen(t, Options{})
	bob, small := mustLogin(t, st, "bob"), mustLogin(t, st, "small")
	base := time.Now().Add(-time.Hour)
	ids := fillRead(t, st, "bob", 5_000, base)
	fillRead(t, st, "small", 20, base)
	hostile := st.boxPath("bob", dirCur, fmt.Sprintf("%d.M0P1Q1.hostile", base.Unix()-10)+infoSeen)
	if err := os.Mkdir(hostile, 0o700); err != nil {
		t.Fatal(err)
	}
	page := func(s *Session, after string) MessagePage {
		p, err := s.HistoryPage(ctx, Page{Limit: 10, After: after})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := page(bob, "")
	if len(p.Messages) != 10 || p.Messages[9].ID != ids[4999] || p.Next != ids[4990] {
		t.Fatalf("newest page: %d messages, next %q", len(p.Messages), p.Next)
	}
	p = page(bob, ids[10])
	if len(p.Messages) != 10 || p.Messages[0].ID != ids[0] || p.Next == "" {
		t.Fatalf("page before %s: %v next %q", ids[10], contents(p.Messages), p.Next)
	}
	if q, _ := st.Quarantine(); len(q) != 0 {
		t.Fatalf("a page read an entry outside it: %+v", q)
	}
	if p = page(bob, p.Next); len(p.Messages) != 0 || p.Next != "" {
		t.Fatalf("last page: %+v", p)
	}
	if q, _ := st.Quarantine(); len(q) != 1 {
		t.Fatalf("the last page did not read its entry: %+v", q)
	}
	if runtime.GOOS != "linux" {
		return
	}
	few := readcount.Of(t, 3, func() { page(small, "") })
	many := readcount.Of(t, 3, func() { page(bob, "") })
	if many > few+readSlack {
		t.Fatalf("a page made %d read calls among 5,000 messages, %d among 20", many, few)
	}
}

// TestCursorsOfAnotherListingRefused: sent, history and thread take only
// the cursors their own pages give: an id sent/ or cur/ does not hold, a
// search's cursor, a cursor of another thread are BadRequest.
func TestCursorsOfAnotherListingRefused(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	one := mustSend(t, alice, "bob", "one note")
	two := mustSend(t, alice, "bob", "two note")
	other := mustSend(t, bob, "alice", "elsewhere note")
	mustCheck(t, bob)
	res, err := alice.Search(ctx, SearchQuery{Text: "note", Page: Page{Limit: 1}})
	if err != nil || res.Next == "" {
		t.Fatalf("search page: %+v, %v", res, err)
	}
	if _, err := alice.Reply(ctx, other.ID, Payload{Content: "answer"}); err != nil {
		t.Fatal(err)
	}
	th, err := alice.Thread(ctx, other.ID, Page{Limit: 1})
	if err != nil || th.Next == "" {
		t.Fatalf("thread page: %+v, %v", th, err)
	}
	for name, err := range map[string]error{
		"sent after bogus":        func() error { _, err := alice.Sent(ctx, Page{After: "bogus"}); return err }(),
		"sent after mail to me":   func() error { _, err := alice.Sent(ctx, Page{After: other.ID}); return err }(),
		"history before bogus":    func() error { _, err := bob.HistoryPage(ctx, Page{After: "bogus"}); return err }(),
		"history before sent":     func() error { _, err := bob.HistoryPage(ctx, Page{After: other.ID}); return err }(),
		"history before a search": func() error { _, err := bob.HistoryPage(ctx, Page{After: res.Next}); return err }(),
		"thread after a search":   func() error { _, err := alice.Thread(ctx, one.ID, Page{After: res.Next}); return err }(),
		"thread after another":    func() error { _, err := alice.Thread(ctx, two.ID, Page{After: th.Next}); return err }(),
	} {
		if KindOf(err) != BadRequest || !strings.Contains(fmt.Sprint(err), "not a cursor of this listing") && !strings.Contains(fmt.Sprint(err), "not one a page returned") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if p, err := alice.Sent(ctx, Page{Limit: 1, After: two.ID}); err != nil || len(p.Deliveries) != 1 || p.Deliveries[0].ID != one.ID {
		t.Errorf("sent after its own cursor: %+v, %v", p, err)
	}
}
