package search

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func openTemp(t *testing.T) (*Index, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "search.db")
	ix, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, path
}

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func doc(i int, from, to string) Doc {
	return Doc{ID: fmt.Sprintf("m%04d", i), Folder: to + "/new", Name: fmt.Sprintf("m%04d", i), From: from, To: to, Thread: "t" + fmt.Sprint(i%3), Time: t0.Add(time.Duration(i) * time.Second)}
}

func ids(hits []Doc) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func search(t *testing.T, ix *Index, s Search) []Doc {
	t.Helper()
	var hits []Doc
	if err := ix.View(func(tx *Tx) error {
		var err error
		hits, _, err = tx.Search(s)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return hits
}

func TestIndexSearchNewestFirstScopedAndPaged(t *testing.T) {
	ix, _ := openTemp(t)
	err := ix.Update(func(tx *Tx) error {
		for i := range 600 { // several blocks per common term
			from, to := "alice", "bob"
			if i%2 == 1 {
				from, to = "carol", "dave"
			}
			text := "common words here"
			if i%10 == 0 {
				text += " authentication freeze the branch"
			}
			if err := tx.Add(doc(i, from, to), text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := ParseQuery(`authentication`, t0)
	hits := search(t, ix, Search{Query: q, Me: "bob", Limit: 3})
	if got := ids(hits); !slices.Equal(got, []string{"m0590", "m0580", "m0570"}) {
		t.Fatalf("bob's newest three: %v", got)
	}
	// Dave received none of the authentication mail.
	if hits := search(t, ix, Search{Query: q, Me: "dave"}); len(hits) != 0 {
		t.Fatalf("dave sees %v", ids(hits))
	}
	// Paging covers everything once.
	var all []string
	var after uint64
	for {
		var page []Doc
		var next uint64
		_ = ix.View(func(tx *Tx) error {
			q, _ := ParseQuery("common", t0)
			page, next, _ = tx.Search(Search{Query: q, Me: "alice", After: after, Limit: 7})
			return nil
		})
		all = append(all, ids(page)...)
		if next == 0 {
			break
		}
		after = next
	}
	if len(all) != 300 || all[0] != "m0598" || all[299] != "m0000" {
		t.Fatalf("paged %d hits, %v...%v", len(all), all[0], all[len(all)-1])
	}
	q, _ = ParseQuery(`auth* "freeze the" since:2025-01-02T03:13:00Z`, t0)
	if got := ids(search(t, ix, Search{Query: q, Me: "alice"})); !slices.Equal(got, []string{"m0590", "m0580", "m0570", "m0560", "m0550", "m0540"}) {
		t.Fatalf("prefix+phrase+since: %v", got)
	}
	q, _ = ParseQuery(`from:alice thread:t1 common`, t0)
	for _, h := range search(t, ix, Search{Query: q, Me: "bob"}) {
		if h.From != "alice" || h.Thread != "t1" {
			t.Fatalf("field filter let through %+v", h)
		}
	}
}

func TestIndexMoveAndDrop(t *testing.T) {
	ix, _ := openTemp(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ix.Update(func(tx *Tx) error { return tx.Add(doc(1, "alice", "bob"), "hello world") }))
	must(ix.Update(func(tx *Tx) error { return tx.Move("m0001", "bobby/cur", "m0001!2,S", "bobby") }))
	q, _ := ParseQuery("hello", t0)
	if hits := search(t, ix, Search{Query: q, Me: "bob"}); len(hits) != 0 {
		t.Fatalf("moved away, still found for bob: %v", ids(hits))
	}
	hits := search(t, ix, Search{Query: q, Me: "bobby"})
	if len(hits) != 1 || hits[0].Folder != "bobby/cur" {
		t.Fatalf("moved: %+v", hits)
	}
	must(ix.View(func(tx *Tx) error {
		if n := tx.Names("bobby/cur"); n["m0001!2,S"] != "m0001" || len(tx.Names("bob/new")) != 0 {
			t.Errorf("names: %v / %v", n, tx.Names("bob/new"))
		}
		return nil
	}))
	must(ix.Update(func(tx *Tx) error { return tx.Drop("m0001") }))
	if hits := search(t, ix, Search{Query: q, Me: "bobby"}); len(hits) != 0 {
		t.Fatalf("dropped, still found: %v", ids(hits))
	}
	must(ix.View(func(tx *Tx) error {
		if tx.Docs() != 0 || tx.Garbage() != 1 {
			t.Errorf("docs %d garbage %d", tx.Docs(), tx.Garbage())
		}
		return nil
	}))
}

func TestPrefixTooBroad(t *testing.T) {
	ix, _ := openTemp(t)
	_ = ix.Update(func(tx *Tx) error {
		for i := range MaxPrefixTerms + 5 {
			_ = tx.Add(doc(i, "a", "b"), fmt.Sprintf("ab%d", i))
		}
		return nil
	})
	q, _ := ParseQuery("ab*", t0)
	err := ix.View(func(tx *Tx) error { _, _, err := tx.Search(Search{Query: q, Me: "b"}); return err })
	if !errors.Is(err, ErrQuery) {
		t.Fatalf("err = %v, want ErrQuery", err)
	}
}

func TestOpenDamagedIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string][]byte{
		"garbage":  []byte("this is not a bbolt file, not at all, not even close......................"),
		"short":    {0, 1, 2},
		"zeroes4k": make([]byte, 4096*4),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
		ix, err := Open(path, time.Second)
		if err == nil {
			ix.Close()
			t.Errorf("%s: opened", name)
		} else if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}

func TestPhraseAndTokens(t *testing.T) {
	if got := Tokens("Héllo, WORLD_x42 " + string(make([]byte, 0)) + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); !slices.Equal(got, []string{"héllo", "world", "x42"}) {
		t.Fatalf("tokens: %q", got)
	}
	for _, c := range []struct {
		text, phrase string
		want         bool
	}{
		{"we freeze the branch today", "freeze the branch", true},
		{"a a a b", "a a b", true},
		{"freeze branch the", "freeze the branch", false},
	} {
		if got := ContainsPhrase(c.text, Tokens(c.phrase)); got != c.want {
			t.Errorf("%q in %q: %v", c.phrase, c.text, got)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`auth module`, `"freeze the branch"`, `auth*`, `from:alice to:bob since:2h`, `since:2025-01-01`, `"open`, `*`, `a*b*`, `thread:`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s, t0)
		if err != nil {
			if !errors.Is(err, ErrQuery) {
				t.Fatalf("%q: error %v does not wrap ErrQuery", s, err)
			}
			return
		}
		for _, tm := range append(slices.Clone(q.Terms), q.Prefixes...) {
			if tm == "" || len(tm) > MaxTermLen {
				t.Fatalf("%q: term %q", s, tm)
			}
		}
		for _, p := range q.Prefixes {
			if len(p) < MinPrefixLen {
				t.Fatalf("%q: prefix %q", s, p)
			}
		}
	})
}
