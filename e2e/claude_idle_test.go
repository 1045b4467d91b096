//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/fakemodel"
)

// wakeBound is how long the test waits for one wake before it calls the
// wake lost.
const wakeBound = 60 * time.Second

// TestClaudeCodeIdleSessionWokenByMail: an interactive Claude Code session
// under tmux, with the hooks of docs/mcp.md, goes idle after its turn; mail
// sent with the CLI wakes it (the Stop hook's asyncRewake), the model calls
// check and sees the mail exactly once. The wake latency, from the send to
// the model request of the woken turn, is measured over 5 wakes (20 with
// IPC_LONG=1) and printed as median and p95.
func TestClaudeCodeIdleSessionWokenByMail(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	wakes := 5
	if os.Getenv("IPC_LONG") == "1" {
		wakes = 20
	}
	c := newClaude(t, wakeScript(), true)
	tm := startTmux(t, c)
	tm.waitPane("❯")
	c.waitServer(t)
	tm.send("hello")

	var latencies []time.Duration
	for i := range wakes {
		c.waitIdle(t, tm, i+1)
		tok := fmt.Sprintf("%swake%d", token(t), i)
		before := len(c.model.Requests())
		sent := time.Now()
		c.ipc("bob", "send", "alice", tok)
		woke, ok := c.waitRequest(before, wakeBound)
		if !ok {
			c.dump()
			t.Fatalf("wake %d: no model request within %s of the send\npane:\n%s", i+1, wakeBound, tm.pane())
		}
		latencies = append(latencies, woke.At.Sub(sent))
		seen := c.waitMail(t, tok, wakeBound)
		if seen != 1 {
			t.Errorf("wake %d: the mail appears %d times in the model's last request, want exactly once", i+1, seen)
		}
	}
	slices.Sort(latencies)
	t.Logf("figures: Claude Code idle session, Stop hook asyncRewake: %d wakes, latency median %s, p95 %s, max %s",
		len(latencies), latencies[len(latencies)/2].Round(time.Millisecond),
		latencies[(len(latencies)*95+99)/100-1].Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))
}

// wakeScript answers the first turn (the user's hello, sent before Claude
// Code has told the model of ipc's tools) with text, and every later turn
// (a wake) with a call of check and then, once its result is in, text.
func wakeScript() fakemodel.Script {
	var mu sync.Mutex
	turns, results := 0, 0
	return func(r fakemodel.Request) fakemodel.Reply {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case len(r.Tools) == 0:
			return fakemodel.Reply{Text: "ok"}
		case len(r.ToolResults) > results:
			results = len(r.ToolResults)
			return fakemodel.Reply{Text: "done"}
		case turns == 0:
			turns++
			return fakemodel.Reply{Text: "hello"}
		}
		turns++
		return fakemodel.Reply{Call: &fakemodel.Call{Tool: "check", Args: map[string]any{"instance_id": "alice"}}}
	}
}

// waitServer waits until ipc mcp has listed its tools to Claude Code, so
// the first turn knows them.
func (c *claude) waitServer(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(wakeBound)
	for {
		if b, _ := os.ReadFile(c.mcpLog); strings.Contains(string(b), `"tools":[`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("ipc mcp never listed its tools")
		}
		time.Sleep(50 * time.Millisecond) // a file written by another process: looked at
	}
}

// waitIdle waits until the Stop hook's waiter of turn n has started: the
// session has ended its turn. Mail sent from then on wakes it, whether the
// waiter has looked at the mailbox yet or not.
func (c *claude) waitIdle(t *testing.T, tm *tmux, n int) {
	t.Helper()
	deadline := time.Now().Add(wakeBound)
	for {
		b, _ := os.ReadFile(c.mcpLog + ".hookrun")
		if strings.Count(string(b), "--wait") >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("turn %d never ended in a Stop hook waiter\nhooks run:\n%s\npane:\n%s", n, b, tm.pane())
		}
		select {
		case <-c.model.Changed():
		case <-time.After(50 * time.Millisecond): // the hook starts between requests
		}
	}
}

// waitRequest waits for a model request of the conversation after the
// first before requests.
func (c *claude) waitRequest(before int, bound time.Duration) (fakemodel.Request, bool) {
	deadline := time.After(bound)
	for {
		changed := c.model.Changed()
		rs := c.model.Requests()
		for _, r := range rs[before:] {
			if len(r.Tools) > 0 {
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

// waitMail waits for a model request that holds tok (the one after the
// check that read it), and is how often tok is in it.
func (c *claude) waitMail(t *testing.T, tok string, bound time.Duration) int {
	t.Helper()
	deadline := time.After(bound)
	for {
		changed := c.model.Changed()
		main := mainRequests(c.model.Requests())
		if last := main[len(main)-1]; countIn(last, tok) > 0 {
			return countIn(last, tok)
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("the model never received the mail %q", tok)
		}
	}
}

// tmux is a tmux server of the test's own, running one session.
type tmux struct {
	t    *testing.T
	sock string
}

// startTmux starts claude interactively, with ipc's tools allowed and
// args, under a tmux server of the test's own; the server is killed at the
// end of the test.
func startTmux(t *testing.T, c *claude, args ...string) *tmux {
	t.Helper()
	tm := &tmux{t: t, sock: filepath.Join(c.home, "tmux.sock")}
	var script strings.Builder
	script.WriteString("#!/bin/sh\ncd " + shellQuote(c.project) + " || exit 1\nexec env -i")
	for _, kv := range c.env() {
		script.WriteString(" " + shellQuote(kv))
	}
	fmt.Fprintf(&script, " %s --allowedTools mcp__%s", shellQuote(c.bin), c.server)
	for _, a := range args {
		script.WriteString(" " + shellQuote(a))
	}
	script.WriteString("\n")
	launcher := filepath.Join(c.home, "claude.sh")
	if err := os.WriteFile(launcher, []byte(script.String()), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tmux", "-S", tm.sock, "new-session", "-d", "-x", "160", "-y", "48", launcher).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	out, err := exec.Command("tmux", "-S", tm.sock, "display-message", "-p", "#{pane_pid}").Output()
	pid, perr := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || perr != nil {
		t.Fatalf("tmux: the session's pid: %v %v %q", err, perr, out)
	}
	// Claude Code, killed, stops writing under HOME before the test's
	// temporary directory is removed.
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		exec.Command("tmux", "-S", tm.sock, "kill-server").Run()
		for end := time.Now().Add(10 * time.Second); syscall.Kill(pid, 0) == nil && time.Now().Before(end); {
			time.Sleep(20 * time.Millisecond) // no event says another process's child is gone
		}
	})
	return tm
}

// pane is what the session's screen shows now.
func (tm *tmux) pane() string {
	out, _ := exec.Command("tmux", "-S", tm.sock, "capture-pane", "-p").CombinedOutput()
	return string(out)
}

// waitPane waits until the screen shows text (the prompt, once Claude
// Code is ready for input).
func (tm *tmux) waitPane(text string) {
	tm.t.Helper()
	tm.waitPaneFor(fmt.Sprintf("%q", text), func(p string) bool { return strings.Contains(p, text) })
}

// waitPaneFor waits until the screen meets ok. The screen has no event to
// wait on, so it is looked at every 100 ms.
func (tm *tmux) waitPaneFor(what string, ok func(pane string) bool) {
	tm.t.Helper()
	deadline := time.Now().Add(wakeBound)
	for !ok(tm.pane()) {
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen never showed %s:\n%s", what, tm.pane())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// send types text and Enter.
func (tm *tmux) send(text string) {
	tm.t.Helper()
	tm.keys("-l", text)
	tm.keys("Enter")
}

// keys sends keys (tmux send-keys arguments) to the session.
func (tm *tmux) keys(keys ...string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", append([]string{"-S", tm.sock, "send-keys"}, keys...)...).CombinedOutput(); err != nil {
		tm.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
