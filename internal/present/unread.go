package present

import (
	"fmt"

	"github.com/ipc-dev/ipc/maildir"
)

// UnreadCount says how much mail waits, in the unread notices of every
// door: "3 unread", or "3 unread (1 urgent)" when some of it is urgent
// (a check returns urgent mail first). The MCP door ends its results with
// "📬 3 unread (1 urgent): from alice, bob — call check".
func UnreadCount(u maildir.Unread) string {
	if u.Urgent > 0 {
		return fmt.Sprintf("%d unread (%d urgent)", u.Count, u.Urgent)
	}
	return fmt.Sprintf("%d unread", u.Count)
}
