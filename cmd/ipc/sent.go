package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// runSent: ipc sent [-n N] [--after ID] [--json] — your outbox, newest
// first, one line per message: id, time, to, state, subject. A page ends
// with the command that shows the next, older page.
func runSent(ctx context.Context, c *cli, args []string) error {
	fs := flags("sent")
	n := fs.Int("n", maildir.DefaultSentPage, "how many messages a page holds (at least 1)")
	after := fs.String("after", "", "start after message `ID` (the last one a page showed): the next, older page")
	asJSON := fs.Bool("json", false, `print {"status","sent":[...],"next"} as JSON (times in RFC 3339)`)
	if _, err := parseExactly(fs, args, 0, "sent: takes no words: ipc sent [-n N] [--after ID]"); err != nil {
		return err
	}
	if err := checkPageSize("sent", *n); err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		p, err := s.Sent(ctx, maildir.Page{Limit: *n, After: *after})
		if err != nil {
			return err
		}
		if *asJSON {
			out := map[string]any{"status": "ok", "sent": p.Deliveries}
			if p.Deliveries == nil {
				out["sent"] = []maildir.Delivery{}
			}
			if p.Next != "" {
				out["next"] = p.Next
			}
			return writeJSON(c.stdout, out)
		}
		w := c.screen()
		if len(p.Deliveries) == 0 {
			fmt.Fprintln(w, noMore(*after, "sent messages"))
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSENT\tTO\tSTATE\tSUBJECT")
		for _, d := range p.Deliveries {
			to := d.To
			if d.Requested != "" && d.Requested != d.To {
				to = d.Requested + "→" + d.To
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.ID, d.SentAt.Local().Format(time.DateTime), to, d.State, d.Subject)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		printNext(w, "More", fs, nil, "after", p.Next)
		return nil
	})
}
