package maildir

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/search"
)

// TestSearchIgnoresForgedIndexEntries: the index is a file anyone of this
// user can write. A document naming a file outside its folder (../), a
// folder that is no mailbox's new/ or cur/, or an id that is no file name
// never makes a search read that file, for an agent or for the overseer.
func TestSearchIgnoresForgedIndexEntries(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "carol")
	mustLogin(t, st, "bob")
	secret := mustSend(t, alice, "bob", "topsecret launch codes")
	mustSend(t, carol, "alice", "hello")
	if _, err := carol.Search(context.Background(), SearchQuery{Text: "hello"}); err != nil { // builds the index
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "loot"), []byte("From: alice\nTo: carol\n\ntopsecret from outside\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(st.boxPath("carol", dirCur), outside)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(st.searchIndexPath(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, d := range []search.Doc{
		{ID: "f1", Folder: "carol/cur", Name: "../../bob/new/" + secret.ID},
		{ID: "f2", Folder: "carol/cur", Name: filepath.Join(rel, "loot")},
		{ID: "f3", Folder: rel + "/cur", Name: "loot"},
		{ID: "../../bob/new/" + secret.ID, Folder: "carol/new", Name: "missing"},
	} {
		d.From, d.To, d.Time = "alice", "carol", now.Add(time.Duration(i)*time.Millisecond)
		if err := ix.Update(func(tx *search.Tx) error { return tx.Add(d, "topsecret") }); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := carol.Search(context.Background(), SearchQuery{Text: "topsecret"})
	if err != nil || len(res.Messages) != 0 {
		t.Fatalf("carol's search read a forged entry's file: %+v, %v", res.Messages, err)
	}
	all, err := st.SearchAll(context.Background(), SearchQuery{Text: "topsecret"})
	if err != nil || len(all.Messages) != 1 || all.Messages[0].ID != secret.ID {
		t.Fatalf("the overseer's search: %+v, %v (want only alice's real message)", all.Messages, err)
	}
}
