package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// words splits a fuzz input into command-line words at NUL bytes (which
// real arguments cannot hold).
func words(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// FuzzSplitRecipient: the loose "TO MESSAGE..." forms never panic; the
// recipient is the first word up to its first colon, and the message is
// the rest, words joined by spaces.
func FuzzSplitRecipient(f *testing.F) {
	for _, s := range []string{"bob\x00hello", "bob:\x00need\x00help", "bob:quick\x00one", "bob", ":", "::\x00x", "\x00", "a:b:c\x00d", "-\x00-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w := words(s)
		to, content, err := splitRecipient(w)
		if err != nil {
			if _, ok := err.(usageErr); !ok {
				t.Fatalf("splitRecipient(%q): %T %v, want a usage error", w, err, err)
			}
			return
		}
		if strings.Contains(to, ":") || !strings.HasPrefix(w[0], to) {
			t.Fatalf("splitRecipient(%q): recipient %q", w, to)
		}
		rest := w[1:]
		if tail := strings.TrimPrefix(strings.TrimPrefix(w[0], to), ":"); tail != "" {
			rest = append([]string{tail}, rest...)
		}
		if want := strings.Join(rest, " "); content != want || len(rest) == 0 {
			t.Fatalf("splitRecipient(%q): content %q, want %q", w, content, want)
		}
	})
}

// FuzzParseArgs: flags before and after positional arguments never panic,
// and the positional arguments returned are input words, in their order.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"--json", "bob\x00--json\x00hi", "--wait\x0030s\x00--max\x005", "--\x00--json", "-n\x00-5", "--wait=", "---x", "-", "--max\x00", "-h", "bob\x00--help"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := words(s)
		fs := flags("check")
		fs.Duration("wait", 0, "")
		fs.Int("max", 0, "")
		fs.Bool("json", false, "")
		pos, err := parse(fs, args)
		if err != nil {
			_, usage := err.(usageErr)
			_, help := err.(helpRequest)
			if !usage && !help {
				t.Fatalf("parse(%q): %T %v, want a usage error or a help request", args, err, err)
			}
			return
		}
		if i := slices.Index(args, "--"); i >= 0 {
			after := args[i+1:]
			if len(pos) < len(after) || !slices.Equal(pos[len(pos)-len(after):], after) {
				t.Fatalf("parse(%q) = %q: the words after -- are not its last words", args, pos)
			}
		}
		i := 0
		for _, p := range pos {
			for i < len(args) && args[i] != p {
				i++
			}
			if i == len(args) {
				t.Fatalf("parse(%q) = %q: %q is not an input word in order", args, pos, p)
			}
			i++
		}
	})
}

// FuzzRun runs the CLI in process, in a scratch mailbox, with fuzzed
// arguments after one of the commands that only touch the mailbox: it
// never panics, exits 0, 1, 2, 3 or 4, and reports failures as "ipc: <kind>:"
// with a kind other than internal.
func FuzzRun(f *testing.F) {
	for _, s := range []string{"bob\x00hi", "--data\x00{\"a\":1}\x00bob\x00x", "--wait\x001ms", "-n\x000", "nope", "new-name", "--json", "", "bob:\x00-", "--max\x00-1"} {
		for c := range safeCommands {
			f.Add(uint8(c), s)
		}
	}
	home := filepath.Join(f.TempDir(), "home")
	os.Setenv("IPC_SYNC", "none")
	os.Setenv("IPC_RATE_BURST", "off")
	env := map[string]string{"IPC_AUTOSTART": "0", "IPC_HOME": home}
	getenv := func(k string) string { return env[k] }
	f.Fuzz(func(t *testing.T, cmd uint8, s string) {
		if strings.Contains(s, "-home") {
			return // --home after the command would take the run out of the scratch mailbox
		}
		args := append([]string{"--as", "fuzzer", safeCommands[int(cmd)%len(safeCommands)]}, words(s)...)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, strings.NewReader("from stdin"), &stdout, &stderr, getenv)
		msg := stderr.String()
		if ctx.Err() != nil {
			return // cut short by the test's own deadline (watch, a slow gc)
		}
		switch {
		case code == 0:
		case code == 1 && (msg == "" || strings.HasPrefix(msg, "ipc: ") && !strings.HasPrefix(msg, "ipc: internal:")):
		case code == 2 && strings.HasPrefix(msg, "ipc: usage: "):
		case code == 3 && strings.HasPrefix(msg, "ipc: partial: "): // a broadcast some recipients missed
		case code == exitNoMail && msg == "": // a check --wait no mail ended
		default:
			t.Fatalf("ipc %q: exit %d, stderr %q", args, code, msg)
		}
	})
}

// safeCommands are the commands FuzzRun may run: they act on the mailbox
// only and end by themselves or with their context.
var safeCommands = []string{"send", "broadcast", "check", "history", "read", "list", "rename", "gc", "watch", "version", "forget", "whoami"}
