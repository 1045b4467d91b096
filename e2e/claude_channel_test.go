//go:build unix

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/fakemodel"
)

// TestClaudeCodeChannelEvent: an interactive Claude Code session under
// tmux, set up with docs/mcp.md's "claude mcp add" line only (no hooks)
// and started with the development-channels flag the page gives, goes idle
// after its turn; mail sent with the CLI reaches the model as a
// <channel source="ipc" ...> event holding the framed message exactly
// once, in a new turn the event itself starts. The message's status, asked
// by its sender, says door channel showed it (and it stays unread). The
// latency from the send to that model request is measured over 5 wakes
// (20 with IPC_LONG=1) and printed as median and p95.
func TestClaudeCodeChannelEvent(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	wakes := 5
	if os.Getenv("IPC_LONG") == "1" {
		wakes = 20
	}
	c := newClaude(t, channelScript(), false)
	// Claude Code shows channels only while its feature flag tengu_harbor
	// (fetched from Anthropic) is on; the sandbox has no network, so the
	// flag is put in the cache a fetch leaves, and the cache is read
	// although the sandbox turns telemetry off (which else turns the flags
	// off and every channel with them). See docs/clients.md.
	c.cacheFeatures(map[string]any{"tengu_harbor": true})
	c.extra = []string{"CLAUDE_CODE_GB_DISK_CACHE_WHEN_TELEMETRY_OFF=1"}
	flag := channelFlag(t, c.server)
	debugLog := filepath.Join(c.home, "claude-debug.log")
	tm := startTmux(t, c, append(flag, "--debug-file", debugLog)...)
	tm.confirmChannels()
	c.waitServer(t)
	tm.send("hello")
	c.waitTurnEnd(t, tm, 0)

	var latencies []time.Duration
	for i := range wakes {
		tok := fmt.Sprintf("%schan%d", token(t), i)
		before := len(c.model.Requests())
		sent := time.Now()
		id := c.sendJSON("bob", "alice", tok)
		woke, ok := c.waitRequestHolding(before, tok, wakeBound)
		if !ok {
			c.dump()
			t.Fatalf("wake %d: no model request holds the channel event within %s of the send\nchannel log:\n%s\npane:\n%s",
				i+1, wakeBound, channelLines(debugLog), tm.pane())
		}
		latencies = append(latencies, woke.At.Sub(sent))
		events := channelEvents(woke, c.server)
		if n := countIn(woke, tok); n != 1 {
			t.Errorf("wake %d: the mail appears %d times in the woken request, want exactly once", i+1, n)
		}
		holding := eventsHolding(events, tok)
		if len(holding) != 1 {
			t.Errorf("wake %d: %d <channel source=%q> blocks hold the mail, want exactly one; events:\n%s",
				i+1, len(holding), c.server, strings.Join(events, "\n---\n"))
		} else if !framed(holding[0], tok) {
			t.Errorf("wake %d: the mail is not framed by ipc's markers in its channel event:\n%s", i+1, holding[0])
		} else if i == 0 {
			t.Logf("the model received:\n%s", holding[0])
		}
		c.waitTurnEnd(t, tm, woke.N)
		st := c.status("bob", id)
		if st.State != "surfaced" || !st.shownBy("channel") {
			t.Errorf("wake %d: status of %s is %s surfaced by %v, want surfaced by door channel", i+1, id, st.State, st.Surfaced)
		}
	}
	if n := c.unread("alice"); n != wakes {
		t.Errorf("%d messages unread after %d channel events, want %d: an event is a preview and claims nothing", n, wakes, wakes)
	}
	slices.Sort(latencies)
	t.Logf("figures: Claude Code idle session, channel event: %d wakes, latency median %s, p95 %s, max %s",
		len(latencies), latencies[len(latencies)/2].Round(time.Millisecond),
		latencies[(len(latencies)*95+99)/100-1].Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))
}

// channelFlag is the development-channels flag of docs/mcp.md, for the
// server named server.
func channelFlag(t *testing.T, server string) []string {
	t.Helper()
	line := strings.Fields(strings.TrimSpace(docBlock(t, "sh", "--dangerously-load-development-channels")))
	i := slices.Index(line, "--dangerously-load-development-channels")
	if i < 0 || i+1 >= len(line) || !strings.HasPrefix(line[i+1], "server:") {
		t.Fatalf("docs/mcp.md: unexpected channels line %q", line)
	}
	if line[i+1] != "server:"+server {
		t.Fatalf("docs/mcp.md: the channels line names %s, the claude mcp add line the server %s", line[i+1], server)
	}
	return line[i : i+2]
}

// channelScript answers every turn with text that names its request, so
// that the screen shows when the turn has ended.
func channelScript() fakemodel.Script {
	return func(r fakemodel.Request) fakemodel.Reply {
		if len(r.Tools) == 0 {
			return fakemodel.Reply{Text: "ok"}
		}
		return fakemodel.Reply{Text: turnReply(r.N)}
	}
}

// turnReply is the model's answer to request n.
func turnReply(n int) string { return fmt.Sprintf("answered-%d", n) }

// confirmChannels accepts the development-channels warning, if Claude Code
// asks, by choosing its first option.
func (tm *tmux) confirmChannels() {
	tm.t.Helper()
	const warning, choice = "WARNING: Loading development channels", "❯ 1. I am using this for local development"
	ready := func(p string) bool { return !strings.Contains(p, warning) && strings.Contains(p, "❯") }
	tm.waitPaneFor("the prompt or the development-channels warning", func(p string) bool {
		return strings.Contains(p, choice) || ready(p)
	})
	if !strings.Contains(tm.pane(), choice) {
		return
	}
	tm.keys("Enter")
	tm.waitPaneFor("the prompt after the warning", ready)
}

// waitTurnEnd waits until the screen shows the model's answer to request
// n (0: the first turn's), so that the session is idle.
func (c *claude) waitTurnEnd(t *testing.T, tm *tmux, n int) {
	t.Helper()
	if n == 0 {
		r, ok := c.waitRequest(0, wakeBound)
		if !ok {
			t.Fatalf("the first turn sent no model request\npane:\n%s", tm.pane())
		}
		n = r.N
	}
	tm.waitPane(turnReply(n))
}

// waitRequestHolding waits for a model request of the conversation, after
// the first before, whose text holds tok.
func (c *claude) waitRequestHolding(before int, tok string, bound time.Duration) (fakemodel.Request, bool) {
	deadline := time.After(bound)
	for {
		changed := c.model.Changed()
		for _, r := range c.model.Requests()[before:] {
			if len(r.Tools) > 0 && countIn(r, tok) > 0 {
				return r, true
			}
		}
		select {
		case <-changed:
		case <-deadline:
			return fakemodel.Request{}, false
		}
	}
}

// channelEvents are the <channel source="server" ...> blocks in the text
// of r, each from its opening tag to its closing one.
func channelEvents(r fakemodel.Request, server string) []string {
	text := allText(r.Body)
	open := `<channel source="` + server + `"`
	var out []string
	for {
		i := strings.Index(text, open)
		if i < 0 {
			return out
		}
		text = text[i:]
		end := strings.Index(text, "</channel>")
		if end < 0 {
			return append(out, text)
		}
		out = append(out, text[:end+len("</channel>")])
		text = text[end:]
	}
}

// eventsHolding are the blocks that contain tok.
func eventsHolding(blocks []string, tok string) []string {
	var out []string
	for _, b := range blocks {
		if strings.Contains(b, tok) {
			out = append(out, b)
		}
	}
	return out
}

// framed reports whether tok stands on its own line between a begin marker
// <<<B ...>>> and its end marker <<<end B>>> in event.
func framed(event, tok string) bool {
	i := strings.Index(event, "\n"+tok+"\n")
	if i < 0 {
		return false
	}
	before, after := event[:i], event[i+len(tok)+2:]
	open := strings.LastIndex(before, "<<<")
	if open < 0 {
		return false
	}
	boundary, _, ok := strings.Cut(before[open+3:], " ")
	return ok && strings.HasPrefix(after, "<<<end "+boundary+">>>")
}

// sendJSON sends content from as to to with the CLI and returns the
// message's id.
func (c *claude) sendJSON(as, to, content string) string {
	c.t.Helper()
	var r struct {
		ID string `json:"id"`
	}
	out := c.ipc(as, "send", "--json", to, content)
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.ID == "" {
		c.t.Fatalf("ipc send --json: no id in %q: %v", out, err)
	}
	return r.ID
}

// delivery is `ipc status --json` as a sender reads it.
type delivery struct {
	State    string `json:"state"`
	Surfaced []struct {
		Door string `json:"door"`
		Read bool   `json:"read"`
	} `json:"surfaced"`
}

// shownBy reports whether door showed the message.
func (d delivery) shownBy(door string) bool {
	for _, s := range d.Surfaced {
		if s.Door == door {
			return true
		}
	}
	return false
}

// status is what `ipc status --json id`, run as as, says of a message.
func (s *sandbox) status(as, id string) delivery {
	s.t.Helper()
	var d delivery
	out := s.ipc(as, "status", "--json", id)
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		s.t.Fatalf("ipc status --json %s: %q: %v", id, out, err)
	}
	return d
}

// channelLines are the lines of Claude Code's debug log that speak of
// channels: why it registered or skipped ipc's notifications ("Channel
// notifications skipped: channels feature is not currently available").
func channelLines(debugLog string) string {
	b, err := os.ReadFile(debugLog)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "Channel ") || strings.Contains(l, "[channel]") || strings.Contains(l, "channel notification") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// cacheFeatures adds features to the feature flags Claude Code keeps in
// ~/.claude.json from its last fetch (cachedGrowthBookFeatures).
func (c *claude) cacheFeatures(features map[string]any) {
	c.t.Helper()
	path := filepath.Join(c.home, ".claude.json")
	b, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(b, &state); err != nil {
		c.t.Fatalf("%s: %v", path, err)
	}
	cached, _ := state["cachedGrowthBookFeatures"].(map[string]any)
	if cached == nil {
		cached = map[string]any{}
	}
	for k, v := range features {
		cached[k] = v
	}
	state["cachedGrowthBookFeatures"] = cached
	b, _ = json.Marshal(state)
	c.writeFile(path, string(b))
}
