//go:build unix

package console

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// conversation is the mail of a small team that the screen tests seed:
// a thread with a reply, an urgent unread message, and one message read
// and acknowledged, so that every screen has real content.
type conversation struct {
	freeze string // alice to bob, urgent, unread: "auth freeze"
	reply  string // bob's answer to alice, in the same thread, unread
	lunch  string // carol to bob, unread
	review string // alice to carol, high, asked to ack: read and acknowledged
	texts  []string
	unread map[string]int // the unread count each agent should show
}

// Texts of the seeded mail, as the page must show them.
const (
	freezeText = "Freeze the auth module until the session migration lands; the token refresh path is mid-rewrite."
	replyText  = "Freezing now. I parked my branch and will rebase after the migration."
	lunchText  = "Lunch at one? The usual place."
	reviewText = "Please review PR 42 before the release cut: the cache eviction change."
	bobDoing   = "rebasing the auth branch onto main"
)

// seed writes the conversation into m with the CLI, as the agents would.
func seed(m *mailbox) conversation {
	m.t.Helper()
	var c conversation
	c.freeze = m.send("alice", "bob", freezeText, "--subject", "auth freeze", "--priority", "urgent")
	c.review = m.send("alice", "carol", reviewText, "--subject", "review PR 42", "--priority", "high", "--ack")
	c.lunch = m.send("carol", "bob", lunchText, "--subject", "lunch")
	c.reply = m.send("bob", "alice", replyText, "--reply-to", c.freeze)
	m.check("carol")
	m.ipc("carol", "ack", c.review)
	m.doing("bob", bobDoing)
	c.texts = []string{freezeText, replyText, lunchText, reviewText}
	c.unread = map[string]int{"alice": 1, "bob": 2, "carol": 0}
	return c
}

// doing records what id says it is doing, in the file the core keeps it
// in (presence/<id>.doing, as maildir.Session.SetDoing writes it): an
// agent says so through its door, and no CLI command does.
func (m *mailbox) doing(id, text string) {
	m.t.Helper()
	body, err := json.Marshal(map[string]any{"doing": text, "at": time.Now().UTC()})
	if err != nil {
		m.t.Fatal(err)
	}
	dir := filepath.Join(m.home, "presence")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".doing"), append(body, '\n'), 0o600); err != nil {
		m.t.Fatal(err)
	}
}

// land delivers n messages from one agent to another straight into the
// maildir, as n sends would leave them but without a process each: each
// is written in tmp/ and renamed into new/, under a name made now (the
// live stream takes names far older than now for mail it has seen).
// It returns the last message's id.
func (m *mailbox) land(from, to string, n int) (last string) {
	m.t.Helper()
	box := filepath.Join(m.home, "mail", to)
	for _, d := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(box, d), 0o700); err != nil {
			m.t.Fatal(err)
		}
	}
	pid := os.Getpid()
	for i := range n {
		at := time.Now()
		us := at.UnixMicro()
		name := fmt.Sprintf("%d.M%dP%dQ%dR%016x.landtest", us/1e6, us%1e6, pid, i, i)
		body := fmt.Sprintf("From: %s\nTo: %s\nDate: %s\nSubject: burst\n\nmessage %d of a burst of %d\n", from, to, at.Format(time.RFC1123Z), i, n)
		tmp := filepath.Join(box, "tmp", name)
		if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
			m.t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(box, "new", name)); err != nil {
			m.t.Fatal(err)
		}
		last = name
	}
	return last
}
