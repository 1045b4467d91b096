package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// runDemo: ipc demo [--keep] — a guided tour in a temporary mailbox: two
// agents exchange messages with data, a message waits for an agent that
// has not registered yet, a large message becomes a file, a rename
// forwards mail, and an agent waits for mail as agents do. Each step shows
// the ipc command that does the same in a shell, then what happened; at
// the end it shows the files on disk.
func runDemo(ctx context.Context, c *cli, args []string) error {
	fs := flags("demo")
	keep := fs.Bool("keep", false, "keep the temporary mailbox and print its path")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "ipc-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(root)
	}
	st, err := maildir.Open(root, maildir.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	w := c.stdout
	step := func(title string) { fmt.Fprintf(w, "\n== %s\n", title) }
	run := func(command string) { fmt.Fprintf(w, "  %s\n", command) }
	say := func(format string, a ...any) { fmt.Fprintf(w, "      %s\n", fmt.Sprintf(format, a...)) }

	fmt.Fprintf(w, "ipc demo: a temporary mailbox at %s\n", root)
	fmt.Fprintf(w, "Each step shows the command that does the same in a shell, then what it did.\n")
	fmt.Fprintf(w, "The commands act on IPC_HOME (default ~/.claude-ipc); to try them on this mailbox,\nrun ipc demo --keep and export IPC_HOME=%s\n", shellQuote(root))

	step("alice and bob register (any command registers its IPC_ID when needed)")
	run("IPC_ID=alice ipc check")
	run("IPC_ID=bob ipc check")
	alice, bob, err := loginPair(ctx, st)
	if err != nil {
		return err
	}
	say("%s; %s", present.Registered("alice", 0), present.Registered("bob", 0))

	step("alice sends bob a message with structured data")
	content, data := "Can you review the auth module? The tests are in auth_test.go.", `{"pr": 42, "files": ["auth.go", "auth_test.go"]}`
	run("IPC_ID=alice ipc send --data " + shellQuote(data) + " bob " + shellQuote(content))
	r, err := alice.Send(ctx, "bob", content, json.RawMessage(data))
	if err != nil {
		return err
	}
	say("%s (id %s)", present.Sent(r), r.ID)
	first := r.ID

	step("alice writes to carol, who has not registered yet (future messaging)")
	content = "Welcome aboard! Ping me when you are set up."
	run("IPC_ID=alice ipc send carol " + shellQuote(content))
	if r, err = alice.Send(ctx, "carol", content, nil); err != nil {
		return err
	}
	say("%s", present.Sent(r))

	step("bob checks his mail (each message is claimed exactly once, then kept as read)")
	run("IPC_ID=bob ipc check")
	if err := demoCheck(ctx, w, bob); err != nil {
		return err
	}

	step("carol registers and finds her queued mail")
	run("IPC_ID=carol ipc check")
	carol, err := st.Login(ctx, "carol", "")
	if err != nil {
		return err
	}
	u, _ := carol.Unread(ctx)
	say("Registered carol: %s waiting", count(u.Count, "queued message"))
	if err := demoCheck(ctx, w, carol); err != nil {
		return err
	}

	step("alice sends a large message (over 10,240 bytes): it becomes a markdown file")
	const line = "Every line of the design goes here."
	const lines = 300
	run(fmt.Sprintf("yes %s | head -n %d | IPC_ID=alice ipc send bob -", shellQuote(line), lines))
	big := strings.Repeat(line+"\n", lines)
	if r, err = alice.Send(ctx, "bob", big, nil); err != nil {
		return err
	}
	say("%s; %d bytes stored in %s", present.Sent(r), len(big), rel(root, r.LargeFile))

	step("bob renames himself to robert: bob forwards to robert for 2 hours")
	run("IPC_ID=bob ipc rename robert")
	rr, err := bob.Rename(ctx, "robert")
	if err != nil {
		return err
	}
	say("%s (%s notified)", present.Renamed(rr), count(rr.Notified, "agent"))
	content = "Thanks for the welcome, bob!"
	run("IPC_ID=carol ipc send bob " + shellQuote(content))
	if r, err = carol.Send(ctx, "bob", content, nil); err != nil {
		return err
	}
	say("%s", present.Sent(r))
	run("IPC_ID=robert ipc check")
	if err := demoCheck(ctx, w, bob); err != nil {
		return err
	}
	run("IPC_ID=alice ipc check")
	if err := demoCheck(ctx, w, alice); err != nil {
		return err
	}

	step("robert waits for mail as agents do: the MCP tool check with wait_seconds, ipc watch")
	if err := demoWait(ctx, w, alice, bob); err != nil {
		return err
	}

	step("read mail stays on disk: robert reads alice's first message again by id")
	run("IPC_ID=robert ipc read " + first)
	m, err := bob.Read(ctx, first)
	if err != nil {
		return err
	}
	say("from %s: %q", m.From, m.Content)

	step("who is here")
	run("ipc list")
	agents, err := st.Agents(ctx)
	if err != nil {
		return err
	}
	for _, a := range agents {
		status := "offline"
		if a.Online {
			status = "online"
		}
		say("%-8s %s", a.ID, status)
	}

	step("the files on disk")
	run(`find "$IPC_HOME" | sort`)
	if err := demoTree(w, root); err != nil {
		return err
	}
	run(`cat "$IPC_HOME"/` + shellQuote(rel(root, m.Path)))
	b, err := os.ReadFile(m.Path)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		fmt.Fprintf(w, "      | %s\n", line)
	}
	if *keep {
		fmt.Fprintf(w, "\nThe mailbox is kept at %s. Try:\n  export IPC_HOME=%s\n  ipc list\n", root, shellQuote(root))
	} else {
		fmt.Fprintf(w, "\nDone; the temporary mailbox was removed. Next, in your own mailbox:\n  IPC_ID=alice ipc send bob 'hello'\n  IPC_ID=bob ipc check\n")
	}
	return nil
}

// demoWait shows the check-then-wait every waiting door does: robert
// waits, alice sends, and the wait returns the message. The first check
// of the wait finds the message if it landed first, so the outcome does
// not depend on which goroutine runs first.
func demoWait(ctx context.Context, w io.Writer, alice, robert *maildir.Session) error {
	fmt.Fprintf(w, "  %s\n", `IPC_ID=robert ipc check --wait 30s`)
	fmt.Fprintf(w, "      %s\n", `(an agent's MCP client calls {"name": "check", "arguments": {"wait_seconds": 30}})`)
	type waited struct {
		r   maildir.Waited
		err error
	}
	done := make(chan waited, 1)
	go func() {
		r, err := maildir.CheckWait(ctx, robert, maildir.CheckOptions{}, 30*time.Second, nil)
		done <- waited{r, err}
	}()
	content := "Are you around for a call?"
	fmt.Fprintf(w, "  %s\n", "IPC_ID=alice ipc send robert "+shellQuote(content))
	_, serr := alice.Send(ctx, "robert", content, nil)
	got := <-done // joined before returning, whatever the send did
	if serr != nil {
		return serr
	}
	if got.err != nil {
		return got.err
	}
	printDemoMessages(w, got.r.Result.Messages)
	return nil
}

func demoCheck(ctx context.Context, w io.Writer, s *maildir.Session) error {
	r, err := s.Check(ctx, maildir.CheckOptions{})
	if err != nil {
		return err
	}
	printDemoMessages(w, r.Messages)
	return nil
}

// printDemoMessages prints what a check claimed, one line per message.
func printDemoMessages(w io.Writer, ms []maildir.Message) {
	fmt.Fprintf(w, "      %s\n", count(len(ms), "message"))
	for _, m := range ms {
		content := m.Content
		if r := []rune(content); len(r) > 100 {
			content = string(r[:100]) + "..."
		}
		fmt.Fprintf(w, "        from %s: %s\n", m.From, strings.ReplaceAll(strings.TrimRight(content, "\n"), "\n", " / "))
		if len(m.Data) > 0 {
			fmt.Fprintf(w, "        data: %s\n", m.Data)
		}
	}
}

// count is n and noun, plural unless n is 1: "1 message", "2 messages".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// shellQuote is s as one word of a bash or zsh command line: as it is
// when it holds only characters no shell treats specially, else in single
// quotes (in which neither expands globs, variables or history).
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") == "" {
		return s
	}
	return singleQuote(s)
}

func demoTree(w io.Writer, root string) error {
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		r := rel(root, p)
		if strings.HasSuffix(r, ".lock") || strings.HasPrefix(filepath.Base(r), ".") {
			return nil
		}
		if d.IsDir() {
			r += "/"
		}
		lines = append(lines, r)
		return nil
	})
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintf(w, "      %s\n", l)
	}
	return err
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

// loginPair acts as alice and bob on st.
func loginPair(ctx context.Context, st *maildir.Store) (alice, bob *maildir.Session, err error) {
	if alice, err = st.Login(ctx, "alice", ""); err != nil {
		return nil, nil, err
	}
	if bob, err = st.Login(ctx, "bob", ""); err != nil {
		return nil, nil, err
	}
	return alice, bob, nil
}
