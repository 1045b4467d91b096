package mcp

import (
	"context"
	"fmt"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// MaxWait is the longest check waits for mail (wait_seconds), kept below
// the tool-call timeouts of common clients.
const MaxWait = 50 * time.Second

// checkArgs are the arguments of check.
type checkArgs struct {
	InstanceID  string  `json:"instance_id"`
	WaitSeconds float64 `json:"wait_seconds,omitempty" jsonschema:"Seconds (0-50) to wait when no mail waits."`
}

func (s *Server) checkTool(ctx context.Context, a checkArgs) (string, error) {
	sess, err := s.actingAs("check", "instance_id", a.InstanceID)
	if err != nil {
		return "", err
	}
	wait := time.Duration(min(max(a.WaitSeconds, 0), MaxWait.Seconds()) * float64(time.Second))
	out, err := s.checkWait(ctx, sess, wait)
	return out.Text, err
}

// checkRender is the check tool's formatter: its exact result for what a
// check shows, after waiting waited for the mail, with the warnings of
// earlier checks of the same call first.
func checkRender(waited time.Duration, earlier []string) func(maildir.Shown) string {
	now := time.Now()
	return func(sh maildir.Shown) string {
		sh.Warnings = append(earlier[:len(earlier):len(earlier)], sh.Warnings...)
		warnings := present.Warnings(sh.Warnings)
		switch {
		case len(sh.Items) == 0 && waited > 0:
			return fmt.Sprintf("No new messages (waited %s).", waited.Round(time.Second)) + warnings
		case len(sh.Items) == 0:
			return "No new messages" + warnings
		case waited > 0:
			return fmt.Sprintf("Mail arrived after waiting %s.\n", waited.Round(time.Millisecond)) + present.Messages(sh, now)
		}
		return present.Messages(sh, now)
	}
}

// FormatWarnings renders the warnings of a check as lines to append to its
// result ("" when there are none): entries that were not mail and were
// moved aside, and the error that stopped a check part-way, whose claimed
// messages are in the result all the same.
func FormatWarnings(res maildir.CheckResult) string {
	return present.Warnings(res.Warnings())
}

// checkWait checks, and when nothing is waiting and wait > 0, waits for
// mail (woken by the watcher) and checks again, until mail is read or the
// wait is over. Each check claims what the client shows whole (see
// checkWithin).
//
// The entries moved aside by every check on the way are in the result.
func (s *Server) checkWait(ctx context.Context, sess *maildir.Session, wait time.Duration) (maildir.Checked, error) {
	start := time.Now()
	out, err := s.checkWithin(ctx, sess, checkRender(0, nil))
	if err != nil || len(out.Items) > 0 || wait <= 0 {
		return out, err
	}
	moved := out.Result.Quarantined
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		if err := sess.Wait(wctx); err != nil {
			if wctx.Err() != nil && ctx.Err() == nil {
				// The wait is over: no mail.
				warnings := maildir.CheckResult{Quarantined: moved}.Warnings()
				out.Text = checkRender(time.Since(start), warnings)(maildir.Shown{})
				return out, nil
			}
			return out, err
		}
		earlier := maildir.CheckResult{Quarantined: moved}.Warnings()
		out, err = s.checkWithin(ctx, sess, checkRender(time.Since(start), earlier))
		moved = append(moved, out.Result.Quarantined...)
		// Another reader (a hook) may have claimed what woke us: wait on.
		if err != nil || len(out.Items) > 0 {
			return out, err
		}
	}
}
