package main

import "context"

// runHook answers a Claude Code hook.
func runHook(ctx context.Context, c *cli, args []string) error {
	return usageError("hook: not built yet")
}
