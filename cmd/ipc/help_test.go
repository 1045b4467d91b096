package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// singleDashLong is a long flag written with one dash (-json), as Go's
// flag package prints them.
var singleDashLong = regexp.MustCompile(`(^|[\s\[,])-[a-z][a-z-]+`)

// TestCommandHelp: every command of the table answers -h, --help and
// "ipc help NAME" with the same help on stdout, exit 0, touching no
// mailbox: its usage line from the table, its flags written --flag, the
// global flags, the variables it reads and examples.
func TestCommandHelp(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	for name, cmd := range commands() {
		synopsis, _ := splitSummary(cmd.summary)
		want := mustIPC(t, d, "alice", "", "help", name)
		for _, args := range [][]string{{name, "-h"}, {name, "--help"}, {"help", name}, {name, "x", "--help"}, {"--as", "bob", name, "--help"}} {
			r := ipc(t, d, "alice", "", args...)
			if r.code != 0 || r.stdout != want || r.stderr != "" {
				t.Errorf("ipc %q: exit %d\nstdout %q\nstderr %q\nwant the help of ipc help %s", args, r.code, r.stdout, r.stderr, name)
			}
		}
		if !strings.HasPrefix(want, "Usage: ipc "+synopsis+"\n") {
			t.Errorf("ipc help %s does not start with its usage line: %q", name, want)
		}
		for _, section := range []string{"\nGlobal flags:\n  --as NAME", "  --home DIR", "  -h, --help", "\nExamples:\n  "} {
			if !strings.Contains(want, section) {
				t.Errorf("ipc help %s lacks %q (its entry in commandDocs, help.go, gives examples):\n%s", name, section, want)
			}
		}
		if m := singleDashLong.FindString(want); m != "" {
			t.Errorf("ipc help %s writes a long flag with one dash (%q):\n%s", name, m, want)
		}
		if doc := commandDocs[name]; (len(doc.env) > 0 || doc.settings) && !strings.Contains(want, "\nEnvironment:\n") {
			t.Errorf("ipc help %s names no variables:\n%s", name, want)
		}
	}
	send := mustIPC(t, d, "alice", "", "send", "--help")
	for _, want := range []string{"\nFlags:\n  --ack ", "  --data JSON ", "  --idempotency-key KEY ", "  --priority PRIORITY ", "  --reply-to ID ", "  --subject SUBJECT ", "  --json ", "  IPC_ID ", "  IPC_HOME ", "ipc send bob -- -1 is the answer"} {
		if !strings.Contains(send, want) {
			t.Errorf("send --help lacks %q:\n%s", want, send)
		}
	}
	if h := mustIPC(t, d, "", "", "history", "-h"); !strings.Contains(h, "  -n N ") || !strings.Contains(h, "(default 20)") {
		t.Errorf("history -h: a one-letter flag is -n, with its default:\n%s", h)
	}
	if env := mustIPC(t, d, "", "", "help", "environment"); !strings.Contains(env, "IPC_RETENTION") || !strings.Contains(env, "IPC_CHANNEL") {
		t.Errorf("ipc help environment: %q", env)
	}
	if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("help created the mailbox %s (stat: %v)", d, err)
	}
}

// TestEveryCommandAnswersHelp: a command declares and parses its flags
// before it does anything, so asking it for help hands its flags over
// (help, completion and the global flags after the command rely on it).
func TestEveryCommandAnswersHelp(t *testing.T) {
	c := &cli{getenv: func(string) string { return "" }}
	for name, cmd := range commands() {
		if fs := c.flagSet(bg(), cmd); fs == nil || fs.Name() != name {
			t.Errorf("ipc %s --help does not answer with its flag set (%v)", name, fs)
		}
	}
}

// TestManualListsEveryCommand: ipc -h names every command of the table.
func TestManualListsEveryCommand(t *testing.T) {
	for name := range commands() {
		if !regexp.MustCompile(`(?m)^  ` + name + `\b`).MatchString(manual) {
			t.Errorf("the manual (ipc -h) does not list %s", name)
		}
	}
	for _, want := range []string{"--version", "ipc help COMMAND", "ipc help environment", "after --"} {
		if !strings.Contains(manual, want) {
			t.Errorf("the manual does not say %q", want)
		}
	}
}

// TestDidYouMean: a mistyped command is a usage error that names the
// commands it is likely a typo of, and none when nothing is near.
func TestDidYouMean(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sned", "bob", "hi"}, `unknown command "sned": did you mean send or sent? (run ipc -h)`},
		{[]string{"chekc"}, "did you mean check?"},
		{[]string{"lsit", "--json"}, "did you mean list?"},
		{[]string{"stat"}, "did you mean sent, status or stop?"},
		{[]string{"brodcast", "hi"}, "did you mean broadcast?"},
		{[]string{"st"}, "did you mean stop or status?"},
		{[]string{"help", "sned"}, "did you mean send or sent?"},
		{[]string{"frobnicate"}, `unknown command "frobnicate" (run ipc -h)`},
	}
	for _, c := range cases {
		r := ipc(t, d, "alice", "", c.args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "ipc: usage: ") || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("ipc %q: exit %d stdout %q stderr %q; want exit 2 and %q", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
	if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a mistyped command created the mailbox (stat: %v)", err)
	}
}
