package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagsAnywhere: flags go anywhere before "--", in every command;
// every word after "--" is message text; --help after the recipient or
// the text is help, not a message; the global flags work after the
// command; text that starts with "-" is refused with the way to send it.
func TestFlagsAnywhere(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "check") // register bob
	cases := []struct {
		name    string
		as      string // IPC_ID
		stdin   string
		args    []string
		code    int
		output  string // what stdout (exit 0) or stderr (else) starts with or contains
		from    string // the message bob gets, if any
		content string
		data    string
	}{
		{"help after the recipient", "alice", "", []string{"send", "bob", "--help"}, 0, "Usage: ipc send", "", "", ""},
		{"help after the text", "alice", "", []string{"send", "bob", "hi", "-h"}, 0, "Usage: ipc send", "", "", ""},
		{"help after broadcast text", "alice", "", []string{"broadcast", "hello", "--help"}, 0, "Usage: ipc broadcast", "", "", ""},
		{"a flag after the text", "alice", "", []string{"send", "bob", "hi", "--data", "{}"}, 0, "Message sent", "alice", "hi", "{}"},
		{"a flag between the words", "alice", "", []string{"send", "bob", "hi", "--json", "there"}, 0, `{"id"`, "alice", "hi there", ""},
		{"-- ends the flags", "alice", "", []string{"send", "bob", "--", "--help"}, 0, "Message sent", "alice", "--help", ""},
		{"after -- every word is text", "alice", "", []string{"send", "bob", "--", "a", "--json", "--", "b"}, 0, "Message sent", "alice", "a --json -- b", ""},
		{"text that starts with - after --", "alice", "", []string{"send", "bob", "--", "-1", "is", "the", "answer"}, 0, "Message sent", "alice", "-1 is the answer", ""},
		{"text that starts with - needs --", "alice", "", []string{"send", "bob", "-1", "is", "the", "answer"}, 2, "message text that starts with - goes after --", "", "", ""},
		{"- still reads stdin", "alice", "piped", []string{"send", "bob", "-", "--json"}, 0, `{"id"`, "alice", "piped", ""},
		{"--as after the command", "", "", []string{"send", "--as", "alice", "bob", "hi"}, 0, "Message sent", "alice", "hi", ""},
		{"--as= at the end", "", "", []string{"send", "bob", "hi", "--as=alice"}, 0, "Message sent", "alice", "hi", ""},
		{"--as after the command wins over IPC_ID", "carol", "", []string{"send", "bob", "x", "--as", "alice"}, 0, "Message sent", "alice", "x", ""},
		{"--as after the command wins over --as before it", "", "", []string{"--as", "carol", "send", "--as", "alice", "bob", "y"}, 0, "Message sent", "alice", "y", ""},
		{"--as after -- is text", "alice", "", []string{"send", "bob", "--", "--as", "carol"}, 0, "Message sent", "alice", "--as carol", ""},
		{"--as without its value", "", "", []string{"send", "bob", "hi", "--as"}, 2, "flag needs an argument: -as", "", "", ""},
		{"broadcast: -- ends the flags", "alice", "", []string{"broadcast", "--", "--json"}, 0, "Broadcast to", "alice", "--json", ""},
		{"broadcast: a flag after the text", "alice", "", []string{"broadcast", "hello", "--json"}, 0, `{"large_file"`, "alice", "hello", ""},
		{"check: --as after the command", "", "", []string{"check", "--as", "alice"}, 0, "No new messages", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ipc(t, d, c.as, c.stdin, c.args...)
			out := r.stdout
			if c.code != 0 {
				out = r.stderr
			}
			if r.code != c.code || !strings.Contains(out, c.output) {
				t.Fatalf("ipc %q: exit %d\nstdout %q\nstderr %q\nwant exit %d with %q", c.args, r.code, r.stdout, r.stderr, c.code, c.output)
			}
			got := checkJSON(t, d, "bob").Messages
			if c.content == "" {
				if len(got) != 0 {
					t.Fatalf("ipc %q sent %+v", c.args, got)
				}
				return
			}
			if len(got) != 1 || got[0].From != c.from || got[0].Message.Content != c.content || string(got[0].Message.Data) != c.data {
				t.Fatalf("ipc %q: bob got %+v; want one message from %s %q data %q", c.args, got, c.from, c.content, c.data)
			}
		})
	}
}

// TestGlobalFlagsAfterCommand: --home after the command chooses the
// mailbox as it does before it, for a command with an identity and one
// without, and the mailbox of IPC_HOME is left alone.
func TestGlobalFlagsAfterCommand(t *testing.T) {
	tmp := t.TempDir()
	env, other := filepath.Join(tmp, "env-home"), filepath.Join(tmp, "other")
	mustIPC(t, env, "", "", "--home", other, "send", "--as", "alice", "bob", "before")
	mustIPC(t, env, "alice", "", "send", "bob", "after", "--home", other)
	out := mustIPC(t, env, "bob", "", "check", "--home", other)
	if !strings.Contains(out, "Content: before") || !strings.Contains(out, "Content: after") {
		t.Fatalf("check --home %s: %q", other, out)
	}
	if out := mustIPC(t, env, "", "", "list", "--home="+other); !strings.Contains(out, "alice") || !strings.Contains(out, "bob") {
		t.Fatalf("list --home: %q", out)
	}
	if _, err := os.Stat(env); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the mailbox of IPC_HOME was touched (stat: %v)", err)
	}
}
