package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// runCheck: ipc check [--wait DURATION] [--max N] [--json]. A wait that
// runs out with no mail exits exitNoMail; one a signal ends says so and
// exits with the signal's code.
func runCheck(ctx context.Context, c *cli, args []string) error {
	fs := flags("check")
	wait := fs.Duration("wait", 0, "wait up to this long for mail to arrive (e.g. 30s)")
	max := fs.Int("max", 0, "return at most N messages (0: all)")
	asJSON := fs.Bool("json", false, "print the legacy JSON reply")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *wait < 0 || *max < 0 {
		return usageError("check: --wait and --max must not be negative")
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		out, err := maildir.CheckWait(ctx, s, maildir.CheckOptions{Max: *max, Door: maildir.DoorCLI}, *wait, nil)
		if err != nil {
			return interruption(ctx, err, "waiting for mail")
		}
		r := out.Result
		warn(c, r)
		var end error
		if out.TimedOut {
			end = exitStatus(exitNoMail)
		}
		if *asJSON {
			if err := writeJSON(c.stdout, checkReply{Status: "ok", Messages: jsonMessages(r.Messages), Remaining: r.Remaining, Warnings: r.Warnings()}); err != nil {
				return err
			}
			return end
		}
		w := c.screen()
		if len(r.Messages) == 0 {
			fmt.Fprintln(w, "No new messages")
			return end
		}
		fmt.Fprintln(w, "New messages:")
		printMessages(w, r.Messages)
		if r.Remaining > 0 {
			fmt.Fprintf(w, "%d more unread: run ipc check again\n", r.Remaining)
		}
		return nil
	})
}

// warn writes the warnings of a check to stderr, one line each: entries
// moved aside, and the error that stopped a check part-way (the messages
// it claimed are printed all the same).
func warn(c *cli, r maildir.CheckResult) {
	for _, w := range r.Warnings() {
		if isTerminal(c.stderr) {
			w = visible(w) // they name entries other processes made
		}
		fmt.Fprintf(c.stderr, "ipc: warning: %s\n", w)
	}
}

// checkReply is the legacy TCP check reply, field for field, its messages
// with their RFC 3339 time added.
type checkReply struct {
	Status    string        `json:"status"`
	Messages  []jsonMessage `json:"messages"`
	Remaining int           `json:"remaining"`
	Warnings  []string      `json:"warnings,omitempty"` // entries moved aside; a check stopped part-way
}

const rule = "--------------------------------------------------"

// printMessages prints messages as the original's ipc_check.py does, with
// the id added so a message can be read again. A terminal gets them
// through c.screen (terminal.go).
func printMessages(w io.Writer, ms []maildir.Message) {
	fmt.Fprintln(w, rule)
	for _, m := range ms {
		fmt.Fprintf(w, "From: %s\n", m.From)
		if m.OrigTo != "" {
			fmt.Fprintf(w, "To: %s (sent to %s)\n", m.To, m.OrigTo)
		}
		fmt.Fprintf(w, "Time: %s\n", present.LegacyMessage(m).Timestamp)
		fmt.Fprintf(w, "Id: %s\n", m.ID)
		printConversation(w, m)
		fmt.Fprintf(w, "Content: %s\n", m.Content)
		if len(m.Data) > 0 {
			fmt.Fprintf(w, "Data: %s\n", m.Data)
		}
		fmt.Fprintln(w, rule)
	}
}

// printConversation prints the conversation headers m carries, one a
// line, and nothing for a message without them: its subject, its
// priority when not normal, the message it answers, and how to
// acknowledge it when its sender asks.
func printConversation(w io.Writer, m maildir.Message) {
	if m.Subject != "" {
		fmt.Fprintf(w, "Subject: %s\n", m.Subject)
	}
	if m.Priority != maildir.PriorityNormal {
		fmt.Fprintf(w, "Priority: %s\n", m.Priority)
	}
	if m.InReplyTo != "" {
		fmt.Fprintf(w, "In-Reply-To: %s\n", m.InReplyTo)
	}
	if m.AckRequested {
		fmt.Fprintf(w, "Acknowledgement requested: run ipc ack %s\n", m.ID)
	}
}

// runWatch: ipc watch [--json] — streams mail as it lands until
// interrupted. Each message is marked read as it is printed.
func runWatch(ctx context.Context, c *cli, args []string) error {
	fs := flags("watch")
	asJSON := fs.Bool("json", false, "one legacy JSON message per line")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return c.inSession(ctx, func(st *maildir.Store, s *maildir.Session) error {
		return watch(ctx, c, st, s, *asJSON)
	})
}

// watch prints the mail of s as it lands, until ctx ends.
func watch(ctx context.Context, c *cli, st *maildir.Store, s *maildir.Session, asJSON bool) error {
	if !asJSON {
		mode := "events"
		if st.FS().Polling {
			mode = "polling"
		}
		fmt.Fprintf(c.stderr, "watching mail for %s in %s (%s); Ctrl-C to stop\n", s.ID(), st.Root(), mode)
	}
	screen := c.screen()
	return maildir.Follow(ctx, s, func() (int, error) {
		r, err := s.Check(ctx, maildir.CheckOptions{Door: maildir.DoorCLI})
		if err != nil {
			return 0, err
		}
		warn(c, r)
		for _, m := range r.Messages {
			if asJSON {
				if err := writeJSON(c.stdout, newJSONMessage(m)); err != nil {
					return 0, err
				}
			} else {
				printMessages(screen, []maildir.Message{m})
			}
		}
		return r.Remaining, nil
	})
}

// runHistory: ipc history [-n N] [--before ID] [--json] — read mail, a
// page at a time back from the newest (-n 0: all of it at once); each page
// prints oldest first and ends with the command that shows the page
// before it ("next" in --json).
func runHistory(ctx context.Context, c *cli, args []string) error {
	fs := flags("history")
	n := fs.Int("n", 20, "how many read messages a page holds (at least 1; 0: all at once)")
	before := fs.String("before", "", "the page of messages read before message `ID` (the first one a page showed)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *n < 0:
		return usageError("history: -n must be at least 1, or 0 for all (got %d)", *n)
	case *n == 0 && *before != "":
		return usageError("history: --before pages: give -n N with it")
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		var p maildir.MessagePage
		var err error
		if *n == 0 {
			p.Messages, err = s.History(ctx, 0)
		} else {
			p, err = s.HistoryPage(ctx, maildir.Page{Limit: *n, After: *before})
		}
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, historyReply{checkReply: checkReply{Status: "ok", Messages: jsonMessages(p.Messages)}, Next: p.Next})
		}
		if len(p.Messages) == 0 {
			fmt.Fprintln(c.stdout, noMore(*before, "read messages"))
			return nil
		}
		w := c.screen()
		printMessages(w, p.Messages)
		printNext(w, "Earlier", fs, nil, "before", p.Next)
		return nil
	})
}

// historyReply is a page of history in JSON: the check reply's shape and
// the cursor of the page before it.
type historyReply struct {
	checkReply
	Next string `json:"next,omitempty"`
}

// runRead: ipc read ID [--json]
func runRead(ctx context.Context, c *cli, args []string) error {
	id, asJSON, err := parseID("read", "print JSON", args)
	if err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		m, err := s.Read(ctx, id)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(c.stdout, newJSONMessage(m))
		}
		printMessages(c.screen(), []maildir.Message{m})
		return nil
	})
}
