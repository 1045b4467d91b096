//go:build unix

package maildir_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

// TestSearchIndexHostileEntry: whatever sits where the search index
// belongs (a FIFO, a link to a device or another file, a directory, a huge
// file), a search answers from the files without hanging, following the
// link or writing through it, and builds a new index beside what it set
// aside.
func TestSearchIndexHostileEntry(t *testing.T) {
	for _, e := range ipctest.HostileEntries(time.Now(), 64<<20) {
		t.Run(e.What, func(t *testing.T) {
			st := openHostile(t, hostileOpt)
			alice, err := st.Login(bg, "alice", "")
			if err != nil {
				t.Fatal(err)
			}
			bob, err := st.Login(bg, "bob", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := alice.Send(bg, "bob", "deploy window tonight", nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(st.Root(), "index", "search.db")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := e.Make(path); err != nil {
				t.Fatal(err)
			}
			before := linkTarget(t, path)
			ipctest.Within(t, "a search past a hostile index entry", hangBound, func() {
				res, err := bob.Search(bg, maildir.SearchQuery{Text: "deploy"})
				if err != nil || len(res.Messages) != 1 || res.Messages[0].Content != "deploy window tonight" {
					t.Fatalf("search: %+v, %v", res.Messages, err)
				}
			})
			if info, err := os.Lstat(path); err != nil || !info.Mode().IsRegular() {
				t.Fatalf("no new index file in its place: %v %v", info, err)
			}
			if before != "" && linkTarget(t, before) != "" {
				t.Fatalf("the link's target %s changed", before)
			}
		})
	}
}

// linkTarget is the target of the link at path, or "" when it is none.
func linkTarget(t *testing.T, path string) string {
	t.Helper()
	target, err := os.Readlink(path)
	if err != nil {
		return ""
	}
	return target
}

// TestSearchLargeFileNeverFollowed: a message whose data names a "large
// file" that is a FIFO or a link in large/ is still found by its own text;
// the search neither blocks on the FIFO nor indexes what the link reaches.
func TestSearchLargeFileNeverFollowed(t *testing.T) {
	st := openHostile(t, hostileOpt)
	alice, err := st.Login(bg, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := st.Login(bg, "bob", "")
	if err != nil {
		t.Fatal(err)
	}
	large := filepath.Join(st.Root(), "large")
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("zanzibarsecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo, link := filepath.Join(large, "fifo.md"), filepath.Join(large, "link.md")
	if err := ipctest.HostileEntries(time.Now(), 1)[0].Make(fifo); err != nil { // the FIFO
		t.Fatal(err)
	}
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, link} {
		data := `{"large_message_file":` + strings.ReplaceAll(`"`+p+`"`, `\`, `\\`) + `}`
		if _, err := alice.Send(bg, "bob", "see the file "+filepath.Base(p), []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	ipctest.Within(t, "a search of messages naming hostile large files", hangBound, func() {
		res, err := bob.Search(bg, maildir.SearchQuery{Text: "file"})
		if err != nil || len(res.Messages) != 2 {
			t.Fatalf("search by their own text: %+v, %v", res.Messages, err)
		}
		res, err = bob.Search(bg, maildir.SearchQuery{Text: "zanzibarsecret"})
		if err != nil || len(res.Messages) != 0 {
			t.Fatalf("a linked file's text was indexed: %+v, %v", res.Messages, err)
		}
	})
}
