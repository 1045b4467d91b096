package main

import "context"

// runMCP serves the MCP door on stdin/stdout.
func runMCP(ctx context.Context, c *cli, args []string) error {
	return usageError("mcp: not built yet")
}
