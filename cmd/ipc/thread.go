package main

import (
	"context"
	"fmt"

	"github.com/ipc-dev/ipc/internal/text"
	"github.com/ipc-dev/ipc/maildir"
)

// runThread: ipc thread ID [-n N] [--after CURSOR] [--json] — the whole
// conversation of a message you sent or received, oldest first, read and
// unread (labelled), each reply marked with the message it answers.
// Nothing is marked read.
func runThread(ctx context.Context, c *cli, args []string) error {
	fs := flags("thread")
	limit := fs.Int("n", maildir.DefaultThreadLimit, "`N` messages a page (at least 1)")
	after := fs.String("after", "", "the next page: the `CURSOR` a page ended with")
	asJSON := fs.Bool("json", false, "print JSON (times in RFC 3339)")
	pos, err := parseExactly(fs, args, 1, "thread: want one message id: ipc thread ID")
	if err != nil {
		return err
	}
	if err := checkPageSize("thread", *limit); err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		page, err := s.Thread(ctx, pos[0], maildir.Page{Limit: *limit, After: *after})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, jsonThread{Messages: jsonFound(page.Messages), Next: page.Next})
		}
		w := c.screen()
		shown := map[string]bool{}
		for _, m := range page.Messages {
			indent := ""
			if m.InReplyTo != "" {
				indent = "  "
				if shown[m.InReplyTo] {
					fmt.Fprintf(w, "↳ re: %s\n", m.InReplyTo)
				} else {
					fmt.Fprintf(w, "↳ re: %s (not on this page)\n", m.InReplyTo)
				}
			}
			printFound(w, m, indent, stateLabel(ctx, s, m), text.OneLine(m.Content, snippetWidth))
			shown[m.ID] = true
		}
		printNext(w, "More", fs, []string{shellQuote(pos[0])}, "after", page.Next)
		return nil
	})
}

// jsonThread is a page of a conversation in the CLI's JSON, oldest first.
type jsonThread struct {
	Messages []jsonFoundMessage `json:"messages"`
	Next     string             `json:"next,omitempty"`
}
