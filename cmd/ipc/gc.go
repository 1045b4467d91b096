package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/ipc-dev/ipc/maildir"
)

// runGC: ipc gc [--json] — applies retention now; needs no identity.
func runGC(ctx context.Context, c *cli, args []string) error {
	fs := flags("gc")
	asJSON := fs.Bool("json", false, "print the counts as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return c.inStore(func(st *maildir.Store) error {
		s, err := st.GC(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, gcJSON(st, s))
		}
		c.printGC(st, s)
		return nil
	})
}

// gcJSON is the --json form of a collection: what it removed, by kind, and
// what it moved aside, and where.
func gcJSON(st *maildir.Store, s maildir.GCStats) map[string]any {
	return map[string]any{"status": "ok",
		"removed": map[string]int{"tmp_files": s.TmpFiles, "read_expired": s.ReadExpired, "future_expired": s.Future,
			"large_files": s.LargeFiles, "tokens": s.Tokens, "forwards": s.Forwards, "idempotency_records": s.Dedupe},
		"quarantined": s.Quarantined, "quarantine": filepath.Join(st.Root(), "quarantine")}
}

// printGC prints what a collection removed and moved aside.
func (c *cli) printGC(st *maildir.Store, s maildir.GCStats) {
	fmt.Fprintf(c.stdout, "removed: %d tmp leftovers, %d expired read messages, %d expired future messages, %d large files, %d expired tokens, %d expired forwards\n",
		s.TmpFiles, s.ReadExpired, s.Future, s.LargeFiles, s.Tokens, s.Forwards)
	if s.Quarantined > 0 {
		fmt.Fprintf(c.stdout, "moved aside: %d entries that were not messages, to %s (ipc doctor lists them)\n", s.Quarantined, filepath.Join(st.Root(), "quarantine"))
	}
}
