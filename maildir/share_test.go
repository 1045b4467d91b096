package maildir

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "", want: nil},
		{in: "   ", want: nil},
		{in: "git status --short", want: []string{"git", "status", "--short"}},
		{in: "echo a | wc -c", want: []string{"echo", "a", "|", "wc", "-c"}},
		{in: `echo 'a b' "c d"`, want: []string{"echo", "a b", "c d"}},
		{in: `a"b c"d`, want: []string{"ab cd"}},
		{in: `echo "" ''`, want: []string{"echo", "", ""}},
		{in: `echo "say \"hi\" \\ \n"`, want: []string{"echo", `say "hi" \ \n`}},
		{in: `echo 'no \escape'`, want: []string{"echo", `no \escape`}},
		{in: `echo a\ b \$HOME`, want: []string{"echo", "a b", "$HOME"}},
		{in: "echo $HOME *.go", want: []string{"echo", "$HOME", "*.go"}},
		{in: "tab\tsep\nline", want: []string{"tab", "sep", "line"}},
		{in: "héllo wörld", want: []string{"héllo", "wörld"}},
		{in: `echo "open`, bad: true},
		{in: `echo 'open`, bad: true},
		{in: `echo \`, bad: true},
	} {
		got, err := SplitCommand(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("SplitCommand(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestShareCommandAllowed(t *testing.T) {
	for v, want := range map[string]bool{"": true, "1": true, "on": true, "0": false, "false": false, "OFF": false, "no": false} {
		if got := ShareCommandAllowed(v); got != want {
			t.Errorf("ShareCommandAllowed(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestShareFile(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(path, []byte("line one\nline two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := alice.ShareFile(ctx, "bob", path, "the notes")
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != path || res.Size != 18 || res.Resolved != "" || res.To != "bob" {
		t.Fatalf("ShareFile = %+v", res)
	}
	got := mustCheck(t, bob)
	if len(got) != 1 {
		t.Fatalf("bob got %d messages, want 1", len(got))
	}
	m := got[0]
	for _, want := range []string{"Shared file: " + path, "Description: the notes", "line one\nline two\n"} {
		if !strings.Contains(m.Content, want) {
			t.Errorf("content %q lacks %q", m.Content, want)
		}
	}
	var data map[string]any
	if err := json.Unmarshal(m.Data, &data); err != nil || data["type"] != "file" || data["filepath"] != path || data["description"] != "the notes" {
		t.Errorf("data = %s, %v", m.Data, err)
	}

	// A symlink is reported with the file it leads to.
	if runtime.GOOS != "windows" {
		link := filepath.Join(dir, "link.txt")
		if err := os.Symlink(path, link); err != nil {
			t.Fatal(err)
		}
		res, err := alice.ShareFile(ctx, "bob", link, "")
		if err != nil || res.Resolved != path {
			t.Fatalf("ShareFile(symlink) = %+v, %v; want resolved %s", res, err, path)
		}
		if m := mustCheck(t, bob); len(m) != 1 || !strings.Contains(m[0].Content, "Symlink to: "+path) {
			t.Fatalf("symlink share content = %q", contents(m))
		}
	}
}

func TestShareFileLargeTravelsAsFile(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	path := filepath.Join(t.TempDir(), "big.md")
	text := strings.Repeat("All work and no play makes a dull agent. ", 500) // ~20 KB
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := alice.ShareFile(ctx, "bob", path, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.LargeFile == "" {
		t.Fatalf("a %d-byte file did not travel as a large-message file", len(text))
	}
	full, err := os.ReadFile(res.LargeFile)
	if err != nil || !strings.Contains(string(full), text) {
		t.Fatalf("large file %s lacks the full text: %v", res.LargeFile, err)
	}
	if m := mustCheck(t, bob); len(m) != 1 || !strings.Contains(m[0].Content, res.LargeFile) {
		t.Fatalf("message = %q, want the large file's path", contents(m))
	}
}

func TestShareFileRefusals(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	dir := t.TempDir()
	binary := filepath.Join(dir, "bin")
	os.WriteFile(binary, []byte{0x7f, 'E', 'L', 'F', 0, 0, 0xff}, 0o600)
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, MaxShareFile+1), 0o600)
	cases := map[string]Kind{
		filepath.Join(dir, "missing"): NotFound,
		dir:                           BadRequest,
		binary:                        BadRequest,
		big:                           TooLarge,
		"":                            BadRequest,
	}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "fifo")
		if err := mkfifo(fifo); err != nil {
			t.Fatal(err)
		}
		cases[fifo] = BadRequest // must not block waiting for a writer
		cases["/dev/null"] = BadRequest
	}
	for path, kind := range cases {
		_, err := alice.ShareFile(ctx, "bob", path, "")
		if KindOf(err) != kind {
			t.Errorf("ShareFile(%q) = %v, want %s", path, err, kind)
		}
	}
	ok := filepath.Join(dir, "ok")
	os.WriteFile(ok, []byte("fine"), 0o600)
	if _, err := alice.ShareFile(ctx, "../etc", ok, ""); KindOf(err) != Invalid {
		t.Errorf("ShareFile to ../etc = %v, want invalid_id", err)
	}
}

func TestShareCommand(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil || runtime.GOOS == "windows" {
		t.Skip("needs a POSIX sh")
	}
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")

	res, err := alice.ShareCommand(ctx, "bob", `sh -c "echo out; echo err >&2; exit 3"`, "a failing build")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || res.Stdout != "out\n" || res.Stderr != "err\n" || res.TimedOut {
		t.Fatalf("ShareCommand = %+v", res)
	}
	m := mustCheck(t, bob)
	if len(m) != 1 {
		t.Fatalf("bob got %d messages", len(m))
	}
	for _, want := range []string{"Command output: sh -c", "Exit code: 3", "Description: a failing build", "stdout:\nout\n", "stderr:\nerr\n"} {
		if !strings.Contains(m[0].Content, want) {
			t.Errorf("content %q lacks %q", m[0].Content, want)
		}
	}
	var data map[string]any
	if err := json.Unmarshal(m[0].Data, &data); err != nil || data["type"] != "command" || data["returncode"] != 3.0 {
		t.Errorf("data = %s, %v", m[0].Data, err)
	}

	// No shell: a pipe is an argument.
	res, err = alice.ShareCommand(ctx, "bob", "echo a | wc -c", "")
	if err != nil || res.Stdout != "a | wc -c\n" {
		t.Fatalf("ShareCommand(echo a | wc -c) = %+v, %v", res, err)
	}

	// Output is bounded.
	res, err = alice.ShareCommand(ctx, "bob", `sh -c "head -c 200000 /dev/zero | tr '\\0' x"`, "")
	if err != nil || !res.Truncated || len(res.Stdout) != MaxCommandOutput {
		t.Fatalf("chatty command: truncated %v, %d bytes, %v", res.Truncated, len(res.Stdout), err)
	}

	for _, bad := range []string{"", "   ", `echo "open`, "no-such-program-ipc-test"} {
		if _, err := alice.ShareCommand(ctx, "bob", bad, ""); KindOf(err) != BadRequest {
			t.Errorf("ShareCommand(%q) = %v, want bad_request", bad, err)
		}
	}
	if _, err := alice.ShareCommand(ctx, "a/b", "true", ""); KindOf(err) != Invalid {
		t.Errorf("ShareCommand to a/b = %v, want invalid_id", err)
	}
}

// TestShareCommandKillsGroup runs a command whose child outlives it and
// checks that cancelling kills the whole group: the run returns promptly
// instead of waiting for the grandchild's pipe to close.
func TestShareCommandKillsGroup(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil || runtime.GOOS == "windows" {
		t.Skip("needs a POSIX sh")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	short, cancel := cancelWhenWritten(pidFile)
	defer cancel()
	run, err := runCommand(short, []string{"sh", "-c", "sleep 600 & echo $! >" + pidFile + "; sleep 600"})
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != -1 {
		t.Fatalf("killed command exit code = %d, want -1", run.ExitCode)
	}
	if runtime.GOOS != "linux" {
		return
	}
	// The grandchild died with the group (gone, or a zombie awaiting its
	// reaper).
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(b))
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return
		}
		if f := strings.Fields(string(b)); len(f) > 2 && f[2] == "Z" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %s still runs after the command was killed", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cancelWhenWritten returns a context cancelled once the command has
// written a line to path (its grandchild runs by then), so that a loaded
// machine cannot cancel it before it gets that far.
func cancelWhenWritten(path string) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(context.Background())
	go func() {
		for c.Err() == nil {
			if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return c, cancel
}
