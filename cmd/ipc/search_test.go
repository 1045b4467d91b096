package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cliSearch runs ipc search --json as who and returns the contents found.
func cliSearch(t *testing.T, home, who string, args ...string) ([]string, jsonSearch) {
	t.Helper()
	out := mustIPC(t, home, who, "", append([]string{"search", "--json"}, args...)...)
	var res jsonSearch
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json: %v\n%s", err, out)
	}
	var got []string
	for _, m := range res.Results {
		got = append(got, m.Message.Content)
	}
	return got, res
}

func TestSearchCommand(t *testing.T) {
	home := t.TempDir()
	mustIPC(t, home, "alice", "", "send", "bob", "the auth module is ready")
	mustIPC(t, home, "carol", "", "send", "bob", "lunch at noon")
	mustIPC(t, home, "carol", "", "send", "dave", "dave's auth secret")

	out := mustIPC(t, home, "bob", "", "search", "auth")
	if !strings.Contains(out, "alice -> bob  [unread]") || !strings.Contains(out, "the auth module is ready") || strings.Contains(out, "secret") {
		t.Fatalf("search auth as bob:\n%s", out)
	}
	if got, _ := cliSearch(t, home, "bob", "--from", "carol"); !slices.Equal(got, []string{"lunch at noon"}) {
		t.Fatalf("--from carol: %q", got)
	}
	if got, _ := cliSearch(t, home, "bob", `"module is"`, "--since", "1h"); len(got) != 1 {
		t.Fatalf("phrase since 1h: %q", got)
	}
	if got, res := cliSearch(t, home, "bob", "au*", "--unread"); len(got) != 1 || !res.Results[0].Unread || res.Results[0].Time == "" {
		t.Fatalf("prefix unread: %+v", res)
	}
	mustIPC(t, home, "bob", "", "check")
	if got, _ := cliSearch(t, home, "bob", "auth", "--unread"); len(got) != 0 {
		t.Fatalf("unread after check: %q", got)
	}
	// Paging: one a page, newest first, to the end.
	first, res := cliSearch(t, home, "bob", "--from", "alice", "--to", "bob", "-n", "1")
	if len(first) != 1 || res.Next != "" {
		t.Fatalf("one hit, no next: %+v", res)
	}
	all, res := cliSearch(t, home, "bob", "--to", "bob", "-n", "1")
	if len(all) != 1 || res.Next == "" {
		t.Fatalf("page 1: %+v", res)
	}
	more, res := cliSearch(t, home, "bob", "--to", "bob", "-n", "1", "--after", res.Next)
	if len(more) != 1 || more[0] == all[0] {
		t.Fatalf("page 2: %q after %q", more, all)
	}
	for _, bad := range [][]string{{"search"}, {"search", `"open`}, {"search", "a*"}, {"search", "x", "--since", "yesterday"}, {"search", "x", "--after", "nope"}} {
		r := ipc(t, home, "bob", "", bad...)
		if r.code == 0 || !strings.Contains(r.stderr, "bad_request") && !strings.Contains(r.stderr, "usage") {
			t.Errorf("ipc %q: exit %d, %s", bad, r.code, r.stderr)
		}
	}
}

func TestThreadCommand(t *testing.T) {
	home := t.TempDir()
	var sent struct {
		ID string `json:"id"`
	}
	out := mustIPC(t, home, "alice", "", "send", "--json", "bob", "ship on friday?")
	if err := json.Unmarshal([]byte(out), &sent); err != nil || sent.ID == "" {
		t.Fatalf("send --json: %v %s", err, out)
	}
	mustIPC(t, home, "alice", "", "send", "bob", "unrelated")
	// A reply in the thread, as a mail reader would write it.
	reply := "From: carol\nTo: bob\nX-IPC-Time: 2099-01-01T00:00:00Z\nIn-Reply-To: <" + sent.ID + "@ipc>\n" +
		"References: <" + sent.ID + "@ipc>\nSubject: Re: ship\n\nyes, friday\n"
	if err := os.WriteFile(filepath.Join(home, "mail", "bob", "new", "4070908800.M1P1Q1.reply"), []byte(reply), 0o600); err != nil {
		t.Fatal(err)
	}
	var th jsonThread
	if err := json.Unmarshal([]byte(mustIPC(t, home, "bob", "", "thread", "--json", sent.ID)), &th); err != nil {
		t.Fatal(err)
	}
	if len(th.Messages) != 2 || th.Messages[0].Message.Content != "ship on friday?" || th.Messages[1].InReplyTo != sent.ID || !th.Messages[1].Unread {
		t.Fatalf("thread --json: %+v", th)
	}
	text := mustIPC(t, home, "bob", "", "thread", "4070908800.M1P1Q1.reply")
	if !strings.Contains(text, "\n  4070908800.M1P1Q1.reply  ") || !strings.Contains(text, "[unread]  Re: ship") || strings.Contains(text, "unrelated") {
		t.Fatalf("thread as bob:\n%s", text)
	}
	if r := ipc(t, home, "carol", "", "thread", sent.ID); r.code == 0 || !strings.Contains(r.stderr, "not_found") {
		t.Fatalf("carol's thread of mail she never had: exit %d %s", r.code, r.stderr)
	}
	// Reading a thread marks nothing read.
	if got := checkJSON(t, home, "bob"); len(got.Messages) != 3 {
		t.Fatalf("bob's unread after thread: %d", len(got.Messages))
	}
}

// TestSearchSnippetShowsTheMatch: a hit deep in a long message shows the
// words around it, for a term, a prefix and a phrase alike.
func TestSearchSnippetShowsTheMatch(t *testing.T) {
	home := t.TempDir()
	long := strings.Repeat("filler words about lunch and weather ", 10) + "then the deploy window opens at noon, says ops. " + strings.Repeat("more filler ", 10)
	mustIPC(t, home, "alice", "", "send", "bob", long)
	for _, q := range []string{"deploy", "depl*", `"window opens"`} {
		out := mustIPC(t, home, "bob", "", "search", q)
		if !strings.Contains(out, "\n    …") || !strings.Contains(out, "the deploy window opens at noon") || strings.Contains(out, "lunch") {
			t.Errorf("search %s:\n%s", q, out)
		}
	}
}

// nextHint is the command a page printed after label ("More: "), run by a
// shell with ipc as the test's binary, and its output.
func nextHint(t *testing.T, home, as, page, label string) string {
	t.Helper()
	i := strings.Index(page, "\n"+label)
	if i < 0 {
		t.Fatalf("no %q line:\n%s", label, page)
	}
	line := strings.SplitN(page[i+1+len(label):], "\n", 2)[0]
	if !strings.HasPrefix(line, "ipc ") {
		t.Fatalf("hint %q is not an ipc command", line)
	}
	cmd := ipcCmd(home, as, "-c", `ipc() { "$IPC_BIN" "$@"; }; `+line)
	cmd.Path, cmd.Args[0] = "/bin/sh", "sh"
	cmd.Env = append(cmd.Env, "IPC_BIN="+ipcBin)
	r := runCmd(t, cmd, "")
	if r.code != 0 {
		t.Fatalf("%s: exit %d: %s", line, r.code, r.stderr)
	}
	return r.stdout
}

// TestNextPageHintsRepeatTheCommand: the next-page line of search, thread,
// sent and history is a whole command a shell runs as it is: the query
// (quoted), the filters and -n, and the cursor.
func TestNextPageHintsRepeatTheCommand(t *testing.T) {
	home := t.TempDir()
	root := sendJSON(t, home, "carol", "", "send", "bob", "it's a note, one")
	for _, c := range []string{"it's a note, two", "it's a note, three"} {
		mustIPC(t, home, "carol", "", "reply", root, c)
	}
	mustIPC(t, home, "alice", "", "send", "bob", "it's a note from alice")
	page := mustIPC(t, home, "bob", "", "search", "it's note", "--from", "carol", "-n", "2")
	if !strings.Contains(page, "\nMore: ipc search 'it'\\''s note' --from carol -n 2 --after ") {
		t.Fatalf("search page 1:\n%s", page)
	}
	if more := nextHint(t, home, "bob", page, "More: "); !strings.Contains(more, "one") || strings.Contains(more, "alice") || strings.Contains(more, "More:") {
		t.Errorf("search page 2:\n%s", more)
	}
	page = mustIPC(t, home, "bob", "", "thread", root, "-n", "2")
	if !strings.Contains(page, "\nMore: ipc thread "+root+" -n 2 --after ") {
		t.Fatalf("thread page 1:\n%s", page)
	}
	if more := nextHint(t, home, "bob", page, "More: "); !strings.Contains(more, "three") || strings.Contains(more, "one") {
		t.Errorf("thread page 2:\n%s", more)
	}
	_, res := cliSearch(t, home, "bob", "note", "-n", "1")
	for _, args := range [][]string{{"thread", root, "--after", res.Next}, {"history", "-n", "1", "--before", res.Next}} {
		if r := ipc(t, home, "bob", "", args...); r.code != 2 || !strings.Contains(r.stderr, "not a cursor of this listing") {
			t.Errorf("ipc %q with a search's cursor: exit %d, %s", args, r.code, r.stderr)
		}
	}
	page = mustIPC(t, home, "carol", "", "sent", "-n", "2")
	if more := nextHint(t, home, "carol", page, "More: "); !strings.Contains(more, root) {
		t.Errorf("sent page 2:\n%s", more)
	}
	mustIPC(t, home, "bob", "", "check")
	page = mustIPC(t, home, "bob", "", "history", "-n", "3")
	if more := nextHint(t, home, "bob", page, "Earlier: "); !strings.Contains(more, "one") {
		t.Errorf("history page 2:\n%s", more)
	}
}

// TestFoundLabelsSayWhoseState: [unread] labels only mail the reader
// received and has not read; mail it sent says its recipient's state.
func TestFoundLabelsSayWhoseState(t *testing.T) {
	home := t.TempDir()
	mustIPC(t, home, "bob", "", "check")
	id := sendJSON(t, home, "alice", "", "send", "bob", "deploy plan")
	for _, c := range []struct{ step, as, want string }{
		{"", "bob", "alice -> bob  [unread]\n"},
		{"", "alice", "alice -> bob  [unread by bob]\n"},
		{"check", "alice", "alice -> bob  [read by bob]\n"},
		{"ack", "alice", "alice -> bob  [acknowledged by bob]\n"},
		{"", "bob", "alice -> bob\n"},
	} {
		switch c.step {
		case "check":
			mustIPC(t, home, "bob", "", "check")
		case "ack":
			mustIPC(t, home, "bob", "", "ack", id)
		}
		for _, cmd := range [][]string{{"search", "deploy"}, {"thread", id}} {
			if out := mustIPC(t, home, c.as, "", cmd...); !strings.Contains(out, c.want) {
				t.Errorf("after %q, ipc %q as %s lacks %q:\n%s", c.step, cmd, c.as, c.want, out)
			}
		}
	}
}

// TestThreadIndentsByDepth: a reply to a reply is indented a step deeper
// than a reply to the root; on a later page a reply names the message it
// answers.
func TestThreadIndentsByDepth(t *testing.T) {
	home := t.TempDir()
	mustIPC(t, home, "bob", "", "check")
	root := sendJSON(t, home, "alice", "", "send", "bob", "root")
	r1 := sendJSON(t, home, "bob", "", "reply", root, "first answer")
	r2 := sendJSON(t, home, "alice", "", "reply", r1, "answer to the answer")
	r3 := sendJSON(t, home, "bob", "", "reply", root, "second answer")
	out := mustIPC(t, home, "alice", "", "thread", root)
	want := []string{"\n" + root + "  ", "\n  " + r1 + "  ", "\n    " + r2 + "  ", "\n  " + r3 + "  "}
	for _, w := range want {
		if !strings.Contains("\n"+out, w) {
			t.Errorf("thread lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "↳") {
		t.Errorf("thread with every parent shown names them:\n%s", out)
	}
	page := mustIPC(t, home, "alice", "", "thread", root, "-n", "2")
	if more := nextHint(t, home, "alice", page, "More: "); !strings.HasPrefix(more, "↳ re: "+r1+" (not on this page)\n  "+r2) {
		t.Errorf("page 2:\n%s", more)
	}
}
