package hook

import (
	"context"
	"errors"
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

// wake waits up to wait for unread mail, claims it and writes it to
// stderr, and reports true: the hook then ends with exit status 2, which
// makes Claude Code wake the idle session and show the mail to the model
// (asyncRewake). The wake is the delivery, as an injection by
// UserPromptSubmit is, so nothing tells the model to fetch mail it already
// has. Mail already unread when the hook starts (it landed while the model
// wrote its answer) wakes the session at once.
//
// It reports false, for a quiet exit 0, when the wait is over, when a
// newer waiter of the same identity took its place, when the session that
// started it is gone, or at once in a run nobody attends. An error never
// wakes, so a broken setup cannot wake the session in a loop; and since
// every wake claims the mail it shows, a wake is never repeated for the
// same mail. The claim and the wait are the core's (maildir.CheckWait);
// the waiter record (waiter.go) is the hook's own.
func (d *door) wake(ctx context.Context, st *maildir.Store, inbox *maildir.Inbox, wait time.Duration) (bool, error) {
	if skip, _ := unattended(d.Getenv); skip {
		return false, nil
	}
	w, err := becomeWaiter(st.Root(), inbox.ID())
	if err != nil {
		return false, err
	}
	p, err := d.profile()
	if err != nil {
		return false, err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := w.watch(wctx, cancel)
	defer stop()
	out, err := maildir.CheckWait(wctx, claiming{inbox, w}, maildir.CheckOptions{Door: maildir.DoorHook}, wait, func(time.Duration) maildir.Budget {
		return d.budget(p, inbox, func(body string) string { return body })
	})
	if err != nil {
		if errors.Is(err, errSuperseded) || wctx.Err() != nil {
			return false, nil // superseded, or the session ended: no wake
		}
		return false, err
	}
	if len(out.Items) == 0 {
		return false, nil // the wait is over
	}
	fmt.Fprint(d.stderr, out.Text)
	return true, nil
}

// errSuperseded ends the wait of a waiter that is no longer current.
var errSuperseded = errors.New("hook: superseded by a newer waiter")

// claiming is an inbox as a waiter claims from it: each check runs while
// the waiter is current and holds its lock (waiter.claim), and fails with
// errSuperseded once it is not.
type claiming struct {
	*maildir.Inbox
	w *waiter
}

func (c claiming) Check(ctx context.Context, opt maildir.CheckOptions) (maildir.CheckResult, error) {
	var res maildir.CheckResult
	current, err := c.w.claim(func() error {
		var err error
		res, err = c.Inbox.Check(ctx, opt)
		return err
	})
	if err == nil && !current {
		err = errSuperseded
	}
	return res, err
}
