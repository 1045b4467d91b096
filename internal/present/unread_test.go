package present

import (
	"testing"

	"github.com/ipc-dev/ipc/maildir"
)

func TestUnreadCount(t *testing.T) {
	for _, c := range []struct {
		u    maildir.Unread
		want string
	}{
		{maildir.Unread{Count: 3}, "3 unread"},
		{maildir.Unread{Count: 3, Urgent: 1}, "3 unread (1 urgent)"},
	} {
		if got := UnreadCount(c.u); got != c.want {
			t.Errorf("UnreadCount(%+v) = %q, want %q", c.u, got, c.want)
		}
	}
}
