package ipctest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FillUnread writes n unread messages for to straight into the maildir of
// the mailbox at root, as n deliveries would leave them but without a
// durable send each, so that a test can build a backlog of 100,000 in
// seconds. from(i) names the sender of message i; they arrive in order.
func FillUnread(tb testing.TB, root, to string, n int, from func(i int) string) {
	tb.Helper()
	box := filepath.Join(root, "mail", to)
	for _, d := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(box, d), 0o700); err != nil {
			tb.Fatal(err)
		}
	}
	base := time.Now().Add(-time.Hour)
	pid := os.Getpid()
	for i := 0; i < n; i++ {
		at := base.Add(time.Duration(i) * time.Microsecond)
		us := at.UnixMicro()
		name := fmt.Sprintf("%d.M%dP%dQ%dR%016x.filltest", us/1e6, us%1e6, pid, i, i)
		body := fmt.Sprintf("From: %s\nTo: %s\nDate: %s\n\nbacklog %d\n", from(i), to, at.Format(time.RFC1123Z), i)
		if err := os.WriteFile(filepath.Join(box, "new", name), []byte(body), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

// ProcessReadSlack is how many more read calls a process-wide count may
// show for the same work: the watcher drains its event queue in batches
// that differ between runs (a backlog just written leaves many events),
// and the runtime and heartbeats read too. It is far below the backlogs
// the cost tests use (5,000 to 100,000 messages), so a cost that grew with
// the backlog, one read per message, still fails them.
const ProcessReadSlack = 64
