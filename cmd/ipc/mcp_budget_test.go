package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipcchild"
)

// promptBudget is the most characters the tool definitions and the
// instructions may take together; instructionsBudget the most the
// instructions may take.
const (
	promptBudget       = 6000
	instructionsBudget = 2000
)

// TestMCPPromptBudget measures what a real ipc mcp gives each client
// before any tool call, as the client receives it: the JSON of the tools
// array of tools/list plus the instructions string. Together they must fit
// promptBudget, the instructions instructionsBudget, and each tool
// description Claude Code's 2 KB cut; the instructions open with the
// agent's identity.
func TestMCPPromptBudget(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	for _, pc := range ipcchild.PromptClients {
		client := pc.Name
		c, err := ipcchild.Start(ipcBin, home, "alice", os.Environ(), "mcp")
		if err != nil {
			t.Fatal(err)
		}
		p, err := ipcchild.MeasurePrompt(c, client)
		if err != nil {
			c.Stop()
			t.Fatal(err)
		}
		toolsLine := listTools(t, c)
		c.Stop()
		t.Logf("figures: client=%s tools_chars=%d instructions_chars=%d total_chars=%d (budget %d, instructions %d)",
			client, p.Tools, p.Instructions, p.Total(), promptBudget, instructionsBudget)
		if p.Total() > promptBudget {
			t.Errorf("%s: tool definitions (%d) + instructions (%d) = %d characters, over the budget of %d", client, p.Tools, p.Instructions, p.Total(), promptBudget)
		}
		if p.Instructions > instructionsBudget {
			t.Errorf("%s: instructions are %d characters, over %d:\n%s", client, p.Instructions, instructionsBudget, p.Text)
		}
		if first, _, _ := strings.Cut(p.Text, "\n"); !strings.Contains(first, `"alice"`) {
			t.Errorf("%s: the instructions do not open with the identity: %q", client, first)
		}
		var res struct {
			Result struct {
				Tools []struct {
					Name        string `json:"name"`
					Description string `json:"description"`
				} `json:"tools"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(toolsLine), &res); err != nil {
			t.Fatal(err)
		}
		for _, tool := range res.Result.Tools {
			if len(tool.Description) > 2048 {
				t.Errorf("%s: description of %d bytes, over Claude Code's 2 KB cut", tool.Name, len(tool.Description))
			}
		}
	}
}

// listTools asks an initialized child for its tools again and returns the
// reply line.
func listTools(t *testing.T, c *ipcchild.Child) string {
	t.Helper()
	if _, err := c.Stdin.Write([]byte(`{"jsonrpc":"2.0","id":3,"method":"tools/list"}` + "\n")); err != nil {
		t.Fatal(err)
	}
	l, err := c.Reply(3, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
