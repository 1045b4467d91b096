package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snapshot maps every file under dirs to its content.
func snapshot(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				b, _ := os.ReadFile(p)
				files[p] = string(b)
			}
			return nil
		})
	}
	return files
}

// Claude Code settings of the tests: hooks as docs/mcp.md gives them, and
// variants of them.
const (
	stopHookJSON   = `{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "ipc --as alice hook --wait 55m", "asyncRewake": true, "timeout": 3600}]}]}}`
	injectHookJSON = `{"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command", "command": "/usr/local/bin/ipc --as=alice hook", "timeout": 10}]}],
	                             "PostToolUse": [{"hooks": [{"type": "command", "command": "ipc hook"}]}]}}`
	mcpJSON = `{"mcpServers": {"ipc": {"type": "stdio", "command": "ipc", "args": ["mcp"], "env": {"IPC_ID": "alice"}}}}`
)

// TestDoctorWakePaths: ipc doctor reads Claude Code's user and project
// settings and MCP configuration, reports the Stop hook that wakes an idle
// session, the hooks that hand mail over, whether channels can work, and a
// missing or malformed file, without changing any file or failing.
func TestDoctorWakePaths(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string // "~/" is the home directory, "./" the project
		env   []string
		want  []string
		not   []string
	}{
		{name: "nothing configured", want: []string{"     no Claude Code configuration found ("}, not: []string{"WARN"}},
		{
			name:  "the documented setup",
			files: map[string]string{"~/.claude/settings.json": stopHookJSON, "./.claude/settings.local.json": injectHookJSON, "./.mcp.json": mcpJSON},
			want: []string{
				"ok   the Stop hook in ~/.claude/settings.json runs `ipc --as alice hook --wait 55m` with \"asyncRewake\": true: an idle session is woken when mail lands",
				"ok   ipc hook hands unread mail over on PostToolUse, UserPromptSubmit",
				"ok   MCP server \"ipc\" in ./.mcp.json runs ipc mcp, which sends Claude Code a channel event when mail lands; Claude Code shows them when started with --dangerously-load-development-channels server:ipc",
			},
			not: []string{"WARN"},
		},
		{
			name:  "a Stop hook without asyncRewake",
			files: map[string]string{"./.claude/settings.json": strings.Replace(stopHookJSON, `"asyncRewake": true`, `"asyncRewake": false`, 1)},
			want: []string{
				"WARN the Stop hook in ./.claude/settings.json runs `ipc --as alice hook --wait 55m` without \"asyncRewake\": true",
				`     fix: add "asyncRewake": true to it`,
			},
		},
		{
			name:  "a Stop hook whose timeout ends it before its wait",
			files: map[string]string{"~/.claude/settings.json": strings.Replace(stopHookJSON, `"timeout": 3600`, `"timeout": 60`, 1)},
			want:  []string{"WARN the Stop hook in ~/.claude/settings.json has a timeout of 60s, not above its wait of 55m0s", "fix: set \"timeout\" above --wait"},
		},
		{
			name:  "no Stop hook",
			files: map[string]string{"./.claude/settings.local.json": injectHookJSON},
			want: []string{
				"WARN no Stop hook runs ipc hook (~/.claude/settings.json, ./.claude/settings.json, ./.claude/settings.local.json): an idle Claude Code session is not woken when mail lands",
				`     fix: add to one of them: "Stop": [{"hooks": [{"type": "command", "command": "ipc --as NAME hook --wait 55m", "asyncRewake": true, "timeout": 3600}]}]`,
				"ok   ipc hook hands unread mail over on PostToolUse, UserPromptSubmit",
				"     no MCP server configuration runs ipc mcp (~/.claude.json, ./.mcp.json)",
			},
		},
		{
			name:  "malformed settings",
			files: map[string]string{"~/.claude/settings.json": stopHookJSON, "./.claude/settings.json": `{"hooks": {`, "./.mcp.json": `[`},
			want: []string{
				"WARN ./.claude/settings.json is not valid settings JSON (unexpected end of JSON input): Claude Code ignores it",
				"     fix: correct it (python3 -m json.tool ./.claude/settings.json shows where it breaks)",
				"WARN ./.mcp.json is not valid settings JSON",
				"ok   the Stop hook in ~/.claude/settings.json runs",
			},
		},
		{
			name:  "settings of the wrong shape",
			files: map[string]string{"~/.claude/settings.json": `{"hooks": {"Stop": "ipc hook"}}`},
			want:  []string{"WARN ~/.claude/settings.json is not valid settings JSON (json: cannot unmarshal string"},
		},
		{
			name:  "every hook turned off",
			files: map[string]string{"~/.claude/settings.json": `{"disableAllHooks": true}`},
			want:  []string{`WARN ~/.claude/settings.json sets "disableAllHooks": true: Claude Code runs no hook, ipc's neither`},
		},
		{
			name:  "asyncRewake on SessionStart",
			files: map[string]string{"~/.claude/settings.json": `{"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "ipc hook", "asyncRewake": true}]}]}}`},
			want:  []string{`WARN the SessionStart hook in ~/.claude/settings.json has "asyncRewake": true: Claude Code blocks its startup`},
		},
		{
			name:  "channels off in the server's env",
			files: map[string]string{"./.mcp.json": strings.Replace(mcpJSON, `"IPC_ID": "alice"`, `"IPC_ID": "alice", "IPC_CHANNEL": "0"`, 1)},
			want:  []string{`WARN MCP server "ipc" in ./.mcp.json runs ipc mcp with channels off (IPC_CHANNEL=0 in its env in ./.mcp.json)`, "fix: unset IPC_CHANNEL"},
		},
		{
			name:  "channels off in the environment",
			files: map[string]string{"./.mcp.json": mcpJSON},
			env:   []string{"IPC_CHANNEL=off"},
			want:  []string{`WARN MCP server "ipc" in ./.mcp.json runs ipc mcp with channels off (IPC_CHANNEL=off in this environment)`},
		},
		{
			name:  "Claude Code without feature flags",
			files: map[string]string{"./.mcp.json": mcpJSON},
			env:   []string{"DISABLE_TELEMETRY=1"},
			want:  []string{"WARN DISABLE_TELEMETRY is set: Claude Code started with it reads no feature flags and shows no channel events"},
		},
		{
			name: "the local scope of ~/.claude.json",
			files: map[string]string{"~/.claude.json": `{"numStartups": 3, "projects": {"PROJECT": {"mcpServers": {"mailbox": {"command": "/opt/bin/ipc", "args": ["--home", "/tmp/x", "mcp"]}}}},
			                                          "mcpServers": {"other": {"command": "npx", "args": ["ipc"]}}}`},
			want: []string{`ok   MCP server "mailbox" in ~/.claude.json runs ipc mcp`, "server:mailbox"},
			not:  []string{`"other"`},
		},
		{
			name:  "the Stop hook's name finds its wake record",
			files: map[string]string{"~/.claude/settings.json": strings.Replace(stopHookJSON, "alice", "carol", 1)},
			want:  []string{"     no Stop hook has waited for carol's mail yet"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			home, project, mailbox := filepath.Join(tmp, "home"), filepath.Join(tmp, "project"), filepath.Join(tmp, "mailbox")
			for _, d := range []string{home, project} {
				if err := os.MkdirAll(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			local := func(s string) string {
				s = strings.ReplaceAll(s, "~/", home+string(filepath.Separator))
				return strings.ReplaceAll(s, "./", project+string(filepath.Separator))
			}
			for name, content := range tc.files {
				p := filepath.FromSlash(local(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				quoted := strings.ReplaceAll(project, `\`, `\\`)
				if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "PROJECT", quoted)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, home, project)
			cmd := ipcCmd(mailbox, "", "doctor")
			cmd.Env = append(cmd.Env, append([]string{"HOME=" + home, "IPC_CHANNEL=", "IPC_PORT=0"}, tc.env...)...)
			cmd.Dir = project
			r := runCmd(t, cmd, "")
			if r.code != 0 {
				t.Fatalf("doctor exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, local(w)) {
					t.Errorf("doctor lacks %q:\n%s", local(w), r.stdout)
				}
			}
			for _, n := range tc.not {
				for _, line := range strings.Split(r.stdout, "\n") {
					if strings.Contains(line, n) {
						t.Errorf("doctor has %q: %s\n%s", n, line, r.stdout)
					}
				}
			}
			if after := snapshot(t, home, project); len(after) != len(before) {
				t.Fatalf("doctor changed the files: %v, then %v", before, after)
			} else {
				for p, b := range before {
					if after[p] != b {
						t.Fatalf("doctor changed %s", p)
					}
				}
			}
		})
	}
}

// TestIPCInvocation: the command lines of hooks and MCP servers that run an
// ipc command are recognized with their name, whatever the path and flags.
func TestIPCInvocation(t *testing.T) {
	cases := []struct {
		fields        []string
		sub, as, args string
	}{
		{[]string{"ipc", "--as", "alice", "hook", "--wait", "55m"}, "hook", "alice", "--wait 55m"},
		{[]string{"/usr/local/bin/ipc", "-as=bob", "--home", "/x", "hook"}, "hook", "bob", ""},
		{[]string{"IPC_ID=carol", `"C:\bin\ipc.exe"`, "mcp"}, "mcp", "", ""},
		{[]string{"ipcx", "hook"}, "", "", ""},
		{[]string{"npx", "some-ipc-server"}, "", "", ""},
		{[]string{"ipc", "--as", "alice"}, "", "alice", ""},
	}
	for _, c := range cases {
		sub, as, args := ipcInvocation(c.fields)
		if sub != c.sub || as != c.as || strings.Join(args, " ") != c.args {
			t.Errorf("%q: %q %q %q, want %q %q %q", c.fields, sub, as, args, c.sub, c.as, c.args)
		}
	}
}
