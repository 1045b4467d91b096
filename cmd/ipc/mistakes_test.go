package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ipcAt runs the built binary in the directory dir with env replacing or
// adding to ipcCmd's environment for home (a key set to "" is removed).
func ipcAt(t *testing.T, dir, home string, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	cmd := ipcCmd(home, "", args...)
	cmd.Dir = dir
	var kept []string
	for _, kv := range cmd.Env {
		if _, ok := env[strings.SplitN(kv, "=", 2)[0]]; !ok {
			kept = append(kept, kv)
		}
	}
	for k, v := range env {
		if v != "" {
			kept = append(kept, k+"="+v)
		}
	}
	cmd.Env = kept
	return runCmd(t, cmd, stdin)
}

// TestMailboxPathMistakes: what a person gets when the mailbox's path is
// not what they meant. A leading ~ (as JSON and TOML configuration files
// pass it) is the home directory; a relative IPC_HOME is resolved and
// said once; a new mailbox is announced once; a file in the way, or a
// directory of another program, is bad_request, never internal.
func TestMailboxPathMistakes(t *testing.T) {
	cases := []struct {
		name   string
		env    map[string]string // IPC_HOME and others; HOME is the test's user home
		args   []string
		code   int
		box    string   // where the mailbox must be, under {user} (the home directory) or {cwd} ("" none)
		stderr []string // lines stderr must hold, each exactly once
		not    []string // what stderr must not hold
		setup  func(t *testing.T, user, cwd string)
	}{
		{name: "~/ in IPC_HOME", env: map[string]string{"IPC_HOME": "~/.box"}, args: []string{"list"},
			box: "{user}/.box", stderr: []string{"ipc: created the mailbox {user}/.box\n"}, not: []string{"is a relative path"}},
		{name: "~ alone in IPC_HOME", env: map[string]string{"IPC_HOME": "~"}, args: []string{"list"},
			box: "{user}", stderr: []string{"ipc: created the mailbox {user}\n"}},
		{name: "~/ in --home=", args: []string{"--home=~/flagbox", "list"},
			box: "{user}/flagbox", stderr: []string{"ipc: created the mailbox {user}/flagbox\n"}, not: []string{"is a relative path"}},
		{name: "a relative IPC_HOME", env: map[string]string{"IPC_HOME": "rel/box"}, args: []string{"list"}, box: "{cwd}/rel/box",
			stderr: []string{"ipc: IPC_HOME=rel/box is a relative path: using {cwd}/rel/box", "ipc: created the mailbox {cwd}/rel/box\n"}},
		{name: "a relative --home is silent", args: []string{"--home", "flagrel", "list"},
			stderr: []string{"ipc: created the mailbox {cwd}/flagrel\n"}, not: []string{"is a relative path"}},
		{name: "an existing mailbox is not announced", env: map[string]string{"IPC_HOME": "~/.old"}, args: []string{"list"},
			box: "{user}/.old", not: []string{"ipc: created"}, setup: func(t *testing.T, user, cwd string) {
				mustIPC(t, filepath.Join(user, ".old"), "", "", "list")
			}},
		{name: "the hook announces nothing", env: map[string]string{"IPC_HOME": "hookrel", "IPC_ID": "alice"}, args: []string{"hook", "--event", "UserPromptSubmit"},
			box: "{cwd}/hookrel", not: []string{"ipc: created", "is a relative path"}},
		{name: "a file where the mailbox should be", env: map[string]string{"IPC_HOME": "~/afile"}, args: []string{"list"}, code: 1,
			stderr: []string{"ipc: bad_request: {user}/afile is a file, where the mailbox directory should be"}, not: []string{"ipc: internal"},
			setup: func(t *testing.T, user, cwd string) { writeFile(t, filepath.Join(user, "afile"), "notes") }},
		{name: "a file where a parent should be", env: map[string]string{"IPC_HOME": "~/afile/box"}, args: []string{"--as", "alice", "check"}, code: 1,
			stderr: []string{"ipc: bad_request: {user}/afile is a file"}, not: []string{"ipc: internal"},
			setup: func(t *testing.T, user, cwd string) { writeFile(t, filepath.Join(user, "afile"), "notes") }},
		{name: "another program's directory", env: map[string]string{"IPC_HOME": "~/other"}, args: []string{"list"}, code: 1,
			stderr: []string{"ipc: bad_request: {user}/other/VERSION says \"something else 3\""}, not: []string{"ipc: internal"},
			setup: func(t *testing.T, user, cwd string) {
				writeFile(t, filepath.Join(user, "other", "VERSION"), "something else 3\n")
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			user, cwd := t.TempDir(), t.TempDir()
			if c.setup != nil {
				c.setup(t, user, cwd)
			}
			env := map[string]string{"HOME": user, "IPC_HOME": ""}
			for k, v := range c.env {
				env[k] = v
			}
			r := ipcAt(t, cwd, filepath.Join(user, "unused"), env, "", c.args...)
			expand := strings.NewReplacer("{user}", user, "{cwd}", cwd).Replace
			if r.code != c.code {
				t.Fatalf("ipc %v: exit %d, want %d\nstdout %q\nstderr %q", c.args, r.code, c.code, r.stdout, r.stderr)
			}
			for _, want := range c.stderr {
				if n := strings.Count(r.stderr, expand(want)); n != 1 {
					t.Errorf("stderr holds %q %d times, want once:\n%s", expand(want), n, r.stderr)
				}
			}
			for _, bad := range c.not {
				if strings.Contains(r.stderr, bad) {
					t.Errorf("stderr holds %q:\n%s", bad, r.stderr)
				}
			}
			if c.box != "" {
				if _, err := os.Stat(filepath.Join(expand(c.box), "VERSION")); err != nil {
					t.Errorf("no mailbox at %s: %v", expand(c.box), err)
				}
			}
			if _, err := os.Stat(filepath.Join(cwd, "~")); err == nil {
				t.Errorf("a directory named ~ was made in %s", cwd)
			}
		})
	}
}

// TestSendMistakes: mail to oneself and mail to a name one typo from a
// registered one are delivered as asked, and say so on stderr and in the
// --json result.
func TestSendMistakes(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "bob", "", "check") // registers bob
	cases := []struct {
		to       string
		stdout   string
		warning  string // "" none
		suggest  string
		delivers string // who finds it with check
	}{
		{"bbo", "Message queued for bbo (not yet registered)", "ipc: warning: bbo is not registered; did you mean bob?", "bob", "bbo"},
		{"Bob", "Message queued for Bob (not yet registered)", "did you mean bob?", "bob", "Bob"},
		{"alice", "Message sent", "ipc: warning: alice is you: the message is in your own mailbox.", "", "alice"},
		{"bob", "Message sent", "", "", "bob"},
		{"zed", "Message queued for zed (not yet registered)", "", "", "zed"},
	}
	for _, c := range cases {
		r := ipc(t, home, "alice", "", "send", c.to, "hello "+c.to)
		if r.code != 0 || !strings.Contains(r.stdout, c.stdout) {
			t.Errorf("send %s: exit %d stdout %q, want %q", c.to, r.code, r.stdout, c.stdout)
		}
		if c.warning == "" && strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, c.warning) {
			t.Errorf("send %s: stderr %q, want %q", c.to, r.stderr, c.warning)
		}
		var reply struct {
			Warnings   []string `json:"warnings"`
			DidYouMean string   `json:"did_you_mean"`
		}
		out := mustIPC(t, home, "alice", "", "send", "--json", c.to, "again")
		if err := json.Unmarshal([]byte(out), &reply); err != nil {
			t.Fatalf("send --json %s: %q: %v", c.to, out, err)
		}
		if reply.DidYouMean != c.suggest || (c.warning == "") != (len(reply.Warnings) == 0) {
			t.Errorf("send --json %s = %+v, want did_you_mean %q and warnings %v", c.to, reply, c.suggest, c.warning != "")
		}
		if got := checkJSON(t, home, c.delivers); len(got.Messages) == 0 || got.Messages[0].Message.Content != "hello "+c.to {
			t.Errorf("check as %s = %+v, want the message", c.delivers, got)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMCPSendMistakes: the MCP send result names the registered agent one
// typo away, and says when the mail went to oneself; ipc mcp creating its
// mailbox says nothing of it (its stdout is the protocol, its stderr a
// client's log).
func TestMCPSendMistakes(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	alice := startMCP(t, home, "IPC_ID=alice", "IPC_CHANNEL=0")
	mustIPC(t, home, "bob", "", "check")
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bbo", "content": "hi"},
		"Message queued for bbo", "Note: bbo is not registered; did you mean bob?")
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "alice", "content": "note"},
		"Note: alice is you")
	if text := alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "hi"}); strings.Contains(text, "Note:") {
		t.Errorf("send to bob = %q, want no note", text)
	}
	alice.stop()
	if strings.Contains(alice.stderrText(), "created the mailbox") {
		t.Errorf("ipc mcp's stderr announces the mailbox: %q", alice.stderrText())
	}
}
