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
		got, err := splitCommand(tc.in)
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
	if _, err := alice.ShareFile(ctx, "../etc", ok, ""); KindOf(err) != InvalidID {
		t.Errorf("ShareFile to ../etc = %v, want invalid_id", err)
	}
}

// recorder is a CommandRunner that runs nothing: it records the words it
// was given and returns what the test set.
type recorder struct {
	calls [][]string
	out   CommandRun
	err   error
}

func (r *recorder) run(_ context.Context, args []string) (CommandRun, error) {
	r.calls = append(r.calls, args)
	return r.out, r.err
}

func TestShareCommand(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")

	r := &recorder{out: CommandRun{ExitCode: 3, Stdout: "out\n", Stderr: "err"}}
	res, err := alice.ShareCommand(ctx, "bob", `sh -c "echo out; exit 3"`, "a failing build", r.run)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.calls, [][]string{{"sh", "-c", "echo out; exit 3"}}) {
		t.Fatalf("runner got %q", r.calls)
	}
	if res.ExitCode != 3 || res.Stdout != "out\n" || res.To != "bob" || !reflect.DeepEqual(res.Args, r.calls[0]) {
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

	// A run killed after the time limit, with its output cut, says so.
	r.out = CommandRun{ExitCode: -1, TimedOut: true, Truncated: true}
	if _, err := alice.ShareCommand(ctx, "bob", "sleep 600", "", r.run); err != nil {
		t.Fatal(err)
	}
	m = mustCheck(t, bob)
	for _, want := range []string{"Timed out after 30s and killed.", "stdout: (empty)", "(output cut at 65536 bytes per stream)"} {
		if len(m) != 1 || !strings.Contains(m[0].Content, want) {
			t.Errorf("content %q lacks %q", contents(m), want)
		}
	}

	// A program that cannot be started is a bad request, and nothing is sent.
	r.err = exec.ErrNotFound
	if _, err := alice.ShareCommand(ctx, "bob", "no-such-program-ipc-test", "", r.run); KindOf(err) != BadRequest {
		t.Errorf("unstartable program: %v, want bad_request", err)
	}
	r.err = nil
	for _, bad := range []string{"", "   ", `echo "open`} {
		if _, err := alice.ShareCommand(ctx, "bob", bad, "", r.run); KindOf(err) != BadRequest {
			t.Errorf("ShareCommand(%q) = %v, want bad_request", bad, err)
		}
	}
	if _, err := alice.ShareCommand(ctx, "a/b", "true", "", r.run); KindOf(err) != InvalidID {
		t.Errorf("ShareCommand to a/b = %v, want invalid_id", err)
	}
	if _, err := alice.ShareCommand(ctx, "bob", "true", "", nil); KindOf(err) != Internal {
		t.Errorf("ShareCommand without a runner = %v, want internal", err)
	}
	if len(r.calls) != 3 {
		t.Errorf("the runner ran %d commands, want 3: %q", len(r.calls), r.calls)
	}
	if m := mustCheck(t, bob); len(m) != 0 {
		t.Errorf("refused shares sent %q", contents(m))
	}
}
