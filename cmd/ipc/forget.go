package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipc-dev/ipc/maildir"
)

// runForget: ipc forget NAME [--mail] [--json] — removes an agent that
// will never come back from the registry (maildir.Store.Forget); needs no
// identity, and refuses the caller's own name.
func runForget(ctx context.Context, c *cli, args []string) error {
	fs := flags("forget")
	removeMail := fs.Bool("mail", false, "remove its mailbox too (read and unread mail); without it the mail stays")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parseExactly(fs, args, 1, "forget: want one name: ipc forget NAME")
	if err != nil {
		return err
	}
	return c.inStore(func(st *maildir.Store) error {
		r, err := st.Forget(ctx, pos[0], maildir.ForgetOptions{Caller: c.as, RemoveMail: *removeMail})
		if err != nil {
			return err
		}
		if *asJSON {
			forwards := r.Forwards
			if forwards == nil {
				forwards = []string{}
			}
			return writeJSON(c.stdout, map[string]any{"status": "ok", "message": forgotten(r), "id": r.ID, "registered": r.Registered,
				"forwards_ended": forwards, "tokens_revoked": r.Tokens, "mailbox": r.Mailbox, "mail_removed": r.MailRemoved})
		}
		fmt.Fprintln(c.stdout, forgotten(r))
		if r.MailRemoved {
			fmt.Fprintf(c.stdout, "Removed its mailbox %s.\n", r.Mailbox)
		} else {
			fmt.Fprintf(c.stdout, "Its mail stays in %s (ipc forget --mail %s removes it; %s registered again finds it).\n", r.Mailbox, r.ID, r.ID)
		}
		return nil
	})
}

// forgotten is the sentence of a forget.
func forgotten(r maildir.ForgetResult) string {
	var what []string
	if r.Tokens > 0 {
		what = append(what, fmt.Sprintf("%d session token(s) revoked", r.Tokens))
	}
	if len(r.Forwards) > 0 {
		what = append(what, "forwarding ended for "+strings.Join(r.Forwards, ", "))
	}
	s := fmt.Sprintf("Forgot %s: no longer registered", r.ID)
	if !r.Registered {
		s = fmt.Sprintf("Forgot %s (it was not registered)", r.ID)
	}
	if len(what) > 0 {
		s += "; " + strings.Join(what, "; ")
	}
	return s + "."
}
