package maildir

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// noColons fails if any file name under root contains ':' (illegal on
// NTFS, an alternate data stream there) or its drvfs escape U+F03A.
func noColons(t *testing.T, root string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.ContainsAny(d.Name(), ":"+drvfsColon) {
			t.Errorf("%s: name contains a colon", p)
		}
		n++
		return nil
	})
	return n
}

// TestColonsFromOtherTools: a maildir written by Python's mailbox module
// with its default ':' separator (as most maildir tools write), and files
// renamed by drvfs's escape of ':' (U+F03A, what Windows programs see and
// write under /mnt/c), are read: unread ones are checked, read ones are in
// history and readable by id. Everything ipc itself names stays free of
// colons, including the files it claims from other tools.
func TestColonsFromOtherTools(t *testing.T) {
	st := mustOpen(t, Options{})
	bob := mustLogin(t, st, "bob")
	box := st.boxPath("bob")

	// drvfs: a read message whose ':' a Windows program sees as U+F03A.
	cur := filepath.Join(box, dirCur)
	if runtime.GOOS != "windows" {
		os.WriteFile(filepath.Join(cur, "1700000001.M1P1Q1.win"+drvfsColon+"2,S"), []byte("From: win\nTo: bob\n\nread on windows\n"), 0o600)
		os.WriteFile(filepath.Join(box, dirNew, "1700000002.M1P1Q1.win"+drvfsColon+"2,"), []byte("From: win\nTo: bob\n\nunread from windows\n"), 0o600)
	}
	py, err := exec.LookPath("python3")
	if err == nil && runtime.GOOS != "windows" {
		script := `
import mailbox, sys, email.message
mb = mailbox.Maildir(sys.argv[1], create=False)   # default colon ':'
for i, (text, sub, flags) in enumerate([("unread from python", "new", ""), ("read in python", "cur", "RS")]):
    m = mailbox.MaildirMessage()
    m["From"] = "py"
    m["To"] = "bob"
    m.set_payload(text + "\n", "utf-8")
    m.set_subdir(sub)
    if flags:
        m.set_flags(flags)
    mb.add(m)
print("\n".join(sorted(mb.keys())))
`
		out, err := exec.Command(py, "-c", script, box).CombinedOutput()
		if err != nil {
			t.Fatalf("python3: %v\n%s", err, out)
		}
		if names, _ := os.ReadDir(cur); !hasColonName(names) {
			t.Fatalf("python wrote no ':' name in cur/: %v", names)
		}
	} else {
		t.Log("python3 not installed: only the drvfs names are tried")
	}

	got := map[string]bool{}
	for _, m := range mustCheck(t, bob) {
		got[m.Content] = true
	}
	hist, err := bob.History(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range hist {
		if !got[m.Content] {
			got[m.Content] = true
			if again, err := bob.Read(ctx, m.ID); err != nil || again.Content != m.Content {
				t.Errorf("Read(%s) = %q, %v", m.ID, again.Content, err)
			}
		}
	}
	want := []string{"read on windows", "unread from windows"}
	if py != "" && runtime.GOOS != "windows" {
		want = append(want, "unread from python", "read in python")
	}
	if runtime.GOOS == "windows" {
		want = nil
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("%q was not read (got %v)", w, got)
		}
	}
	// What ipc claimed is named with '!'.
	ents, _ := os.ReadDir(cur)
	claimed := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), infoSeen) {
			claimed++
		}
	}
	if claimed != len(want)/2 {
		t.Errorf("%d files claimed with %q, want %d: %v", claimed, infoSeen, len(want)/2, ents)
	}

	// ipc's own names: none has a colon, whatever it did.
	other := mustOpen(t, Options{})
	alice, carol := mustLogin(t, other, "alice"), mustLogin(t, other, "carol")
	mustSend(t, alice, "carol", "hi")
	mustSend(t, alice, "carol", strings.Repeat("large. ", 3000))
	mustCheck(t, carol)
	if _, err := carol.Rename(ctx, "carol2"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.IssueToken(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d names written by ipc, none with a colon", noColons(t, other.Root()))
}

func hasColonName(ents []os.DirEntry) bool {
	for _, e := range ents {
		if strings.Contains(e.Name(), ":") {
			return true
		}
	}
	return false
}
