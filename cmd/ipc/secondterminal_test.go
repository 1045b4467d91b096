package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// watcher is a running "ipc watch --json": the ids of the messages it
// printed, as they come.
type watcher struct {
	cmd *exec.Cmd
	ids chan string
}

// startWatch starts "ipc watch --json" as as on home and waits until it
// holds the name.
func startWatch(t *testing.T, home, as string) *watcher {
	t.Helper()
	w := &watcher{cmd: ipcCmd(home, as, "watch", "--json"), ids: make(chan string, 10000)}
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.cmd.Stderr = os.Stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.cmd.Process.Kill(); w.cmd.Wait() })
	go func() {
		defer close(w.ids)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				w.ids <- m.ID
			}
		}
	}()
	ipctest.WaitFor(t, as+" online", func() bool { return online(t, home, as) })
	return w
}

// online reports whether ipc list says as is online.
func online(t *testing.T, home, as string) bool {
	var list struct {
		Instances []struct {
			ID     string `json:"id"`
			Online bool   `json:"online"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(mustIPC(t, home, "", "", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	for _, a := range list.Instances {
		if a.ID == as {
			return a.Online
		}
	}
	return false
}

// TestSecondTerminalActsAsTheWatcher: with ipc watch running as carol, a
// second terminal sends, checks, reads history and status as carol; it
// may not rename her; the watch goes on holding the name and printing.
func TestSecondTerminalActsAsTheWatcher(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "bob", "", "check")
	w := startWatch(t, home, "carol")
	var sent struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(mustIPC(t, home, "carol", "", "send", "--json", "bob", "from the second terminal")), &sent); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"send", "bob", "again"}, 0, "Message sent", ""},
		{[]string{"check"}, 0, "No new messages", ""},
		{[]string{"history"}, 0, "", ""},
		{[]string{"status", sent.ID}, 0, "State: unread", ""},
		{[]string{"rename", "carla"}, 1, "", "ipc: in_use: carol is held by another command of yours"},
	}
	for _, c := range cases {
		r := ipc(t, home, "carol", "", c.args...)
		if r.code != c.code || !strings.Contains(r.stdout, c.stdout) || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("ipc %v as carol beside the watch: exit %d\nstdout %q\nstderr %q\nwant exit %d, stdout %q, stderr %q",
				c.args, r.code, r.stdout, r.stderr, c.code, c.stdout, c.stderr)
		}
	}
	if got := checkJSON(t, home, "bob"); len(got.Messages) != 2 || got.Messages[0].From != "carol" {
		t.Fatalf("bob's check = %+v, want two messages from carol", got)
	}
	if !online(t, home, "carol") {
		t.Fatal("carol is offline after the second terminal's commands; the watch holds her")
	}
	mustIPC(t, home, "bob", "", "send", "carol", "still watching?")
	if id := <-w.ids; id == "" {
		t.Fatal("the watch printed nothing after the second terminal's commands")
	}
}

// TestAgentsStillConflict: the second terminal's rule is for commands;
// agents still cannot both be carol: a second ipc mcp as carol is
// refused, beside another ipc mcp or beside ipc watch. (A command beside
// an agent is refused too: TestCLICannotActAsLiveIdentity.)
func TestAgentsStillConflict(t *testing.T) {
	for _, first := range []string{"mcp", "watch"} {
		t.Run("beside "+first, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			if first == "mcp" {
				startMCP(t, home, "IPC_ID=carol", "IPC_CHANNEL=0")
			} else {
				startWatch(t, home, "carol")
			}
			second := startMCP(t, home, "IPC_ID=carol", "IPC_CHANNEL=0")
			text, isErr := second.call("check", map[string]any{"instance_id": "carol"})
			if !isErr || !strings.Contains(text, "in use") {
				t.Fatalf("check on a second ipc mcp as carol = %q, want in use", text)
			}
		})
	}
}
