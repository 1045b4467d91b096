package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/maildir"
	"github.com/ipc-dev/ipc/socket"
)

// stopWait bounds how long `ipc stop` waits for the server to finish: its
// shutdown grace and a margin.
const stopWait = socket.DefaultGrace + 5*time.Second

// runStop: ipc stop — stops this mailbox's server gracefully (as SIGTERM
// does). The process is the one that answers on the mailbox's socket with
// this mailbox's identity and pid, so a pid reused by another program, or a
// server of another mailbox, is never signalled.
func runStop(ctx context.Context, c *cli, args []string) error {
	fs := flags("stop")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("stop takes no arguments (the mailbox is --home or IPC_HOME)")
	}
	pid, msg, err := c.stopServer(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.stdout, map[string]any{"status": "ok", "message": msg, "mailbox": c.home, "stopped": pid != 0, "pid": pid})
	}
	fmt.Fprintf(c.stdout, "ipc stop: %s\n", msg)
	return nil
}

// stopServer stops this mailbox's server and says what it did: the pid it
// stopped (0 when none was running) and a sentence.
func (c *cli) stopServer(ctx context.Context) (pid int, msg string, err error) {
	rs, ok, err := socket.Running(c.home)
	if err != nil {
		return 0, "", err
	}
	if !ok {
		return 0, fmt.Sprintf("no server is running for %s", c.home), nil
	}
	pid, err = c.verifiedServerPID(ctx)
	if err != nil {
		return 0, "", err
	}
	if err := stopProcess(pid); err != nil {
		return 0, "", fmt.Errorf("stop: pid %d: %w", pid, err)
	}
	deadline := time.Now().Add(stopWait)
	for {
		now, ok, _ := socket.Running(c.home)
		if !ok || now.PID != pid && now.PID != 0 {
			return pid, fmt.Sprintf("stopped the server of %s (pid %d on %s)", c.home, pid, listening(rs)), nil
		}
		if time.Now().After(deadline) {
			return 0, "", &maildir.Error{Op: "stop", Kind: maildir.InUse,
				Msg: fmt.Sprintf("the server of %s (pid %d) was asked to stop but still runs after %v", c.home, pid, stopWait)}
		}
		select {
		case <-ctx.Done():
			return 0, "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// verifiedServerPID returns the pid of this mailbox's server as the server
// itself says it in its hello, after checking that it serves this mailbox.
// A server still starting up is given a moment to listen.
func (c *cli) verifiedServerPID(ctx context.Context) (int, error) {
	deadline := time.Now().Add(detachWait)
	for {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		cl, err := client.DialMailbox(dctx, c.home)
		cancel()
		if err == nil {
			mb := cl.Server().Mailbox
			cl.Close()
			return mb.PID, nil
		}
		if errors.Is(err, client.ErrWrongMailbox) {
			return 0, &maildir.Error{Op: "stop", Kind: maildir.NotOwner, Msg: err.Error() + ": not stopped"}
		}
		rs, ok, _ := socket.Running(c.home)
		if !ok {
			return 0, fmt.Errorf("stop: the server of %s stopped meanwhile", c.home)
		}
		if time.Now().After(deadline) {
			return 0, &maildir.Error{Op: "stop", Kind: maildir.Internal, Msg: fmt.Sprintf(
				"the server of %s (pid %d in %s) holds the mailbox but does not answer (%v); if pid %d is ipc serve, kill it",
				c.home, rs.PID, socket.RunStateFile, err, rs.PID)}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
