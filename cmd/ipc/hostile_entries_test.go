//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// The hostile-entry table of ipctest against the readers of the CLI, each
// a real process: check, check --wait, watch, every hook event, gc, doctor,
// and SIGTERM of a waiting check and of ipc serve. Each must end within
// hangBound (a hang fails the test instead of stalling it), keep its peak
// memory under rssBound and deliver every good message.

const (
	hangBound = 60 * time.Second
	rssBound  = 256 << 20 // the oversized entry is 1 GiB: reading it would pass this
)

// boundedRun runs cmd with stdin and fails the test if it has not ended
// within hangBound or peaked over rssBound.
func boundedRun(t *testing.T, cmd *exec.Cmd, stdin string) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := waitBounded(t, cmd)
	r.stdout, r.stderr = out.String(), errb.String()
	return r
}

// waitBounded waits for a started cmd by condition (its exit), killing it
// and failing the test after hangBound.
func waitBounded(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(hangBound):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v still running after %v", cmd.Args, hangBound)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > rssBound {
		t.Fatalf("%v peaked at %d MiB", cmd.Args, ru.Maxrss>>10)
	}
	return result{code: cmd.ProcessState.ExitCode()}
}

// hostileHome is a mailbox where bob has "before", one hostile entry (in
// new/ or cur/) and "after".
func hostileHome(t *testing.T, what, sub string) (home string, e ipctest.HostileEntry) {
	t.Helper()
	home = filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "bob", "", "check")
	mustIPC(t, home, "alice", "", "send", "bob", "before")
	time.Sleep(time.Microsecond) // names order by microsecond
	for _, h := range ipctest.HostileEntries(time.Now(), 1<<30) {
		if h.What == what {
			e = h
		}
	}
	if err := e.Make(filepath.Join(home, "mail", "bob", sub, e.Name)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Microsecond)
	mustIPC(t, home, "alice", "", "send", "bob", "after")
	return home, e
}

// wantMail is the good mail of a hostile home, in order.
func wantMail(e ipctest.HostileEntry) []string {
	if e.Mail != "" {
		return []string{"before", e.Mail, "after"}
	}
	return []string{"before", "after"}
}

// checkContents fails unless got holds exactly want, in order (by substring).
func checkContents(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d messages %.300q, want %q", what, len(got), got, want)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Fatalf("%s: message %d = %.300q, want %q", what, i, got[i], want[i])
		}
	}
}

// checkQuarantined fails unless a moved-aside entry is listed by doctor.
func checkQuarantined(t *testing.T, home string, e ipctest.HostileEntry) {
	t.Helper()
	r := boundedRun(t, ipcCmd(home, "", "doctor"), "")
	moved := e.Mail == ""
	if listed := strings.Contains(r.stdout, "bob/new-"+e.Name[:20]) || strings.Contains(r.stdout, "bob/cur-"+e.Name[:20]); listed != moved {
		t.Fatalf("doctor lists the %s: %v, want %v\n%s", e.What, listed, moved, r.stdout)
	}
	if moved && r.code != 1 {
		t.Fatalf("doctor exit %d with a quarantined entry", r.code)
	}
}

func hostileWhats() []string {
	var out []string
	for _, e := range ipctest.HostileEntries(time.Now(), 1) {
		out = append(out, e.What)
	}
	return out
}

// TestHostileEntriesCLICheck: ipc check --json returns the good mail
// around each entry, warns once on stderr for an entry moved aside, and
// doctor lists it.
func TestHostileEntriesCLICheck(t *testing.T) {
	if noEndToEnd() {
		t.Skip("no binary")
	}
	for _, what := range hostileWhats() {
		t.Run(what, func(t *testing.T) {
			home, e := hostileHome(t, what, "new")
			r := boundedRun(t, ipcCmd(home, "bob", "check", "--json"), "")
			if r.code != 0 {
				t.Fatalf("check: exit %d: %s", r.code, r.stderr)
			}
			var rep cliCheckReply
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("check --json %q: %v", r.stdout, err)
			}
			var got []string
			for _, m := range rep.Messages {
				got = append(got, m.Message.Content)
			}
			checkContents(t, "check", got, wantMail(e))
			if warned := strings.Count(r.stderr, "ipc: warning: mail/bob/new/"); warned != map[bool]int{true: 1}[e.Mail == ""] {
				t.Fatalf("stderr %q: %d warnings", r.stderr, warned)
			}
			checkQuarantined(t, home, e)
		})
	}
}

// TestHostileEntriesCLIWait: ipc check --wait with only entries that are
// not mail waits its whole time (a dangling symlink made it return at
// once), and SIGTERM ends it.
func TestHostileEntriesCLIWait(t *testing.T) {
	if noEndToEnd() {
		t.Skip("no binary")
	}
	for _, what := range []string{"fifo", "dangling-symlink", "directory"} {
		t.Run(what, func(t *testing.T) {
			home, e := hostileHome(t, what, "new")
			mustIPC(t, home, "bob", "", "check")
			if err := e.Make(filepath.Join(home, "mail", "bob", "new", strings.Replace(e.Name, "P1Q", "P2Q", 1))); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r := boundedRun(t, ipcCmd(home, "bob", "check", "--wait", "2s"), "")
			if r.code != exitNoMail || !strings.Contains(r.stdout, "No new messages") || time.Since(start) < 2*time.Second {
				t.Fatalf("check --wait 2s: exit %d after %v: %s %s", r.code, time.Since(start), r.stdout, r.stderr)
			}
			cmd := ipcCmd(home, "bob", "check", "--wait", "600s")
			stderr := &ipctest.Buffer{}
			cmd.Stderr = stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ipctest.WaitFor(t, "bob's presence", func() bool { return hasPresence(home, "bob") })
			cmd.Process.Signal(syscall.SIGTERM)
			waitBounded(t, cmd)
		})
	}
}

// hasPresence reports whether a process holds bob's presence record.
func hasPresence(home, id string) bool {
	_, err := os.Stat(filepath.Join(home, "presence", id+".json"))
	return err == nil
}

// TestHostileEntriesCLIWatch: ipc watch prints the good mail around each
// entry without spinning, and ends on SIGINT.
func TestHostileEntriesCLIWatch(t *testing.T) {
	if noEndToEnd() {
		t.Skip("no binary")
	}
	for _, what := range hostileWhats() {
		t.Run(what, func(t *testing.T) {
			home, e := hostileHome(t, what, "new")
			cmd := ipcCmd(home, "bob", "watch", "--json")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string)
			go func() {
				sc := bufio.NewScanner(out)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var got []string
			for len(got) < len(wantMail(e)) {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("watch ended after %q", got)
					}
					var m struct {
						Message struct{ Content string } `json:"message"`
					}
					json.Unmarshal([]byte(l), &m)
					got = append(got, m.Message.Content)
				case <-time.After(hangBound):
					cmd.Process.Kill()
					t.Fatalf("watch printed %q in %v", got, hangBound)
				}
			}
			checkContents(t, "watch", got, wantMail(e))
			// Idle with the entry gone: the process is waiting, not spinning.
			cpu0 := cpuOf(t, cmd.Process.Pid)
			mustIPC(t, home, "alice", "", "send", "bob", "later")
			if l := <-lines; !strings.Contains(l, "later") {
				t.Fatalf("watch printed %q, want later", l)
			}
			cmd.Process.Signal(os.Interrupt)
			for range lines {
			}
			if r := waitBounded(t, cmd); r.code != 0 {
				t.Fatalf("watch exit %d", r.code)
			}
			if used := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime() - cpu0; used > 5*time.Second {
				t.Fatalf("watch used %v of CPU while idle", used)
			}
			checkQuarantined(t, home, e)
		})
	}
}

// cpuOf reads the CPU time a running process used so far.
func cpuOf(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0 // no /proc: the check below is then only an upper bound
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	const hz = 100 // USER_HZ
	var ticks int64
	for _, s := range f[11:13] { // utime, stime
		var v int64
		for _, c := range s {
			v = v*10 + int64(c-'0')
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / hz
}

// TestHostileEntriesHook: every hook event ends within the bound; the
// events that inject mail inject the good mail, SessionStart counts it.
func TestHostileEntriesHook(t *testing.T) {
	if noEndToEnd() {
		t.Skip("no binary")
	}
	for _, what := range hostileWhats() {
		t.Run(what, func(t *testing.T) {
			home, e := hostileHome(t, what, "new")
			r := boundedRun(t, ipcCmd(home, "bob", "hook"), hookEvent("SessionStart"))
			want := wantMail(e)
			if ctx := parseHookOutput(t, r.stdout, "SessionStart"); !strings.Contains(ctx, strconv.Itoa(len(want))+" unread: from alice") {
				t.Fatalf("SessionStart context %q, want %d unread from alice", ctx, len(want))
			}
			r = boundedRun(t, ipcCmd(home, "bob", "hook"), hookEvent("UserPromptSubmit"))
			ctx := parseHookOutput(t, r.stdout, "UserPromptSubmit")
			for _, w := range want {
				if !strings.Contains(ctx, w) {
					t.Fatalf("UserPromptSubmit context %.500q lacks %q", ctx, w)
				}
			}
			r = boundedRun(t, ipcCmd(home, "bob", "hook"), hookEvent("PostToolUse"))
			if r.code != 0 || r.stdout != "" {
				t.Fatalf("PostToolUse with no mail: exit %d %q", r.code, r.stdout)
			}
			r = boundedRun(t, ipcCmd(home, "bob", "hook", "--wait", "1s"), hookEvent("Stop"))
			if r.code != 0 {
				t.Fatalf("Stop hook with only the entry left: exit %d %s", r.code, r.stderr)
			}
			checkQuarantined(t, home, e)
		})
	}
}

// TestHostileEntriesGCAndServe: ipc gc with each entry in cur/ ends and
// moves it aside; ipc serve started over a FIFO in cur/ (its retention
// pass opened it and hung, so SIGTERM never ended it) ends on SIGTERM.
func TestHostileEntriesGCAndServe(t *testing.T) {
	if noEndToEnd() {
		t.Skip("no binary")
	}
	for _, what := range hostileWhats() {
		if what == "long-name" || what == "garbage-headers" || what == "unreadable" && os.Geteuid() == 0 {
			continue // mail, not for gc to move
		}
		t.Run(what, func(t *testing.T) {
			home, e := hostileHome(t, what, "cur")
			if r := boundedRun(t, ipcCmd(home, "", "gc"), ""); r.code != 0 {
				t.Fatalf("gc: exit %d %s", r.code, r.stderr)
			}
			checkQuarantined(t, home, e)
		})
	}
	home, _ := hostileHome(t, "fifo", "cur")
	srv := startServe(t, home, filepath.Join(shortDir(t), "s.sock"), nil)
	ipctest.WaitFor(t, "the FIFO to be moved aside", func() bool { // its retention pass moved the FIFO aside
		q, _ := os.ReadDir(filepath.Join(home, "quarantine", "bob"))
		return len(q) == 1
	})
	srv.stop()
}
