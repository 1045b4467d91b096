package main

import (
	"context"

	"github.com/ipc-dev/ipc/internal/ipcchild"
)

// benchMCPPrompt records, per client, the characters of the tool
// definitions and instructions ipc mcp gives a registered agent.
func benchMCPPrompt(ctx context.Context, b *bench) error {
	root, err := b.tempRoot()
	if err != nil {
		return err
	}
	for _, client := range ipcchild.PromptClients {
		c, err := b.child(root, "alice", nil, "mcp")
		if err != nil {
			return err
		}
		p, err := ipcchild.MeasurePrompt(c, client.Name)
		c.Stop()
		if err != nil {
			return err
		}
		b.value("mcp_tools_chars_"+client.Key, "chars", float64(p.Tools))
		b.value("mcp_instructions_chars_"+client.Key, "chars", float64(p.Instructions))
		b.value("mcp_prompt_chars_"+client.Key, "chars", float64(p.Total()))
	}
	return nil
}
