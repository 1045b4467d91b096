package main

import "context"

// runServe runs the socket server.
func runServe(ctx context.Context, c *cli, args []string) error {
	return usageError("serve: not built yet")
}
