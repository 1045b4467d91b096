package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/ipc-dev/ipc/maildir"
)

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
