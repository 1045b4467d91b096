//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// tailDriver runs ipc tail with stdout on a pseudo-terminal and stderr on
// a pipe. Once stdout holds PTY_WHEN it runs the command PTY_THEN (a JSON
// argv, [] for none: another ipc process sending while tail runs); once
// it then holds PTY_UNTIL it interrupts tail (SIGINT). It prints what
// came out as JSON {"out": base64, "err": text, "code": n}.
const tailDriver = `
import base64, json, os, pty, signal, subprocess, sys
when, until = os.environ["PTY_WHEN"].encode(), os.environ["PTY_UNTIL"].encode()
then = json.loads(os.environ["PTY_THEN"])
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
os.close(slave)
out, sent, stopped = b"", False, False
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and when in out:
        sent = True
        if then:
            subprocess.run(then, check=True, stdout=subprocess.DEVNULL)
    if sent and not stopped and until in out:
        stopped = True
        p.send_signal(signal.SIGINT)
err = p.stderr.read().decode()
code = p.wait()
print(json.dumps({"out": base64.b64encode(out).decode(), "err": err, "code": code}))
`

// tailOnTerminal runs ipc tail (as as) on a pseudo-terminal through
// tailDriver; then is the argv of ipc run once stdout shows when.
func tailOnTerminal(t *testing.T, home, as, when, until string, then []string, env []string, args ...string) result {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3 for a pseudo-terminal")
	}
	if then == nil {
		then = []string{}
	}
	thenJSON, _ := json.Marshal(then)
	cmd := ipcCmd(home, as, args...)
	cmd.Path = py
	cmd.Args = append([]string{py, "-c", tailDriver, ipcBin}, args...)
	cmd.Env = append(cmd.Env, append(env, "PTY_WHEN="+when, "PTY_UNTIL="+until, "PTY_THEN="+string(thenJSON))...)
	return ptyResult(t, cmd, args)
}

// sendID sends as from and returns the message's id.
func sendID(t *testing.T, home, from string, args ...string) string {
	t.Helper()
	var r struct {
		ID string `json:"id"`
	}
	out := mustIPC(t, home, from, "", append([]string{"send", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.ID == "" {
		t.Fatalf("send --json = %q: %v", out, err)
	}
	return r.ID
}

// TestTailOnATerminal: on a terminal ipc tail colours its lines (not with
// NO_COLOR), shows peer text's escape sequences instead of obeying them,
// prints the backlog and then a message another ipc process sends while
// it runs, exits 130 on SIGINT, and leaves the mail unread.
func TestTailOnATerminal(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "whoami")
	urgent := sendID(t, d, "alice", "--subject", "plans", "--priority", "urgent", "bob", "backlog-marker \x1b]0;pwned\x07 end")
	r := tailOnTerminal(t, d, "bob", "backlog-marker", "live-marker",
		[]string{ipcBin, "--as", "carol", "send", "bob", "live-marker"}, nil, "tail")
	if r.code != 130 || r.stderr != "ipc: interrupted while following the mail\n" {
		t.Fatalf("tail after SIGINT: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"\x1b[1;36malice\x1b[0m -> \x1b[1;36mbob\x1b[0m", "\x1b[1;31m[urgent]\x1b[0m", "[plans] backlog-marker ^[]0;pwned^G end  \x1b[2m" + urgent + "\x1b[0m", "carol", "live-marker"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("tail on a terminal lacks %q:\n%q", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\x1b]0;") {
		t.Errorf("peer escape sequence reached the terminal: %q", r.stdout)
	}
	if strings.Index(r.stdout, "backlog-marker") > strings.Index(r.stdout, "live-marker") {
		t.Errorf("the backlog came after the live message: %q", r.stdout)
	}

	plain := tailOnTerminal(t, d, "bob", "live-marker", "live-marker", nil, []string{"NO_COLOR=1"}, "tail")
	if strings.Contains(plain.stdout, "\x1b[") || !strings.Contains(plain.stdout, "alice -> bob [urgent]: [plans] backlog-marker ^[]0;pwned^G end  "+urgent+"\n") {
		t.Errorf("NO_COLOR on a terminal = %q", plain.stdout)
	}
	if got := checkJSON(t, d, "bob"); len(got.Messages) != 2 {
		t.Fatalf("after tail, check gets %d messages, want both still unread", len(got.Messages))
	}
}

// tailing is an ipc tail reading through a pipe, its lines collected.
type tailing struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func startTail(t *testing.T, home, as string, args ...string) *tailing {
	t.Helper()
	tl := &tailing{cmd: ipcCmd(home, as, append([]string{"tail"}, args...)...), done: make(chan struct{})}
	stdout, err := tl.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	tl.cmd.Stderr = os.Stderr
	if err := tl.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tl.cmd.Process.Kill(); <-tl.done })
	go func() {
		defer close(tl.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			tl.mu.Lock()
			tl.lines = append(tl.lines, sc.Text())
			tl.mu.Unlock()
		}
	}()
	return tl
}

func (tl *tailing) text() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return strings.Join(tl.lines, "\n")
}

func (tl *tailing) waitFor(t *testing.T, s string) {
	t.Helper()
	ipctest.WaitFor(t, "tail to print "+s, func() bool { return strings.Contains(tl.text(), s) })
}

// stop interrupts tail and checks that it ends with 130.
func (tl *tailing) stop(t *testing.T) {
	t.Helper()
	tl.cmd.Process.Signal(os.Interrupt)
	<-tl.done
	if r := waitBounded(t, tl.cmd); r.code != 130 {
		t.Fatalf("tail after SIGINT: exit %d, want 130", r.code)
	}
}

// TestTailThroughAPipe: through a pipe there is no colour; by default tail
// follows your own mail, received and sent; --all every mailbox's; --from
// and --thread narrow it; --json prints one message per line; nothing is
// marked read.
func TestTailThroughAPipe(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "whoami")
	root := sendID(t, d, "alice", "--subject", "q", "bob", "ready-marker")
	// Mail of another day, as a mail reader would write it: its line
	// carries the date.
	old := "From: dave\nTo: bob\nX-IPC-Time: 2001-02-03T04:05:06Z\nImportance: high\n\nfrom-the-past\n"
	if err := os.WriteFile(filepath.Join(d, "mail", "bob", "new", "981173106.M1P1Q1.old"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	sendID(t, d, "carol", "dave", "carol-ready")
	own := startTail(t, d, "bob")
	all := startTail(t, d, "", "--all", "--json", "-n", "2")
	fromCarol := startTail(t, d, "", "--all", "--from", "carol", "-n", "5")
	thread := startTail(t, d, "", "--all", "--thread", root, "-n", "5")
	for _, tl := range []*tailing{own, all, thread} {
		tl.waitFor(t, "ready-marker") // the backlog is shown: what follows is live
	}
	fromCarol.waitFor(t, "carol-ready")

	sendID(t, d, "alice", "carol", "not-bobs")
	sendID(t, d, "carol", "bob", "carol-to-bob")
	mustIPC(t, d, "bob", "", "reply", root, "bobs-answer")
	sendID(t, d, "bob", "dave", "end-marker")

	own.waitFor(t, "end-marker")
	day := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).Local().Format("2006-01-02 15:04:05 ")
	if got := own.text(); !strings.Contains(got, day+"dave -> bob [high]: from-the-past  981173106.M1P1Q1.old\n") ||
		!strings.Contains(got, ": [q] ready-marker  "+root+"\n") || !regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d carol -> bob: carol-to-bob  `).MatchString(got) {
		t.Errorf("bob's tail: the old mail's line lacks its date, priority or id:\n%s", got)
	}
	if got := own.text(); strings.Contains(got, "not-bobs") || !strings.Contains(got, "carol -> bob: carol-to-bob") ||
		!strings.Contains(got, "bob -> alice: [Re: q] bobs-answer") || strings.Contains(got, "\x1b") {
		t.Errorf("bob's tail through a pipe:\n%s", got)
	}
	all.waitFor(t, "end-marker")
	lines := strings.Split(all.text(), "\n")
	if len(lines) != 6 {
		t.Errorf("tail --all --json printed %d lines, want 6:\n%s", len(lines), all.text())
	}
	for _, l := range lines {
		var m jsonMessage
		if err := json.Unmarshal([]byte(l), &m); err != nil || m.ID == "" || m.Time == "" || m.From == "" || m.To == "" {
			t.Errorf("tail --json line %q: %v", l, err)
		}
	}
	if !strings.Contains(all.text(), `"content":"not-bobs"`) {
		t.Errorf("tail --all lacks mail between others:\n%s", all.text())
	}
	thread.waitFor(t, "bobs-answer")
	sendID(t, d, "carol", "bob", "--subject", "other", "carol-end")
	fromCarol.waitFor(t, "carol-end")
	if got := fromCarol.text(); strings.Contains(got, "alice") || !strings.Contains(got, "carol-to-bob") {
		t.Errorf("tail --from carol:\n%s", got)
	}
	if got := thread.text(); strings.Contains(got, "carol") || strings.Count(got, "\n") != 1 {
		t.Errorf("tail --thread:\n%s", got)
	}
	for _, tl := range []*tailing{own, all, fromCarol, thread} {
		tl.stop(t)
	}
	if got := checkJSON(t, d, "bob"); len(got.Messages) != 4 {
		t.Fatalf("after tail, bob's check gets %d messages, want 4 still unread", len(got.Messages))
	}
}

// TestTailWithoutIdentity: ipc tail without --as, IPC_ID or --all is a
// usage error that names the command, exit 2.
func TestTailWithoutIdentity(t *testing.T) {
	r := ipc(t, filepath.Join(t.TempDir(), "home"), "", "", "tail")
	if r.code != 2 || !strings.HasPrefix(r.stderr, "ipc: usage: tail: whose mail?") || r.stdout != "" {
		t.Errorf("tail without an identity: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
