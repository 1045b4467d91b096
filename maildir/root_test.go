package maildir

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOpenNamesMistakes: what stands where a mailbox should be is the
// caller's mistake, with a kind that says so, never internal.
func TestOpenNamesMistakes(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the root to open
		kind  Kind
	}{
		{"a file where the root should be", func(t *testing.T, dir string) string {
			return writeTestFile(t, filepath.Join(dir, "box"), "notes")
		}, BadRequest},
		{"a file where a parent should be", func(t *testing.T, dir string) string {
			return filepath.Join(writeTestFile(t, filepath.Join(dir, "box"), "notes"), "inner")
		}, BadRequest},
		{"a file where mail/ should be", func(t *testing.T, dir string) string {
			writeTestFile(t, filepath.Join(dir, "box", mailDir), "x")
			return filepath.Join(dir, "box")
		}, BadRequest},
		{"a VERSION of another format", func(t *testing.T, dir string) string {
			writeTestFile(t, filepath.Join(dir, "box", versionFile), "ipc-maildir 9 sep=!\n")
			return filepath.Join(dir, "box")
		}, BadRequest},
		{"a VERSION that is a directory", func(t *testing.T, dir string) string {
			if err := os.MkdirAll(filepath.Join(dir, "box", versionFile), 0o700); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "box")
		}, BadRequest},
		{"a root this user may not enter", func(t *testing.T, dir string) string {
			if os.Geteuid() == 0 {
				t.Skip("root enters every directory")
			}
			root := filepath.Join(dir, "box")
			if err := os.Mkdir(root, 0o000); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(root, 0o700) })
			return root
		}, Denied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := c.setup(t, t.TempDir())
			st, err := Open(root, testOptions(Options{}))
			if err == nil {
				st.Close()
			}
			wantKind(t, err, c.kind)
			t.Log(err)
		})
	}
}

// TestOpenSaysWhenItCreated: Created is true for the Open that made the
// mailbox, and false for every later one.
func TestOpenSaysWhenItCreated(t *testing.T) {
	root := filepath.Join(t.TempDir(), "new", "box")
	first := mustOpenAt(t, root, Options{})
	if !first.Created() {
		t.Fatal("first Open: Created() = false, want true")
	}
	if again := mustOpenAt(t, root, Options{}); again.Created() {
		t.Fatal("second Open: Created() = true, want false")
	}
}

func writeTestFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRootErrorKinds: the kinds of the failures a test cannot make as
// root, and the rest left as they are.
func TestRootErrorKinds(t *testing.T) {
	denied := &fs.PathError{Op: "mkdir", Path: "/x/box", Err: syscall.EACCES}
	wantKind(t, rootError("/x/box", denied), Denied)
	wantKind(t, rootError("/x/box", &fs.PathError{Op: "mkdir", Path: "/x/box", Err: syscall.ENOTDIR}), BadRequest)
	wantKind(t, rootError("/x/box", &fs.PathError{Op: "mkdir", Path: "/x/box", Err: syscall.EIO}), Internal)
}
