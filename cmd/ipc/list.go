package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// runList: ipc list [--json] — needs no identity. The human at the
// console (maildir.HumanID) is listed as the console once one has opened.
func runList(ctx context.Context, c *cli, args []string) error {
	fs := flags("list")
	asJSON := fs.Bool("json", false, "print the legacy JSON reply")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return c.inStore(func(st *maildir.Store) error {
		agents, err := st.Agents(ctx)
		if err != nil {
			return err
		}
		return c.printAgents(agents, *asJSON)
	})
}

// printAgents prints the registered agents, as a table or as the legacy
// JSON reply.
func (c *cli) printAgents(agents []maildir.Agent, asJSON bool) error {
	if asJSON {
		out := make([]jsonAgent, len(agents))
		for i, a := range agents {
			out[i] = newJSONAgent(a)
		}
		return writeJSON(c.stdout, map[string]any{"status": "ok", "instances": out})
	}
	if len(agents) == 0 {
		fmt.Fprintln(c.stdout, "No agents registered yet")
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(c.screen(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tLAST SEEN\tREGISTERED\tUNREAD\tDOING")
	for _, a := range agents {
		status := "offline"
		if a.Online {
			status = "online"
		}
		id := a.ID
		if id == maildir.HumanID {
			id += " (the console)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", id, status, present.Ago(now, a.LastSeen), localMinute(a.Registered), unreadOf(a.Unread, a.Urgent), a.Doing)
	}
	return tw.Flush()
}

// unreadOf is an unread count as list and whoami show it: "3", or
// "3 (1 urgent)" when some of it is urgent.
func unreadOf(count, urgent int) string {
	if urgent > 0 {
		return fmt.Sprintf("%d (%d urgent)", count, urgent)
	}
	return fmt.Sprint(count)
}

// localMinute is how the CLI's tables show a time: local, to the minute.
func localMinute(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }
