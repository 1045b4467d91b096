package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// Waking an idle Claude Code session (the Stop hook, "asyncRewake": true).

// Claude Code's environment variables that tell a run nobody attends
// (claude -p, the Agent SDK) from an interactive session.
const (
	envAttended   = "CLAUDE_CODE_SESSION_ATTENDED" // "0" in claude -p (measured with 2.1.328)
	envEntrypoint = "CLAUDE_CODE_ENTRYPOINT"       // "sdk-cli" in claude -p, "sdk-ts", "sdk-py" under the Agent SDK; "cli" interactive
)

// unattended reports whether the hook runs in a Claude Code run that no
// user attends, and the variable that says so. Such a run ends after its
// answer: a waiter would keep it alive, and there is no idle session to
// wake.
func unattended(getenv func(string) string) (bool, string) {
	if v := getenv(envAttended); v == "0" {
		return true, envAttended + "=0"
	}
	if v := getenv(envEntrypoint); strings.HasPrefix(v, "sdk-") {
		return true, envEntrypoint + "=" + v
	}
	return false, ""
}

// hookWake waits up to d for unread mail, claims it and writes it to
// stderr, then ends with exit status 2, which makes Claude Code wake the
// idle session and show the mail to the model (asyncRewake): the wake is
// the delivery, as an injection by UserPromptSubmit is, so nothing tells
// the model to fetch mail it already has. Mail already unread when the
// hook starts (it landed while the model wrote its answer) wakes the
// session at once.
//
// It ends quietly with status 0 when the wait is over, when a newer waiter
// of the same identity took its place, when the session that started it is
// gone, or at once in a run nobody attends. It never exits
// with status 2 on an error, so a broken setup cannot wake the session in
// a loop; and since every wake claims the mail it shows, a wake is never
// repeated for the same mail.
func (c *cli) hookWake(ctx context.Context, st *maildir.Store, inbox *maildir.Inbox, d time.Duration) error {
	if skip, _ := unattended(c.getenv); skip {
		return nil
	}
	w, err := becomeWaiter(st.Root(), inbox.ID())
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	stop := w.watch(wctx, cancel)
	defer stop()
	for {
		// What is unread before the claim: if the claim finds nothing,
		// these were taken meanwhile or are not mail, and the wait is for
		// anything beyond them. Mail landing after this look is claimed.
		before, err := inbox.Peek(ctx, 0)
		if err != nil {
			return err
		}
		var text string
		current, err := w.claim(func() error {
			var err error
			text, _, err = c.hookMail(ctx, inbox, func(body string) string { return body })
			return err
		})
		if err != nil {
			return err
		}
		if !current {
			return nil // superseded, or the session is gone: no wake
		}
		if text != "" {
			fmt.Fprint(c.stderr, text)
			return exitStatus(2)
		}
		seen := make(map[string]bool, len(before))
		for _, m := range before {
			seen[m.ID] = true
		}
		if err := inbox.WaitNew(wctx, seen); err != nil {
			if wctx.Err() != nil {
				return nil // the wait is over, superseded, or the session ended
			}
			return err
		}
	}
}
