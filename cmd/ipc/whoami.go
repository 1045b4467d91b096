package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// whoami is what ipc whoami reports: the identity of --as / IPC_ID and
// where it came from, the mailbox and where it came from, and what the
// mailbox knows of the identity (maildir.Store.Lookup). It registers
// nothing.
type whoami struct {
	ID             string `json:"id"`      // "" when no identity is set
	IDFrom         string `json:"id_from"` // "--as", "IPC_ID" or ""
	Home           string `json:"home"`
	HomeFrom       string `json:"home_from"` // "--home", "IPC_HOME" or "default"
	Registered     bool   `json:"registered"`
	Online         bool   `json:"online"`
	LastSeenTime   string `json:"last_seen_time"`
	RegisteredTime string `json:"registered_time"`
	ForwardsTo     string `json:"forwards_to"` // renamed: the mail goes there
	Unread         int    `json:"unread"`
	UnreadUrgent   int    `json:"unread_urgent"` // how many of them are urgent
}

// runWhoami: ipc whoami [--json]
func runWhoami(ctx context.Context, c *cli, args []string) error {
	fs := flags("whoami")
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	if _, err := parseExactly(fs, args, 0, "whoami takes no arguments (the identity is --as or IPC_ID)"); err != nil {
		return err
	}
	return c.inStore(func(st *maildir.Store) error {
		w := whoami{ID: c.as, Home: st.Root(), IDFrom: c.idSource(), HomeFrom: c.homeSource()}
		var n maildir.Name
		if w.ID != "" {
			var err error
			if n, err = lookupSelf(ctx, st, &w); err != nil {
				return err
			}
		}
		if *asJSON {
			return writeJSON(c.stdout, w)
		}
		c.printWhoami(w, n)
		return nil
	})
}

// lookupSelf fills in what the mailbox knows of w.ID, and its unread
// count, read without acting as it.
func lookupSelf(ctx context.Context, st *maildir.Store, w *whoami) (maildir.Name, error) {
	n, err := st.Lookup(ctx, w.ID)
	if err != nil {
		return n, err
	}
	w.Registered, w.Online, w.ForwardsTo = n.Listed, n.Online, n.ForwardsTo
	w.LastSeenTime, w.RegisteredTime = jsonTime(n.LastSeen), jsonTime(n.Registered)
	inbox, err := st.InboxLocal(w.ID)
	if err != nil {
		return n, err
	}
	u, err := inbox.Unread(ctx)
	w.Unread, w.UnreadUrgent = u.Count, u.Urgent
	return n, err
}

// idSource says where the identity came from: --as or IPC_ID.
func (c *cli) idSource() string {
	if c.as == "" {
		return ""
	}
	return c.asFrom
}

// homeSource says where the mailbox root came from.
func (c *cli) homeSource() string { return c.homeFrom }

func (c *cli) printWhoami(w whoami, n maildir.Name) {
	if w.HomeFrom == "default" {
		w.HomeFrom = "the default"
	}
	if w.ID == "" {
		fmt.Fprintf(c.stdout, "Identity: none (pass --as NAME or set %s)\n", envID)
		fmt.Fprintf(c.stdout, "Mailbox:  %s (from %s)\n", w.Home, w.HomeFrom)
		return
	}
	fmt.Fprintf(c.stdout, "Identity: %s (from %s)\n", w.ID, w.IDFrom)
	fmt.Fprintf(c.stdout, "Mailbox:  %s (from %s)\n", w.Home, w.HomeFrom)
	switch {
	case n.ForwardsTo != "":
		fmt.Fprintf(c.stdout, "Renamed:  %s forwards to %s: act as %s (%s=%s)\n", w.ID, n.ForwardsTo, n.ForwardsTo, envID, n.ForwardsTo)
	case !n.Listed:
		fmt.Fprintf(c.stdout, "Status:   not registered (the first command acting as %s registers it)\n", w.ID)
	case n.Online:
		fmt.Fprintf(c.stdout, "Status:   registered %s; online now\n", localMinute(n.Registered))
	default:
		fmt.Fprintf(c.stdout, "Status:   registered %s; offline, last seen %s\n", localMinute(n.Registered), present.Ago(time.Now(), n.LastSeen))
	}
	fmt.Fprintf(c.stdout, "Unread:   %s\n", unreadOf(w.Unread, w.UnreadUrgent))
}
