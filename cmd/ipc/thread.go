package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipc-dev/ipc/internal/text"
	"github.com/ipc-dev/ipc/maildir"
)

// runThread: ipc thread ID [-n N] [--after CURSOR] [--json] — the whole
// conversation of a message you sent or received, oldest first, read and
// unread (labelled), each reply indented one step deeper than the message
// it answers (as the console does: by In-Reply-To, among the messages
// shown; a reply to one on an earlier page says which). Nothing is marked
// read.
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
		depth := map[string]int{} // of the messages shown, by id
		for _, m := range page.Messages {
			d, above := depth[m.InReplyTo]
			switch {
			case above:
				d++
			case m.InReplyTo != "":
				d = 1
				fmt.Fprintf(w, "↳ re: %s (not on this page)\n", m.InReplyTo)
			}
			depth[m.ID] = d
			indent := strings.Repeat("  ", min(d, maxThreadIndent))
			printFound(w, m, indent, stateLabel(ctx, s, m), text.OneLine(m.Content, snippetWidth))
		}
		printNext(w, "More", fs, []string{shellQuote(pos[0])}, "after", page.Next)
		return nil
	})
}

// maxThreadIndent is the deepest a reply is indented, two spaces a step.
const maxThreadIndent = 8

// jsonThread is a page of a conversation in the CLI's JSON, oldest first.
type jsonThread struct {
	Messages []jsonFoundMessage `json:"messages"`
	Next     string             `json:"next,omitempty"`
}
