package hook

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// Claude Code's inbox socket of the session a process runs in, which it
// gives to hooks, Bash commands and stdio MCP servers.
const (
	envMessagingSocket = "CLAUDE_CODE_MESSAGING_SOCKET"
	envMessagingToken  = "CLAUDE_CODE_MESSAGING_TOKEN"
)

// Diagnose reports, for ipc doctor, how an idle Claude Code session is
// woken for new mail, and what the hook state of identity id in the
// mailbox at root records, each finding through note; getenv reads the
// environment of the session. Whether the hook is configured is the
// caller's to check: it lies in Claude Code's settings, not here.
func Diagnose(root, id string, getenv func(string) string, note func(format string, a ...any)) {
	note("wake path for an idle Claude Code session: the Stop hook (ipc hook --wait, \"asyncRewake\": true), which hands over the mail as it wakes the session")
	if sock := getenv(envMessagingSocket); sock != "" {
		token := map[bool]string{true: " and a token", false: ""}[getenv(envMessagingToken) != ""]
		note("this session's inbox socket is at %s%s; ipc does not post to it: Claude Code documents who may post (the session's own processes) but not the frame a post is", sock, token)
	}
	if skip, why := unattended(getenv); skip {
		note("this is a Claude Code run nobody attends (%s): the Stop hook returns at once and wakes nothing", why)
	}
	if id == "" || !maildir.ValidID(id) {
		return
	}
	path := filepath.Join(stateDir(root), id+".wake")
	b, err := os.ReadFile(path)
	if err != nil {
		note("no Stop hook has waited for %s's mail yet", id)
		return
	}
	fields := strings.Fields(string(b))
	since := ""
	if fi, err := os.Stat(path); err == nil {
		since = " since " + fi.ModTime().Format(time.DateTime)
	}
	switch {
	case len(fields) == 3 && fields[1] == "wait":
		note("hooks/%s.wake: the newest Stop hook waiting for %s's mail is pid %s%s", id, id, fields[2], since)
	default:
		note("hooks/%s.wake: %q is not a waiter record; the next Stop hook replaces it", id, strings.TrimSpace(string(b)))
	}
}
