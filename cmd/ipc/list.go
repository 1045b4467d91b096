package main

import (
	"context"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// runList: ipc list [--json] — needs no identity.
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
		out := make([]wire.LegacyAgent, len(agents))
		for i, a := range agents {
			out[i] = present.LegacyAgent(a)
		}
		return writeJSON(c.stdout, map[string]any{"status": "ok", "instances": out})
	}
	if len(agents) == 0 {
		fmt.Fprintln(c.stdout, "No agents registered yet")
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tLAST SEEN\tREGISTERED")
	for _, a := range agents {
		status := "offline"
		if a.Online {
			status = "online"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, status, present.Ago(now, a.LastSeen), localMinute(a.Registered))
	}
	return tw.Flush()
}

// localMinute is how the CLI's tables show a time: local, to the minute.
func localMinute(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }

// runRename: ipc rename NEW — renames the identity of --as / IPC_ID.
func runRename(ctx context.Context, c *cli, args []string) error {
	pos, err := parseExactly(flags("rename"), args, 1, "rename: want the new name: ipc rename NEW")
	if err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		r, err := s.Rename(ctx, pos[0])
		if err != nil {
			return err
		}
		c.printRename(r)
		return nil
	})
}

// printRename prints the result of a rename, and its warning on stderr.
func (c *cli) printRename(r maildir.RenameResult) {
	fmt.Fprintln(c.stdout, present.Renamed(r))
	fmt.Fprintf(c.stdout, "Your old name '%s' will forward to '%s' until %s; %d agents were told.\n",
		r.Old, r.New, r.Until.Local().Format("15:04"), r.Notified)
	fmt.Fprintf(c.stdout, "From now on act as %s (IPC_ID=%s).\n", r.New, r.New)
	if w := r.Warning(); w != "" {
		fmt.Fprintf(c.stderr, "ipc: warning: %s\n", w)
	}
}

// runGC: ipc gc — applies retention now; needs no identity.
func runGC(ctx context.Context, c *cli, args []string) error {
	if _, err := parse(flags("gc"), args); err != nil {
		return err
	}
	return c.inStore(func(st *maildir.Store) error {
		s, err := st.GC(ctx)
		if err != nil {
			return err
		}
		c.printGC(st, s)
		return nil
	})
}

// printGC prints what a collection removed and moved aside.
func (c *cli) printGC(st *maildir.Store, s maildir.GCStats) {
	fmt.Fprintf(c.stdout, "removed: %d tmp leftovers, %d expired read messages, %d expired future messages, %d large files, %d expired tokens, %d expired forwards\n",
		s.TmpFiles, s.ReadExpired, s.Future, s.LargeFiles, s.Tokens, s.Forwards)
	if s.Quarantined > 0 {
		fmt.Fprintf(c.stdout, "moved aside: %d entries that were not messages, to %s (ipc doctor lists them)\n", s.Quarantined, filepath.Join(st.Root(), "quarantine"))
	}
}
