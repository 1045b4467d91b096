package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/hook"
	"github.com/ipc-dev/ipc/mcp"
)

// Claude Code's configuration as doctor finds it.
const (
	envClaudeProjectDir = "CLAUDE_PROJECT_DIR" // the project of the session a hook runs in
	stopEvent           = "Stop"
	sessionStartEvent   = "SessionStart"
)

// Variables with which Claude Code reads no feature flags, so shows no
// channel events (docs/mcp.md).
var channelBlockers = []string{"DISABLE_TELEMETRY", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"}

// claudeSettings is what doctor reads of a Claude Code settings file.
type claudeSettings struct {
	DisableAllHooks bool `json:"disableAllHooks"`
	Hooks           map[string][]struct {
		Hooks []struct {
			Command     string  `json:"command"`
			AsyncRewake bool    `json:"asyncRewake"`
			Timeout     float64 `json:"timeout"` // seconds; 0 when not set
		} `json:"hooks"`
	} `json:"hooks"`
}

// mcpServer is one entry of an mcpServers object.
type mcpServer struct {
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env"`
}

// claudeMCP is what doctor reads of ~/.claude.json (user and local scope)
// and of a project's .mcp.json (project scope).
type claudeMCP struct {
	MCPServers map[string]mcpServer `json:"mcpServers"`
	Projects   map[string]struct {
		MCPServers map[string]mcpServer `json:"mcpServers"`
	} `json:"projects"`
}

// ipcHook is a configured hook that runs ipc hook.
type ipcHook struct {
	file, event, command string
	asyncRewake          bool
	timeout              float64
	as                   string
	wait                 time.Duration
}

// wakeFindings reports the ways an idle Claude Code session learns of new
// mail: the hooks its settings run, the MCP servers that can send channel
// events, and the hook's wake record. It reads the user's and the
// project's settings ($CLAUDE_PROJECT_DIR, else the working directory)
// and changes nothing; a missing or malformed file is a finding.
func (c *cli) wakeFindings(root string) []finding {
	home := c.userHome()
	project := c.getenv(envClaudeProjectDir)
	if project == "" {
		project, _ = os.Getwd()
	}
	settings := uniquePaths(
		filepath.Join(home, ".claude", "settings.json"),
		filepath.Join(project, ".claude", "settings.json"),
		filepath.Join(project, ".claude", "settings.local.json"))
	hooks, present, out := readHooks(settings)
	mcpFiles := uniquePaths(filepath.Join(home, ".claude.json"), filepath.Join(project, ".mcp.json"))
	servers, mcpPresent, bad := readMCPServers(mcpFiles, project)
	out = append(out, bad...)
	if len(present) == 0 && len(mcpPresent) == 0 {
		out = append(out, found("hook", levelNote, "no Claude Code configuration found (%s): skip the rest if Claude Code is not used here", strings.Join(append(settings, mcpFiles...), ", ")))
	} else {
		out = append(out, hookFindings(hooks, settings)...)
		out = append(out, c.channelFindings(servers, mcpFiles)...)
	}
	id := c.as
	for _, h := range hooks {
		if id == "" && h.event == stopEvent {
			id = h.as
		}
	}
	return append(out, diagnoseWake(root, id, c.getenv)...)
}

// userHome is the user's home directory ($HOME first, as Claude Code).
func (c *cli) userHome() string {
	if h := c.getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// readJSON reads the JSON file at path into v. present is false when there
// is no file; a file that cannot be read or parsed is a warning.
func readJSON(path, check string, v any) (present bool, bad []finding) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return true, []finding{found(check, levelWarning, "%s cannot be read: %v", path, err)}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, []finding{found(check, levelWarning, "%s is not valid settings JSON (%v): Claude Code ignores it", path, err).
			withFix("correct it (python3 -m json.tool %s shows where it breaks)", path)}
	}
	return true, nil
}

// readHooks returns the hooks of the settings files that run ipc hook,
// the files that exist, and a finding for each that is malformed or turns
// every hook off.
func readHooks(files []string) (hooks []ipcHook, present []string, out []finding) {
	for _, path := range files {
		var s claudeSettings
		ok, bad := readJSON(path, "hook", &s)
		out = append(out, bad...)
		if !ok || len(bad) > 0 {
			continue
		}
		present = append(present, path)
		if s.DisableAllHooks {
			out = append(out, found("hook", levelWarning, "%s sets \"disableAllHooks\": true: Claude Code runs no hook, ipc's neither", path).
				withFix("remove disableAllHooks from %s", path))
		}
		for event, groups := range s.Hooks {
			for _, g := range groups {
				for _, e := range g.Hooks {
					if sub, as, args := ipcInvocation(strings.Fields(e.Command)); sub == "hook" {
						hooks = append(hooks, ipcHook{file: path, event: event, command: e.Command, asyncRewake: e.AsyncRewake, timeout: e.Timeout, as: as, wait: waitOf(args)})
					}
				}
			}
		}
	}
	slices.SortFunc(hooks, func(a, b ipcHook) int { return strings.Compare(a.file+" "+a.event, b.file+" "+b.event) })
	return hooks, present, out
}

// waitOf is the --wait of ipc hook's arguments, or the waiter's default.
func waitOf(args []string) time.Duration {
	for i, a := range args {
		v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "wait=")
		if !ok && strings.TrimLeft(a, "-") == "wait" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if d, err := time.ParseDuration(v); ok && err == nil {
			return d
		}
	}
	return hook.DefaultWait
}

// hookFindings reports the Stop hook that wakes an idle session, and the
// hooks that hand mail over during a turn.
func hookFindings(hooks []ipcHook, files []string) []finding {
	var out []finding
	var during []string
	stops := 0
	for _, h := range hooks {
		switch {
		case h.event == stopEvent:
			stops++
			out = append(out, stopHook(h))
		case h.event == sessionStartEvent && h.asyncRewake:
			out = append(out, found("hook", levelWarning, "the SessionStart hook in %s has \"asyncRewake\": true: Claude Code blocks its startup for such a hook", h.file).
				withFix("remove asyncRewake from the SessionStart hook"))
		}
		if h.event != stopEvent && !slices.Contains(during, h.event) {
			during = append(during, h.event)
		}
	}
	if stops == 0 {
		out = append(out, found("hook", levelWarning, "no Stop hook runs ipc hook (%s): an idle Claude Code session is not woken when mail lands", strings.Join(files, ", ")).
			withFix(`add to one of them: "Stop": [{"hooks": [{"type": "command", "command": "ipc --as NAME hook --wait 55m", "asyncRewake": true, "timeout": 3600}]}] (docs/mcp.md, Claude Code hooks)`))
	}
	if len(during) == 0 {
		return append(out, found("hook", levelNote, "no UserPromptSubmit or PostToolUse hook runs ipc hook: during a turn, mail reaches Claude only when it calls check"))
	}
	return append(out, found("hook", levelOK, "ipc hook hands unread mail over on %s", strings.Join(during, ", ")))
}

// stopHook reports whether a Stop hook running ipc hook can wake the session.
func stopHook(h ipcHook) finding {
	switch {
	case !h.asyncRewake:
		return found("hook", levelWarning, "the Stop hook in %s runs `%s` without \"asyncRewake\": true: the turn does not end until it returns, and it wakes nothing", h.file, h.command).
			withFix(`add "asyncRewake": true to it`)
	case h.timeout > 0 && time.Duration(h.timeout*float64(time.Second)) <= h.wait:
		return found("hook", levelWarning, "the Stop hook in %s has a timeout of %gs, not above its wait of %s: Claude Code ends it before late mail can wake the session", h.file, h.timeout, h.wait).
			withFix("set \"timeout\" above --wait (3600 for --wait 55m)")
	}
	return found("hook", levelOK, "the Stop hook in %s runs `%s` with \"asyncRewake\": true: an idle session is woken when mail lands", h.file, h.command)
}

// configuredServer is an MCP server entry that runs ipc mcp.
type configuredServer struct {
	file, name string
	env        map[string]string
}

// readMCPServers returns the configured MCP servers that run ipc mcp (for
// ~/.claude.json, at user scope and at the local scope of project), the
// files that exist, and a finding for each that is malformed.
func readMCPServers(files []string, project string) (servers []configuredServer, present []string, out []finding) {
	for _, path := range files {
		var m claudeMCP
		ok, bad := readJSON(path, "channels", &m)
		out = append(out, bad...)
		if !ok || len(bad) > 0 {
			continue
		}
		present = append(present, path)
		scopes := []map[string]mcpServer{m.MCPServers, m.Projects[project].MCPServers}
		for _, scope := range scopes {
			for name, s := range scope {
				if sub, _, _ := ipcInvocation(append(strings.Fields(s.Command), s.Args...)); sub == "mcp" {
					servers = append(servers, configuredServer{file: path, name: name, env: s.Env})
				}
			}
		}
	}
	slices.SortFunc(servers, func(a, b configuredServer) int { return strings.Compare(a.file+" "+a.name, b.file+" "+b.name) })
	return servers, present, out
}

// channelFindings reports whether the configured ipc mcp servers can send
// Claude Code channel events.
func (c *cli) channelFindings(servers []configuredServer, files []string) []finding {
	if len(servers) == 0 {
		return []finding{found("channels", levelNote, "no MCP server configuration runs ipc mcp (%s): Claude Code has no ipc tools and gets no channel events", strings.Join(files, ", ")).
			withFix("claude mcp add ipc -e IPC_ID=NAME -- ipc mcp")}
	}
	var out []finding
	for _, s := range servers {
		setting, where := s.env[mcp.EnvChannel], "its env in "+s.file
		if _, set := s.env[mcp.EnvChannel]; !set {
			setting, where = c.getenv(mcp.EnvChannel), "this environment"
		}
		if envOff(setting) {
			out = append(out, found("channels", levelWarning, "MCP server %q in %s runs ipc mcp with channels off (%s=%s in %s)", s.name, s.file, mcp.EnvChannel, setting, where).
				withFix("unset %s: by default ipc mcp sends channel events to Claude Code", mcp.EnvChannel))
			continue
		}
		out = append(out, found("channels", levelOK, "MCP server %q in %s runs ipc mcp, which sends Claude Code a channel event when mail lands; Claude Code shows them when started with --dangerously-load-development-channels server:%s", s.name, s.file, s.name))
	}
	for _, v := range channelBlockers {
		if c.getenv(v) != "" {
			out = append(out, found("channels", levelWarning, "%s is set: Claude Code started with it reads no feature flags and shows no channel events", v).
				withFix("unset %s where Claude Code starts; the Stop hook wakes a session without channels", v))
		}
	}
	return out
}

// ipcInvocation finds ipc in a command line and returns its subcommand,
// the --as it names, and the arguments after the subcommand; sub is ""
// when the line runs no ipc command.
func ipcInvocation(fields []string) (sub, as string, args []string) {
	start := slices.IndexFunc(fields, func(f string) bool {
		f = strings.Trim(f, `"'`)
		return strings.TrimSuffix(f[strings.LastIndexAny(f, `/\`)+1:], ".exe") == "ipc"
	})
	if start < 0 {
		return "", "", nil
	}
	rest := fields[start+1:]
	for i := 0; i < len(rest); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(rest[i], "-"), "=")
		switch {
		case !strings.HasPrefix(rest[i], "-"):
			return rest[i], as, rest[i+1:]
		case (name == "as" || name == "home") && !hasValue && i+1 < len(rest):
			i++
			value = rest[i]
		}
		if name == "as" {
			as = value
		}
	}
	return "", as, nil
}

// diagnoseWake turns what package hook reports of the wake path and of
// id's wake record into findings.
func diagnoseWake(root, id string, getenv func(string) string) []finding {
	var out []finding
	hook.Diagnose(root, id, getenv, func(format string, a ...any) { out = append(out, found("wake", levelNote, format, a...)) })
	return out
}

// uniquePaths returns paths without repeats (a project that is the home
// directory names its settings twice).
func uniquePaths(paths ...string) []string {
	var out []string
	for _, p := range paths {
		if p = filepath.Clean(p); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
