package ipcchild

import (
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

// PromptClients are the clients the prompt is measured for, by figure key
// and clientInfo name: Claude Code (which also gets the channel
// instructions) and Codex (as every client that does not show channels).
var PromptClients = []struct{ Key, Name string }{
	{"claude", "claude-code"},
	{"codex", "codex-mcp-client"},
}

// Prompt is what one client receives from ipc mcp before any tool call.
type Prompt struct {
	Tools        int    // characters of the JSON of tools/list's tools array
	Instructions int    // characters of the instructions string
	Text         string // the instructions
}

// Total is the characters of both.
func (p Prompt) Total() int { return p.Tools + p.Instructions }

// MeasurePrompt initializes c, a child running ipc mcp, as client and
// lists its tools.
func MeasurePrompt(c *Child, client string) (Prompt, error) {
	init := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":%q,"version":"1"}}}`, client)
	if _, err := io.WriteString(c.Stdin, init+"\n"); err != nil {
		return Prompt{}, err
	}
	initLine, err := c.Reply(1, 10*time.Second)
	if err != nil {
		return Prompt{}, err
	}
	if _, err := io.WriteString(c.Stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"+`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`+"\n"); err != nil {
		return Prompt{}, err
	}
	toolsLine, err := c.Reply(2, 10*time.Second)
	if err != nil {
		return Prompt{}, err
	}
	return promptOf(initLine, toolsLine)
}

// promptOf measures the initialize (or server/discover) reply and the
// tools/list reply, as received: the tools array is counted as it appears
// in the line, the instructions as the decoded string.
func promptOf(initLine, toolsLine string) (Prompt, error) {
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
		return Prompt{}, fmt.Errorf("initialize reply %.200q: %w", initLine, err)
	}
	if err := json.Unmarshal([]byte(toolsLine), &tools); err != nil || len(tools.Result.Tools) == 0 {
		return Prompt{}, fmt.Errorf("tools/list reply %.200q: %v", toolsLine, err)
	}
	return Prompt{
		Tools:        utf8.RuneCount(tools.Result.Tools),
		Instructions: utf8.RuneCountInString(init.Result.Instructions),
		Text:         init.Result.Instructions,
	}, nil
}

// Reply waits for the child's answer to JSON-RPC request id, skipping
// notifications.
func (c *Child) Reply(id int, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		l, err := c.Line(time.Until(deadline))
		if err != nil {
			return "", err
		}
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal([]byte(l.Text), &msg) == nil && string(msg.ID) == fmt.Sprint(id) {
			return l.Text, nil
		}
	}
}
