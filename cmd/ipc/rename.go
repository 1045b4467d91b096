package main

import (
	"context"
	"fmt"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// runRename: ipc rename NEW [--json] — renames the identity of --as /
// IPC_ID.
func runRename(ctx context.Context, c *cli, args []string) error {
	fs := flags("rename")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parseExactly(fs, args, 1, "rename: want the new name: ipc rename NEW")
	if err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		r, err := s.Rename(ctx, pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, renameJSON(r))
		}
		c.printRename(r)
		return nil
	})
}

// renameJSON is the --json form of a rename: the names, until when the old
// one forwards (RFC 3339), who was told and who was not.
func renameJSON(r maildir.RenameResult) map[string]any {
	unnotified := r.Unnotified
	if unnotified == nil {
		unnotified = []string{}
	}
	return map[string]any{"status": "ok", "message": present.Renamed(r), "old": r.Old, "new": r.New,
		"forwards_until": jsonTime(r.Until), "notified": r.Notified, "unnotified": unnotified, "warning": r.Warning()}
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
