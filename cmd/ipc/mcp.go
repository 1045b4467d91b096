package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/sharecmd"
	"github.com/ipc-dev/ipc/maildir"
	"github.com/ipc-dev/ipc/mcp"
)

// runMCP: ipc mcp — the MCP stdio server. It acts as --as / IPC_ID from the
// start when set (otherwise the model calls register). Stdout carries only
// JSON-RPC; diagnostics go to stderr. It runs until stdin ends or the
// process is interrupted.
func runMCP(ctx context.Context, c *cli, args []string) error {
	fs := flags("mcp")
	if _, err := parseExactly(fs, args, 0, "mcp takes no arguments (configure it with IPC_ID, IPC_HOME, IPC_CHANNEL, IPC_SHARE_COMMAND)"); err != nil {
		return err
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(c.stderr, strings.TrimSuffix(format, "\n")+"\n", args...)
	}
	budget := c.getenv(present.EnvBudget)
	if _, err := present.Unknown.WithOverride(budget); err != nil {
		return usageError("mcp: %v", err)
	}
	st, err := c.openDaemonStore(logf)
	if err != nil {
		return err
	}
	defer st.Close()
	srv := mcp.NewServer(ctx, st, mcp.Config{
		ID:               c.as,
		Channel:          !envOff(c.getenv(mcp.EnvChannel)),
		ChannelAnyClient: envOn(c.getenv(mcp.EnvChannel)),
		ShareCommand:     c.shareRunner(),
		Version:          version,
		Budget:           budget,
		MaxMCPTokens:     c.getenv("MAX_MCP_OUTPUT_TOKENS"),
		Logf:             logf,
	})
	defer srv.Close()
	// Start a server for TCP and socket clients if none runs, without
	// delaying the MCP handshake.
	var started sync.WaitGroup
	started.Add(1)
	go func() {
		defer started.Done()
		c.ensureServer(ctx)
	}()
	defer started.Wait()
	err = srv.Serve(ctx, c.stdin, c.stdout)
	if errors.Is(err, context.Canceled) {
		return nil // interrupted: a normal end
	}
	return err
}

// shareRunner runs the commands of share_command, in this process's
// environment less the product's secrets, unless IPC_SHARE_COMMAND turns
// the tool off (nil).
func (c *cli) shareRunner() maildir.CommandRunner {
	if envOff(c.getenv(envShareCommand)) {
		return nil
	}
	return sharecmd.Runner(os.Environ())
}
