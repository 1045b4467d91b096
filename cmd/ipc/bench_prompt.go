package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// What the MCP door costs every session before any mail: the tool
// definitions and the server instructions, as the client receives them.
// Claude Code cuts each tool description and the instructions at 2 KB, and
// puts all of it in the model's context.

// promptBudget is the most characters the tool definitions and the
// instructions may take together; instructionsBudget the most the
// instructions may take.
const (
	promptBudget       = 6000
	instructionsBudget = 2000
)

// promptClients are the clients the figures are measured for, by figure
// key and clientInfo name: Claude Code (which also gets the channel
// instructions) and Codex (as every client that does not show channels).
var promptClients = []struct{ key, name string }{
	{"claude", "claude-code"},
	{"codex", "codex-mcp-client"},
}

// promptSize is what one client receives from ipc mcp before any tool call.
type promptSize struct {
	Tools        int    // characters of the JSON of tools/list's tools array
	Instructions int    // characters of the instructions string
	Text         string // the instructions
}

// Total is the characters of both.
func (p promptSize) Total() int { return p.Tools + p.Instructions }

// measurePrompt initializes c as client and lists its tools.
func measurePrompt(c *child, client string) (promptSize, error) {
	init := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":%q,"version":"1"}}}`, client)
	if _, err := io.WriteString(c.stdin, init+"\n"); err != nil {
		return promptSize{}, err
	}
	initLine, err := c.reply(1, 10*time.Second)
	if err != nil {
		return promptSize{}, err
	}
	if _, err := io.WriteString(c.stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"+`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`+"\n"); err != nil {
		return promptSize{}, err
	}
	toolsLine, err := c.reply(2, 10*time.Second)
	if err != nil {
		return promptSize{}, err
	}
	return promptOf(initLine, toolsLine)
}

// promptOf measures the initialize (or server/discover) reply and the
// tools/list reply, as received: the tools array is counted as it appears
// in the line, the instructions as the decoded string.
func promptOf(initLine, toolsLine string) (promptSize, error) {
	var init struct {
		Result struct {
			Instructions string `json:"instructions"`
		} `json:"result"`
	}
	var tools struct {
		Result struct {
			Tools json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(initLine), &init); err != nil {
		return promptSize{}, fmt.Errorf("initialize reply %.200q: %w", initLine, err)
	}
	if err := json.Unmarshal([]byte(toolsLine), &tools); err != nil || len(tools.Result.Tools) == 0 {
		return promptSize{}, fmt.Errorf("tools/list reply %.200q: %v", toolsLine, err)
	}
	return promptSize{
		Tools:        utf8.RuneCount(tools.Result.Tools),
		Instructions: utf8.RuneCountInString(init.Result.Instructions),
		Text:         init.Result.Instructions,
	}, nil
}

// reply waits for the child's answer to request id, skipping
// notifications.
func (c *child) reply(id int, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		l, err := c.line(time.Until(deadline))
		if err != nil {
			return "", err
		}
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal([]byte(l.text), &msg) == nil && string(msg.ID) == fmt.Sprint(id) {
			return l.text, nil
		}
	}
}

// benchMCPPrompt records, per client, the characters of the tool
// definitions and instructions ipc mcp gives a registered agent.
func benchMCPPrompt(ctx context.Context, b *bench) error {
	root, err := b.tempRoot()
	if err != nil {
		return err
	}
	for _, client := range promptClients {
		c, err := startChild(root, "alice", "mcp")
		if err != nil {
			return err
		}
		p, err := measurePrompt(c, client.name)
		c.stop()
		if err != nil {
			return err
		}
		b.value("mcp_tools_chars_"+client.key, "chars", float64(p.Tools))
		b.value("mcp_instructions_chars_"+client.key, "chars", float64(p.Instructions))
		b.value("mcp_prompt_chars_"+client.key, "chars", float64(p.Total()))
	}
	return nil
}
