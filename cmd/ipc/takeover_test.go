//go:build !windows

package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestScriptDoesNotLockOutCLI: a script registered over the legacy TCP
// protocol (the server holds its name between its requests) does not lock
// the same user's CLI out of that name: `ipc --as alice check` gets the
// script's mail. The script is not left in the dark: while a CLI holds the
// name its requests are refused in_use, naming the holder, and once the
// CLI is done its token works again, with nothing lost.
func TestScriptDoesNotLockOutCLI(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	srv := startServe(t, home, filepath.Join(shortDir(t), "s.sock"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	do := func(req map[string]any) client.Reply {
		t.Helper()
		rep, err := client.Legacy(ctx, "tcp", srv.rs.TCP, req)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := do(map[string]any{"action": "register", "instance_id": "alice"})
	if rep.Status != client.StatusOK {
		t.Fatalf("register: %+v", rep)
	}
	token := rep.SessionToken
	mustIPC(t, home, "bob", "", "send", "alice", "for alice")

	out := mustIPC(t, home, "alice", "", "check")
	if !strings.Contains(out, "for alice") {
		t.Fatalf("the CLI's check as alice: %q", out)
	}

	// A CLI that keeps the name: the script hears who has it.
	watch := ipcCmd(home, "alice", "watch")
	stdout, err := watch.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer watch.Process.Kill()
	ipctest.WaitFor(t, "ipc watch holds alice", func() bool {
		rep := do(map[string]any{"action": "check", "session_token": token})
		return rep.ErrorCode == "in_use" && strings.Contains(rep.Message, "alice")
	})
	watch.Process.Kill()
	watch.Wait()
	stdout.Close()

	mustIPC(t, home, "bob", "", "send", "alice", "after the CLI")
	ipctest.WaitFor(t, "the script's token works again", func() bool {
		rep := do(map[string]any{"action": "check", "session_token": token})
		return rep.Status == client.StatusOK && len(rep.Messages) == 1 && rep.Messages[0].Message.Content == "after the CLI"
	})
}
