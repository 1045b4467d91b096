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
	out, err := maildir.CheckWait(ctx, sess, maildir.CheckOptions{Door: maildir.DoorMCP}, wait, func(waited time.Duration) maildir.Budget {
		return s.budget(checkRender(waited))
	})
	return out.Text, err
}

// checkRender is the check tool's formatter: its exact result for what a
// check shows after waiting waited for the mail (see maildir.CheckWait).
func checkRender(waited time.Duration) func(maildir.Shown) string {
	now := time.Now()
	return func(sh maildir.Shown) string {
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
