package main

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/text"
	"github.com/ipc-dev/ipc/maildir"
)

// runTail: ipc tail [--all] [--thread ID] [--from A] [-n N] [--json] — the
// traffic of the mailbox as it lands, one line a message, until
// interrupted: by default the mail you receive and send, with --all every
// mailbox's. It never marks anything read and needs no registration.
func runTail(ctx context.Context, c *cli, args []string) error {
	fs := flags("tail")
	all := fs.Bool("all", false, "follow every mailbox, not only your own mail")
	thread := fs.String("thread", "", "only the conversation of message `ID`")
	from := fs.String("from", "", "only mail from agent `A`")
	n := fs.Int("n", 10, "how many of the latest messages to show first (0: none)")
	asJSON := fs.Bool("json", false, "one JSON message per line")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *n < 0 {
		return usageError("tail: -n must not be negative (got %d)", *n)
	}
	q := maildir.TrafficQuery{From: *from, Thread: *thread, Backlog: *n}
	if !*all {
		if c.as == "" {
			return usageError("tail: whose mail? pass --as NAME or set IPC_ID, or --all for every mailbox")
		}
		q.Boxes = []string{c.as}
	}
	return c.inStore(func(st *maildir.Store) error {
		line := c.tailLine()
		err := st.Traffic(ctx, q, func(m maildir.Message) error {
			if *asJSON {
				return writeJSON(c.stdout, newJSONMessage(m))
			}
			return line(m)
		})
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		return interruption(ctx, err, "following the mail")
	})
}

// tailText is how much of a message's text a line of ipc tail shows.
const tailText = 160

// ANSI colours of ipc tail on a terminal.
const (
	colourDim    = "\x1b[2m"
	colourName   = "\x1b[1;36m"
	colourHigh   = "\x1b[1;33m"
	colourUrgent = "\x1b[1;31m"
	colourReset  = "\x1b[0m"
)

// tailLine returns the printer of one message of ipc tail, on one line:
// the time (with the date when it is not today's: the backlog may be days
// old), from -> to, the priority as search and thread mark it ([urgent],
// [high]), the subject, the start of the text, and the message's id (what
// read and reply take):
//
//	2025-01-02 03:04:05 alice -> bob [urgent]: [plans] ship it?  1733052000.M1P2Q3.host
//
// Colour only on a terminal with NO_COLOR unset; peer text always goes
// through the screen (terminal.go), the colour codes around it do not.
func (c *cli) tailLine() func(maildir.Message) error {
	safe := c.screen()
	colour := isTerminal(c.stdout) && c.getenv("NO_COLOR") == ""
	paint := func(code string) {
		if colour {
			io.WriteString(c.stdout, code)
		}
	}
	return func(m maildir.Message) error {
		paint(colourDim)
		io.WriteString(c.stdout, tailTime(m.Time, time.Now()))
		paint(colourReset)
		io.WriteString(c.stdout, " ")
		paint(colourName)
		io.WriteString(safe, m.From)
		paint(colourReset)
		io.WriteString(c.stdout, " -> ")
		paint(colourName)
		io.WriteString(safe, m.To)
		paint(colourReset)
		if m.Priority != maildir.PriorityNormal {
			io.WriteString(c.stdout, " ")
			if m.Priority == maildir.PriorityUrgent {
				paint(colourUrgent)
			} else {
				paint(colourHigh)
			}
			io.WriteString(c.stdout, "["+m.Priority.String()+"]")
			paint(colourReset)
		}
		io.WriteString(c.stdout, ": ")
		if m.Subject != "" {
			io.WriteString(safe, "["+m.Subject+"] ")
		}
		io.WriteString(safe, oneLine(m.Content, tailText))
		if f := m.LargeFile(); f != "" {
			io.WriteString(safe, " (large message: the full text is in "+f+")")
		}
		io.WriteString(c.stdout, "  ")
		paint(colourDim)
		io.WriteString(safe, m.ID)
		paint(colourReset)
		_, err := io.WriteString(c.stdout, "\n")
		return err
	}
}

// tailTime is when a message of ipc tail was sent, in local time: the
// time of day, with the date before it when that is not now's.
func tailTime(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// oneLine is s on one line (runs of spaces and line breaks as one space),
// cut to at most n bytes with "..." when there was more.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return text.Cut(s, n) + "..."
}
