package maildir

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func searchIDs(tb testing.TB, s *Session, q SearchQuery) ([]string, SearchResult) {
	tb.Helper()
	res, err := s.Search(context.Background(), q)
	if err != nil {
		tb.Fatalf("%s.Search(%+v): %v", s.ID(), q, err)
	}
	var out []string
	for _, m := range res.Messages {
		out = append(out, m.Content)
	}
	return out, res
}

// bothWays runs a search through the index and by the scan, which must agree.
func bothWays(tb testing.TB, s *Session, q SearchQuery) []string {
	tb.Helper()
	indexed, _ := searchIDs(tb, s, q)
	q.Scan = true
	scanned, _ := searchIDs(tb, s, q)
	if !slices.Equal(indexed, scanned) {
		tb.Fatalf("%+v: index %q, scan %q", q, indexed, scanned)
	}
	return indexed
}

func TestSearchTermsPhrasesPrefixesAndFilters(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "bob"), mustLogin(t, st, "carol")
	mustSend(t, alice, "bob", "we freeze the release branch on friday")
	mustSend(t, bob, "alice", "authentication module is done")
	mustSend(t, carol, "bob", "the branch freeze is off")
	mustSend(t, carol, "alice", "secret for alice: authorization tokens")
	ctx := context.Background()

	if got := bothWays(t, bob, SearchQuery{Text: "freeze branch"}); !slices.Equal(got, []string{"the branch freeze is off", "we freeze the release branch on friday"}) {
		t.Fatalf("two terms, newest first: %q", got)
	}
	if got := bothWays(t, bob, SearchQuery{Text: `"freeze the release"`}); len(got) != 1 {
		t.Fatalf("phrase: %q", got)
	}
	if got := bothWays(t, bob, SearchQuery{Text: "auth*"}); !slices.Equal(got, []string{"authentication module is done"}) {
		t.Fatalf("prefix: bob sees %q (not carol's mail to alice)", got)
	}
	if got := bothWays(t, bob, SearchQuery{Text: "branch", From: "carol"}); len(got) != 1 {
		t.Fatalf("from: %q", got)
	}
	if got := bothWays(t, bob, SearchQuery{Text: "from:alice"}); len(got) != 1 {
		t.Fatalf("inline from: %q", got)
	}
	if got := bothWays(t, bob, SearchQuery{To: "alice"}); !slices.Equal(got, []string{"authentication module is done"}) {
		t.Fatalf("to alice, as bob: %q", got)
	}
	// Unread: bob reads his mail, then nothing is unread.
	if got := bothWays(t, bob, SearchQuery{Text: "branch", Unread: true}); len(got) != 2 {
		t.Fatalf("unread before check: %q", got)
	}
	mustCheck(t, bob)
	if got := bothWays(t, bob, SearchQuery{Text: "branch", Unread: true}); len(got) != 0 {
		t.Fatalf("unread after check: %q", got)
	}
	if got := bothWays(t, bob, SearchQuery{Text: "branch"}); len(got) != 2 {
		t.Fatalf("read mail is still found: %q", got)
	}
	// Search changes nothing: alice's mail is still unread.
	if u, _ := alice.Unread(ctx); u.Count != 2 {
		t.Fatalf("alice's unread after searches: %d", u.Count)
	}
	for _, bad := range []SearchQuery{{Text: `"open`}, {Text: "a*"}, {Page: Page{After: "zz"}}, {Text: "x", From: "a", Page: Page{Limit: -1}}, {Text: "from:a", From: "b"}} {
		_, err := bob.Search(ctx, bad)
		wantKind(t, err, BadRequest)
	}
	_, err := bob.Search(ctx, SearchQuery{Thread: "1.M1P1Q1.nohost"})
	wantKind(t, err, NotFound)
}

func TestSearchPagesNewestFirst(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	for i := range 25 {
		mustSend(t, alice, "bob", "status report "+strings.Repeat("x", i))
	}
	for _, scan := range []bool{false, true} {
		var all []string
		after := ""
		for pages := 0; ; pages++ {
			got, res := searchIDs(t, bob, SearchQuery{Text: "status", Page: Page{Limit: 10, After: after}, Scan: scan})
			all = append(all, got...)
			if res.Next == "" {
				break
			}
			after = res.Next
			if pages > 5 {
				t.Fatal("paging does not end")
			}
		}
		if len(all) != 25 || all[0] != "status report "+strings.Repeat("x", 24) || all[24] != "status report " {
			t.Fatalf("scan=%v: %d hits, first %q", scan, len(all), all[0])
		}
	}
}

func TestSearchNeverShowsAnotherAgentsMail(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "bob"), mustLogin(t, st, "carol")
	mustSend(t, alice, "bob", "payroll numbers for bob")
	mustSend(t, bob, "alice", "payroll numbers for alice")
	// A file in carol's sight claiming to be from carol, planted in bob's box
	// without carol's sent record, is not carol's mail either.
	forged := "From: carol\nTo: bob\nX-IPC-Time: 2025-01-01T00:00:00Z\n\npayroll forged\n"
	if err := os.WriteFile(filepath.Join(st.Root(), "mail", "bob", "new", "1735689600.M1P1Q1.forged"), []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, scan := range []bool{false, true} {
		if got, _ := searchIDs(t, carol, SearchQuery{Text: "payroll", Scan: scan}); len(got) != 0 {
			t.Fatalf("scan=%v: carol sees %q", scan, got)
		}
		if got, _ := searchIDs(t, carol, SearchQuery{Scan: scan}); len(got) != 0 {
			t.Fatalf("scan=%v: carol's empty query sees %q", scan, got)
		}
		if got, _ := searchIDs(t, alice, SearchQuery{Text: "payroll", Scan: scan}); len(got) != 2 {
			t.Fatalf("scan=%v: alice sees %q", scan, got)
		}
	}
}

func TestSearchIndexRebuiltWhenDamaged(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	mustSend(t, alice, "bob", "deploy window tonight")
	if got, res := searchIDs(t, bob, SearchQuery{Text: "deploy"}); len(got) != 1 || !res.Rebuilt {
		t.Fatalf("first search builds the index: %q rebuilt=%v", got, res.Rebuilt)
	}
	path := filepath.Join(st.Root(), "index", "search.db")
	for name, damage := range map[string]func() error{
		"deleted":   func() error { return os.Remove(path) },
		"truncated": func() error { return os.Truncate(path, 100) },
		"garbage":   func() error { return os.WriteFile(path, []byte(strings.Repeat("garbage!", 4096)), 0o600) },
	} {
		if err := damage(); err != nil {
			t.Fatal(err)
		}
		got, res := searchIDs(t, bob, SearchQuery{Text: "deploy"})
		if len(got) != 1 || !res.Rebuilt {
			t.Fatalf("%s: %q rebuilt=%v", name, got, res.Rebuilt)
		}
		if _, res := searchIDs(t, bob, SearchQuery{Text: "deploy"}); res.Rebuilt {
			t.Fatalf("%s: rebuilt twice", name)
		}
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("index file: %v %v", info, err)
	}
}

func TestThreadOldestFirstAcrossBothMailboxes(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "bob"), mustLogin(t, st, "carol")
	ctx := context.Background()
	root := mustSend(t, alice, "bob", "question: ship it?")
	r1, err := bob.SendPayload(ctx, "alice", Payload{Content: "yes, after tests", ReplyTo: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SendPayload(ctx, "bob", Payload{Content: "tests pass", ReplyTo: r1.ID}); err != nil {
		t.Fatal(err)
	}
	mustSend(t, alice, "bob", "unrelated")
	mustCheck(t, bob) // read and unread both appear
	for _, who := range []*Session{alice, bob} {
		for _, id := range []string{root.ID, r1.ID} {
			page, err := who.Thread(ctx, id, Page{})
			if err != nil {
				t.Fatal(err)
			}
			if got := contents(page.Messages); !slices.Equal(got, []string{"question: ship it?", "yes, after tests", "tests pass"}) {
				t.Fatalf("%s thread of %s: %q", who.ID(), id, got)
			}
		}
	}
	// Paged, one at a time.
	var got []string
	after := ""
	for range 5 {
		page, err := alice.Thread(ctx, root.ID, Page{Limit: 1, After: after})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, contents(page.Messages)...)
		if after = page.Next; after == "" {
			break
		}
	}
	if len(got) != 3 || got[2] != "tests pass" {
		t.Fatalf("paged thread: %q", got)
	}
	_, err = carol.Thread(ctx, root.ID, Page{})
	wantKind(t, err, NotFound)
	// The scan fallback answers the same when the index cannot be made.
	idx := filepath.Join(st.Root(), "index", "search.db")
	os.Remove(idx)
	if err := os.Mkdir(idx, 0o700); err != nil { // a directory where the file should be
		t.Fatal(err)
	}
	page, err := bob.Thread(ctx, root.ID, Page{})
	if err != nil || len(page.Messages) != 3 {
		t.Fatalf("thread by scan: %d, %v", len(page.Messages), err)
	}
	if got, _ := searchIDs(t, bob, SearchQuery{Text: "ship"}); len(got) != 1 {
		t.Fatalf("search by scan: %q", got)
	}
}

// TestSearchRefusesAQueryWithoutWords: an empty phrase or punctuation is no
// query at all, a BadRequest rather than every message.
func TestSearchRefusesAQueryWithoutWords(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustSend(t, alice, "bob", "hello")
	for _, text := range []string{`""`, `"  "`, "!!"} {
		_, err := alice.Search(ctx, SearchQuery{Text: text})
		wantKind(t, err, BadRequest)
	}
	if res, err := alice.Search(ctx, SearchQuery{Text: "to:bob"}); err != nil || len(res.Messages) != 1 {
		t.Errorf("a field alone: %+v, %v", res, err)
	}
}
