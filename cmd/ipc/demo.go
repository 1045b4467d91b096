package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// runDemo: ipc demo [--keep] — a guided tour in a temporary mailbox: two
// agents exchange messages with data, a message waits for an agent that
// has not registered yet, a large message becomes a file, and a rename
// forwards mail. It prints what happened and the files on disk.
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
	say := func(who, format string, a ...any) { fmt.Fprintf(w, "  %-7s %s\n", who+":", fmt.Sprintf(format, a...)) }

	fmt.Fprintf(w, "ipc demo: a mailbox at %s\n", root)
	step("alice and bob register")
	alice, bob, err := loginPair(ctx, st)
	if err != nil {
		return err
	}
	say("alice", "%s", present.Registered("alice", 0))
	say("bob", "%s", present.Registered("bob", 0))

	step("alice sends bob a message with structured data")
	r, err := alice.Send(ctx, "bob", "Can you review the auth module? The tests are in auth_test.go.", json.RawMessage(`{"pr": 42, "files": ["auth.go", "auth_test.go"]}`))
	if err != nil {
		return err
	}
	say("alice", "ipc send bob ... -> %s (id %s)", present.Sent(r), r.ID)
	first := r.ID

	step("alice writes to carol, who has not registered yet (future messaging)")
	r, err = alice.Send(ctx, "carol", "Welcome aboard! Ping me when you are set up.", nil)
	if err != nil {
		return err
	}
	say("alice", "%s", present.Sent(r))

	step("bob checks his mail (each message is claimed exactly once, then kept as read)")
	if err := demoCheck(ctx, w, bob); err != nil {
		return err
	}

	step("carol registers and finds her queued mail")
	carol, err := st.Login(ctx, "carol", "")
	if err != nil {
		return err
	}
	u, _ := carol.Unread(ctx)
	say("carol", "%s", present.Registered("carol", u.Count))
	if err := demoCheck(ctx, w, carol); err != nil {
		return err
	}

	step("alice sends a large message (over 10,240 bytes): it becomes a markdown file")
	big := "Here is the full design for the session layer. It covers tokens, expiry and renames. " +
		strings.Repeat("Every line of the design goes here. ", 320)
	r, err = alice.Send(ctx, "bob", big, nil)
	if err != nil {
		return err
	}
	say("alice", "%s; %d bytes stored in %s", present.Sent(r), len(big), rel(root, r.LargeFile))

	step("bob renames himself to robert: bob forwards to robert for 2 hours")
	rr, err := bob.Rename(ctx, "robert")
	if err != nil {
		return err
	}
	say("bob", "%s (%d agents notified)", present.Renamed(rr), rr.Notified)
	r, err = carol.Send(ctx, "bob", "Thanks for the welcome, bob!", nil)
	if err != nil {
		return err
	}
	say("carol", "ipc send bob ... -> %s", present.Sent(r))
	if err := demoCheck(ctx, w, bob); err != nil {
		return err
	}
	say("alice", "(alice's inbox holds the rename notice from system)")
	if err := demoCheck(ctx, w, alice); err != nil {
		return err
	}

	step("read mail stays on disk: robert re-reads alice's first message by id")
	m, err := bob.Read(ctx, first)
	if err != nil {
		return err
	}
	say("robert", "%s from %s: %q", first, m.From, m.Content)

	step("who is here (ipc list)")
	agents, err := st.Agents(ctx)
	if err != nil {
		return err
	}
	for _, a := range agents {
		status := "offline"
		if a.Online {
			status = "online"
		}
		fmt.Fprintf(w, "  %-8s %s\n", a.ID, status)
	}

	step("the files on disk")
	if err := demoTree(w, root); err != nil {
		return err
	}
	step("cat " + rel(root, m.Path))
	b, err := os.ReadFile(m.Path)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		fmt.Fprintf(w, "  | %s\n", line)
	}
	if *keep {
		fmt.Fprintf(w, "\nThe mailbox is kept at %s. Try: IPC_HOME=%s ipc list\n", root, root)
	} else {
		fmt.Fprintln(w, "\nDone; the temporary mailbox was removed. Next: ipc send / ipc check with IPC_ID set (see README).")
	}
	return nil
}

func demoCheck(ctx context.Context, w interface{ Write([]byte) (int, error) }, s *maildir.Session) error {
	r, err := s.Check(ctx, maildir.CheckOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %-7s ipc check -> %d message(s)\n", s.ID()+":", len(r.Messages))
	for _, m := range r.Messages {
		content := m.Content
		if r := []rune(content); len(r) > 110 {
			content = string(r[:110]) + "..."
		}
		fmt.Fprintf(w, "           from %s: %s\n", m.From, content)
		if len(m.Data) > 0 {
			fmt.Fprintf(w, "           data: %s\n", m.Data)
		}
	}
	return nil
}

func demoTree(w interface{ Write([]byte) (int, error) }, root string) error {
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
		fmt.Fprintf(w, "  %s\n", l)
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
