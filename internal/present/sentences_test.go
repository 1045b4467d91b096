package present_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// TestDeliveryLine: a message read by the MCP door is told as "read by
// mcp at <time>" to its sender.
func TestDeliveryLine(t *testing.T) {
	ctx := context.Background()
	opts := maildir.Options{Sync: maildir.SyncNone}
	ipctest.Poll(os.Getenv).Apply(&opts.Poll, &opts.PollInterval)
	st, err := maildir.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alice, err := st.Login(ctx, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	carol, err := st.Login(ctx, "carol", "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := alice.Send(ctx, "carol", "hello carol", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := carol.Check(ctx, maildir.CheckOptions{Door: maildir.DoorMCP}); err != nil || len(res.Messages) != 1 {
		t.Fatalf("check = %+v, %v", res, err)
	}
	d, err := alice.Status(ctx, r.ID)
	if err != nil || d.State != maildir.StateRead {
		t.Fatalf("status = %+v, %v", d, err)
	}
	if !strings.Contains(present.Delivery(d), "read by mcp at ") {
		t.Fatalf("summary %q", present.Delivery(d))
	}
}
