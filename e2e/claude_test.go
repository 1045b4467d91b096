//go:build unix

package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/fakemodel"
)

// claudeKey is the API key Claude Code sends the fake endpoint. Its last
// 20 characters are marked approved in ~/.claude.json, so an interactive
// session does not ask about it.
const claudeKey = "sk-ant-api03-ipc-e2e-fake-key-0123456789abcdefghij"

// claude is a sandbox set up for Claude Code as docs/mcp.md says: the
// server added with its "claude mcp add" line (as agent alice) and, with
// hooks, the hooks block in the project's .claude/settings.json.
type claude struct {
	*sandbox
	bin    string
	server string   // the name docs/mcp.md gives the server: its tools are mcp__<server>__*
	extra  []string // more environment for this test's runs
}

func newClaude(t *testing.T, script fakemodel.Script, hooks bool) *claude {
	t.Helper()
	c := &claude{bin: clientBin(t, "IPC_CLAUDE", "Claude Code")}
	c.sandbox = newSandbox(t, script)
	state, _ := json.Marshal(map[string]any{
		"hasCompletedOnboarding": true,
		"customApiKeyResponses":  map[string]any{"approved": []string{claudeKey[len(claudeKey)-20:]}, "rejected": []string{}},
		"projects":               map[string]any{c.project: map[string]any{"hasTrustDialogAccepted": true, "hasCompletedProjectOnboarding": true}},
	})
	c.writeFile(".claude.json", string(state))

	add := strings.Fields(strings.TrimSpace(docBlock(t, "sh", "claude mcp add")))
	if len(add) < 4 || add[0] != "claude" {
		t.Fatalf("docs/mcp.md: unexpected claude mcp add line %q", add)
	}
	c.server = add[3]
	cmd := exec.Command(c.bin, add[1:]...)
	cmd.Dir, cmd.Env = c.project, c.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(add, " "), err, out)
	}
	if hooks {
		c.writeFile(filepath.Join(c.project, ".claude", "settings.json"), docBlock(t, "json", `"hooks"`, `"Stop"`))
	}
	return c
}

func (c *claude) env() []string {
	return c.sandbox.env(append([]string{"ANTHROPIC_BASE_URL=" + c.model.URL, "ANTHROPIC_API_KEY=" + claudeKey}, c.extra...)...)
}

// print runs claude -p prompt, allowing ipc's tools.
func (c *claude) print(prompt string) *run {
	return startClient(c.t, c.project, c.env(), c.bin, "-p", prompt, "--allowedTools", "mcp__"+c.server)
}

// TestClaudeCodeRoundTrip: mail sent with the CLI reaches the model once
// through check, the model's send reaches the peer once, ipc's tools and
// instructions are in the request, and claude -p ends.
func TestClaudeCodeRoundTrip(t *testing.T) {
	tok := token(t)
	c := newClaude(t, fakemodel.Steps(
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "check", Args: map[string]any{"instance_id": "alice"}}},
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "send", Args: map[string]any{"from_id": "alice", "to_id": "bob", "content": reply(tok)}}},
	), false)
	c.ipc("bob", "send", "alice", tok)
	r := c.print("check my messages and answer bob")
	if !r.wait(2 * time.Minute) {
		t.Fatalf("claude -p did not end within 2m\n%s", r.out.String())
	}
	reportRoundTrip(t, "Claude Code", c.sandbox, r, tok)
}

// reportRoundTrip asserts on a finished round trip and prints its figures.
func reportRoundTrip(t *testing.T, client string, s *sandbox, r *run, tok string) {
	t.Helper()
	all := s.model.Requests()
	main := mainRequests(all)
	if len(main) == 0 {
		t.Fatalf("%s sent no request with tools (%d requests)\n%s", client, len(all), r.out.String())
	}
	s.dump()
	for i, q := range all {
		t.Logf("request %d %s %s: %d tools, %d tool results, %d bytes", i+1, q.Vendor, q.Path, len(q.Tools), len(q.ToolResults), len(q.Body))
	}
	o := s.offered()
	first, last := main[0], main[len(main)-1]
	chars, missing := o.toolChars(first)
	deferred := namedOnly(first, missing)
	t.Logf("figures: %s: ipc offered %d tools in %d chars and instructions of %d chars; the first model request holds %d of their definitions in %d chars, %d by name only %v, %d absent; instructions received %d chars; %d requests, run %s",
		client, len(o.Tools), o.offeredChars(), len(o.Instructions), len(o.Tools)-len(missing), chars, len(deferred), deferred,
		len(missing)-len(deferred), o.instructionsReceived(first), len(all), r.ended.Round(time.Millisecond))
	if len(missing) > len(deferred) {
		t.Errorf("%s: the model never learns of ipc tools %v", client, missing)
	}
	if n := countIn(last, tok); n != 1 {
		t.Errorf("%s: the mail %q appears %d times in the last model request, want exactly once", client, tok, n)
	}
	got := s.checkAs("bob")
	if len(got) != 1 || got[0] != reply(tok) {
		t.Errorf("%s: bob received %q, want exactly [%s]", client, got, reply(tok))
	}
	if r.err != nil {
		t.Errorf("%s exited with %v\n%s", client, r.err, r.out.String())
	}
}

// hookBound is how long a claude -p run may take with the hooks of
// docs/mcp.md: without them it ends in about a second.
const hookBound = 30 * time.Second

// TestClaudeCodeHookInjectsMailOnce: with the documented hooks, mail that
// waits when the prompt is submitted reaches the model exactly once, whole
// (the hook's text is in the request verbatim, within Claude Code's
// 10,000-character limit for hook output), is marked read, and claude -p
// still ends.
func TestClaudeCodeHookInjectsMailOnce(t *testing.T) {
	tok := token(t)
	c := newClaude(t, fakemodel.Steps(fakemodel.Reply{Text: "noted"}), true)
	c.ipc("bob", "send", "alice", tok)
	r := c.print("anything new?")
	ended := r.wait(hookBound)
	r.stop()

	main := mainRequests(c.model.Requests())
	if len(main) == 0 {
		t.Fatalf("Claude Code sent no request with tools\n%s", r.out.String())
	}
	last := main[len(main)-1]
	if n := countIn(last, tok); n != 1 {
		t.Errorf("the mail %q appears %d times in the model request, want exactly once", tok, n)
	}
	var shown string
	for _, ctx := range c.hookContexts() {
		if strings.Contains(ctx, tok) {
			shown = ctx
		}
	}
	t.Logf("figures: Claude Code hooks: the hook injected the mail in %d chars (limit 10000); %d model requests; claude -p ended: %v (%s)",
		len([]rune(shown)), len(main), ended, r.ended.Round(time.Millisecond))
	switch {
	case shown == "":
		t.Errorf("no hook printed the mail %q", tok)
	case len([]rune(shown)) > 10000:
		t.Errorf("the hook printed %d chars: Claude Code replaces hook output over 10,000 with a preview", len([]rune(shown)))
	case !strings.Contains(allText(last.Body), shown):
		t.Errorf("the hook's text is not in the model request verbatim:\n%s", shown)
	}
	if n := c.unread("alice"); n != 0 {
		t.Errorf("mail the hook showed is still unread: %d messages", n)
	}
	if !ended {
		t.Errorf("claude -p with the documented Stop hook did not end within %s: the Stop hook must let non-interactive runs end", hookBound)
	}
}
