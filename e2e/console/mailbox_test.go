//go:build unix

package console

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mailbox is a temporary IPC_HOME that the built ipc works on.
type mailbox struct {
	t    testing.TB
	home string
}

func newMailbox(t testing.TB) *mailbox {
	return &mailbox{t: t, home: t.TempDir()}
}

// cmd prepares ipc acting as as (none when empty) on the mailbox, with a
// clean environment: no server started behind the test's back.
func (m *mailbox) cmd(as string, args ...string) *exec.Cmd {
	cmd := exec.Command(ipcBin, args...)
	cmd.Env = []string{"IPC_HOME=" + m.home, "HOME=" + m.home, "IPC_AUTOSTART=0", "IPC_CHANNEL=0", "PATH=" + os.Getenv("PATH")}
	if as != "" {
		cmd.Env = append(cmd.Env, "IPC_ID="+as)
	}
	return cmd
}

// ipc runs ipc as as and returns its stdout; a failure fails the test.
func (m *mailbox) ipc(as string, args ...string) string {
	m.t.Helper()
	cmd := m.cmd(as, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		m.t.Fatalf("ipc %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// send sends text from one agent to another with the extra flags of ipc
// send (--subject, --priority, --reply-to, --ack) and returns the id.
func (m *mailbox) send(from, to, text string, flags ...string) string {
	m.t.Helper()
	args := append([]string{"send", "--json"}, flags...)
	out := m.ipc(from, append(args, to, "--", text)...)
	var r struct{ ID string }
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.ID == "" {
		m.t.Fatalf("ipc send --json printed %q: %v", out, err)
	}
	return r.ID
}

// checked is one message of ipc check --json.
type checked struct {
	ID      string `json:"id"`
	From    string `json:"from"`
	Message struct {
		Content string `json:"content"`
	} `json:"message"`
}

// check reads as's unread mail with ipc check --json (which marks it read).
func (m *mailbox) check(as string) []checked {
	m.t.Helper()
	out := m.ipc(as, "check", "--json")
	var r struct{ Messages []checked }
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		m.t.Fatalf("ipc check --json printed %q: %v", out, err)
	}
	return r.Messages
}

// unreadFiles counts the files in id's new/: mail nobody has read.
func (m *mailbox) unreadFiles(id string) int {
	m.t.Helper()
	entries, err := os.ReadDir(filepath.Join(m.home, "mail", id, "new"))
	if err != nil && !os.IsNotExist(err) {
		m.t.Fatal(err)
	}
	return len(entries)
}

// console is a running ipc web.
type console struct {
	url   string // the printed URL, token and all
	base  string // http://127.0.0.1:PORT
	token string
	host  string // 127.0.0.1:PORT
}

// printedURL is the line ipc web prints: the URL to open.
var printedURL = regexp.MustCompile(`https?://\S+`)

// web starts ipc web on the mailbox (as the human watching it), opening
// no browser of its own, and reads the URL it prints. The server is interrupted, and waited for, when the
// test ends.
func (m *mailbox) web(args ...string) *console {
	m.t.Helper()
	cmd := m.cmd("", append([]string{"web", "--no-open"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		m.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	lines := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		io.Copy(io.Discard, r)
	}()
	m.t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-drained
		if err := cmd.Wait(); err != nil && !terminated(err) {
			m.t.Errorf("ipc web ended with %v\nstderr: %s", err, stderr.String())
		}
	})
	var line string
	select {
	case line = <-lines:
	case <-time.After(bound):
		m.t.Fatalf("ipc web printed no URL within %v\nstderr: %s", bound, stderr.String())
	}
	raw := printedURL.FindString(line)
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		m.t.Fatalf("ipc web printed %q, not a URL\nstderr: %s", line, stderr.String())
	}
	c := &console{url: raw, base: u.Scheme + "://" + u.Host, token: u.Query().Get("token"), host: u.Host}
	if c.token == "" {
		m.t.Fatalf("ipc web printed %q: no token in it", redact(raw))
	}
	return c
}

// at is the console's URL for a screen (a hash route such as
// "#/stream"), token and all.
func (c *console) at(route string) string {
	return c.url + route
}

// terminated reports the exit of a process the test's SIGTERM ended.
func terminated(err error) bool {
	ee, ok := err.(*exec.ExitError)
	if !ok {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM
}

// redact hides a token in a URL for a failure message.
func redact(s string) string {
	return regexp.MustCompile(`token=[0-9a-fA-F]+`).ReplaceAllString(s, "token=…")
}
