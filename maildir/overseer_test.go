package maildir

import (
	"context"
	"slices"
	"testing"
)

// TestSearchAllAndThreadAll: the overseer finds mail between any agents,
// by the index and by the scan alike, pages as Search does, and reads a
// conversation of any mailbox; nothing is marked read.
func TestSearchAllAndThreadAll(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	bob := mustLogin(t, st, "bob")
	mustLogin(t, st, "carol")
	q := mustSend(t, alice, "bob", "the parser question")
	other := mustSend(t, alice, "carol", "the parser answer")
	mustSend(t, bob, "carol", "lunch")
	reply, err := bob.Reply(ctx, q.ID, Payload{Content: "reply about it"})
	if err != nil {
		t.Fatal(err)
	}
	for _, scan := range []bool{false, true} {
		res, err := st.SearchAll(ctx, SearchQuery{Text: "parser", Scan: scan})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range res.Messages {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, []string{other.ID, q.ID}) {
			t.Fatalf("SearchAll(parser, scan %v) = %v", scan, ids)
		}
		page, err := st.SearchAll(ctx, SearchQuery{Scan: scan, Page: Page{Limit: 3}})
		if err != nil || len(page.Messages) != 3 || page.Next == "" {
			t.Fatalf("SearchAll of everything, scan %v = %d messages, next %q, %v", scan, len(page.Messages), page.Next, err)
		}
		rest, err := st.SearchAll(ctx, SearchQuery{Scan: scan, Page: Page{Limit: 3, After: page.Next}})
		if err != nil || len(rest.Messages) != 1 || rest.Next != "" {
			t.Fatalf("second page, scan %v = %+v, %v", scan, rest, err)
		}
	}
	th, err := st.ThreadAll(ctx, reply.ID, Page{})
	if err != nil || len(th.Messages) != 2 || th.Messages[0].ID != q.ID || th.Messages[1].ID != reply.ID {
		t.Fatalf("ThreadAll = %+v, %v", th, err)
	}
	_, err = st.ThreadAll(ctx, "1.M1P1Q1R1.nowhere", Page{})
	wantKind(t, err, NotFound)
	if n := len(unreadNames(t, st, "bob")); n != 1 {
		t.Fatalf("bob has %d unread, want 1", n)
	}
}
