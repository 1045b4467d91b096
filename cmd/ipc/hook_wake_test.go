package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// hookProc is a hook process running in the background, as Claude Code
// runs the asyncRewake Stop hook.
type hookProc struct {
	cmd            *exec.Cmd
	stdout, stderr *ipctest.Buffer
	done           chan struct{}
	code           int
}

// startHook starts "ipc hook ARGS" with the event's JSON on stdin and env
// added to the test environment.
func startHook(t *testing.T, home, id, event string, env []string, args ...string) *hookProc {
	t.Helper()
	cmd := ipcCmd(home, id, append([]string{"hook"}, args...)...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(hookEvent(event))
	p := &hookProc{cmd: cmd, stdout: &ipctest.Buffer{}, stderr: &ipctest.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

// running reports whether the process has not exited.
func (p *hookProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// exit waits for the process to end (failing the test after a minute) and
// returns its exit status.
func (p *hookProc) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		t.Fatalf("hook %v did not exit; stderr %q", p.cmd.Args, p.stderr)
	}
	return -1
}

// waiterRecord returns the content of hooks/<id>.wake.
func readWaiterRecord(home, id string) string {
	b, _ := os.ReadFile(filepath.Join(home, "hooks", id+".wake"))
	return string(b)
}

// startWaiter starts the Stop hook and returns it once it has recorded
// itself as the newest waiter of id (its pid is in the record).
func startWaiter(t *testing.T, home, id, wait string, env ...string) *hookProc {
	t.Helper()
	p := startHook(t, home, id, "Stop", env, "--wait", wait)
	mine := fmt.Sprintf(" wait %d\n", p.cmd.Process.Pid)
	ipctest.WaitFor(t, "its waiter record", func() bool {
		return strings.HasSuffix(readWaiterRecord(home, id), mine) || !p.running()
	})
	return p
}

// unread is the number of unread messages of id, counted on disk.
func unread(t *testing.T, home, id string) int {
	t.Helper()
	names, err := os.ReadDir(filepath.Join(home, "mail", id, "new"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(names)
}

// TestHookWakesIdleSession: a waiter with nothing unread wakes the
// session when mail lands, with the mail itself, which is then read.
func TestHookWakesIdleSession(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	w := startWaiter(t, home, "alice", "2m")
	mustIPC(t, home, "bob", "", "send", "alice", "new mail")
	if code := w.exit(t); code != 2 {
		t.Fatalf("waiter: exit %d, want 2; stderr %q", code, w.stderr)
	}
	if framedCount(t, "new mail", w.stderr.String()) != 1 || w.stdout.String() != "" {
		t.Fatalf("waiter: stdout %q, stderr %q; want the mail on stderr", w.stdout, w.stderr)
	}
	if strings.Contains(w.stderr.String(), "ipc:") {
		t.Fatalf("wake carries an error prefix: %q", w.stderr)
	}
	if r := checkJSON(t, home, "alice"); len(r.Messages) != 0 {
		t.Fatalf("after the wake, check found %d messages, want 0: the wake delivered them", len(r.Messages))
	}
}

// TestHookWakesForMailThatLandedDuringTheTurn: mail that landed while the
// model wrote its answer (unread when the Stop hook starts) wakes the
// session at once, with that mail; nothing waits for a later arrival.
func TestHookWakesForMailThatLandedDuringTheTurn(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "bob", "", "send", "alice", "early") // injected during the turn
	if out := hookRun(t, home, "alice", hookEvent("UserPromptSubmit")); framedCount(t, "early", parseHookOutput(t, out.stdout, "UserPromptSubmit")) != 1 {
		t.Fatalf("UserPromptSubmit = %q", out.stdout)
	}
	mustIPC(t, home, "bob", "", "send", "alice", "while answering")
	w := startHook(t, home, "alice", "Stop", nil, "--wait", "55m")
	if code := w.exit(t); code != 2 {
		t.Fatalf("Stop hook with mail that landed during the turn: exit %d, want 2; stderr %q", code, w.stderr)
	}
	got := w.stderr.String()
	if framedCount(t, "while answering", got) != 1 || framedCount(t, "early", got) != 0 {
		t.Fatalf("wake stderr %q: want exactly the mail not yet shown", got)
	}
	if n := unread(t, home, "alice"); n != 0 {
		t.Fatalf("%d unread after the wake delivered the mail", n)
	}
}

// TestHookOneWaiterPerIdentity: three turns without mail leave one waiter;
// each older one ends quietly (exit 0, nothing on stdout or stderr) when the
// next starts, and the last one wakes the session.
func TestHookOneWaiterPerIdentity(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	var ws []*hookProc
	for turn := 0; turn < 3; turn++ {
		ws = append(ws, startWaiter(t, home, "alice", "55m"))
		if turn > 0 {
			old := ws[turn-1]
			if code := old.exit(t); code != 0 || old.stderr.String() != "" || old.stdout.String() != "" {
				t.Fatalf("superseded waiter: exit %d, stdout %q, stderr %q; want a quiet exit 0", code, old.stdout, old.stderr)
			}
		}
	}
	last := ws[2]
	if !last.running() {
		t.Fatalf("the newest waiter ended: exit %d, stderr %q", last.code, last.stderr)
	}
	// Another identity's waiter is independent.
	bob := startWaiter(t, home, "bob", "55m")
	mustIPC(t, home, "bob", "", "send", "alice", "for the newest")
	if code := last.exit(t); code != 2 || framedCount(t, "for the newest", last.stderr.String()) != 1 {
		t.Fatalf("newest waiter: exit %d, stderr %q; want 2 with the mail", code, last.stderr)
	}
	if !bob.running() {
		t.Fatalf("bob's waiter ended on alice's mail: exit %d", bob.code)
	}
}

// TestHookWaiterOutlivesTheNextPrompt: the waiter of one turn lives on
// while the next runs (a turn the user interrupts ends without a Stop
// hook), and wakes the session for mail that lands then.
func TestHookWaiterOutlivesTheNextPrompt(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	w := startWaiter(t, home, "alice", "55m")
	if out := hookRun(t, home, "alice", hookEvent("UserPromptSubmit")); out.code != 0 || out.stdout != "" {
		t.Fatalf("UserPromptSubmit: exit %d %q %q", out.code, out.stdout, out.stderr)
	}
	if !w.running() {
		t.Fatalf("the next prompt ended the waiter: exit %d", w.code)
	}
	mustIPC(t, home, "bob", "", "send", "alice", "after an interrupted turn")
	if code := w.exit(t); code != 2 || framedCount(t, "after an interrupted turn", w.stderr.String()) != 1 {
		t.Fatalf("waiter: exit %d, stderr %q; want 2 with the mail", code, w.stderr)
	}
}

// TestHookUnattendedRunEnds: in claude -p (and under the Agent SDK) the
// Stop hook returns at once with status 0 and no output, mail or not, and
// leaves the mail unread, as if it were not configured.
func TestHookUnattendedRunEnds(t *testing.T) {
	for _, env := range []string{"CLAUDE_CODE_SESSION_ATTENDED=0", "CLAUDE_CODE_ENTRYPOINT=sdk-cli", "CLAUDE_CODE_ENTRYPOINT=sdk-ts"} {
		for _, mail := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/mail=%v", env, mail), func(t *testing.T) {
				home := filepath.Join(t.TempDir(), "home")
				mustIPC(t, home, "alice", "", "check")
				if mail {
					mustIPC(t, home, "bob", "", "send", "alice", "waiting")
				}
				p := startHook(t, home, "alice", "Stop", []string{env}, "--wait", "55m")
				if code := p.exit(t); code != 0 || p.stdout.String() != "" || p.stderr.String() != "" {
					t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and nothing", code, p.stdout, p.stderr)
				}
				if want, got := map[bool]int{false: 0, true: 1}[mail], unread(t, home, "alice"); got != want {
					t.Fatalf("%d unread after the run, want %d", got, want)
				}
			})
		}
	}
	// The control: the same hook attended, with mail waiting, wakes.
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "bob", "", "send", "alice", "waiting")
	p := startHook(t, home, "alice", "Stop", []string{"CLAUDE_CODE_ENTRYPOINT=cli", "CLAUDE_CODE_SESSION_ATTENDED=1"}, "--wait", "55m")
	if code := p.exit(t); code != 2 {
		t.Fatalf("attended Stop hook with mail: exit %d, want 2", code)
	}
}

// callCheck matches a notice that tells the model to call the check tool.
var callCheck = regexp.MustCompile(`(?i)call (the )?check`)

// remainingClaim is the "N more unread" a notice states.
var remainingClaim = regexp.MustCompile(`(\d+) more unread`)

// requireTrueNotices checks what the model receives in one request (the
// texts of its hooks, in order) against the mailbox afterwards: each
// message in want appears exactly once, a notice that says to call check
// is backed by unread mail, and a stated number of remaining messages is
// what check then returns.
func requireTrueNotices(t *testing.T, home, id string, texts []string, want []string) {
	t.Helper()
	all := strings.Join(texts, "\n")
	for _, w := range want {
		if n := framedCount(t, w, texts...); n != 1 {
			t.Fatalf("message %q appears %d times in the request, want once:\n%s", w, n, all)
		}
	}
	left := checkJSON(t, home, id)
	if callCheck.MatchString(all) && len(left.Messages) == 0 {
		t.Fatalf("a notice tells the model to call check, which returns nothing:\n%s", all)
	}
	for _, m := range remainingClaim.FindAllStringSubmatch(all, -1) {
		if n, _ := strconv.Atoi(m[1]); n != len(left.Messages) {
			t.Fatalf("a notice says %d more unread; check returns %d", n, len(left.Messages))
		}
	}
}

// TestHookNoticesMatchRequest plays the hook sequences of the requests
// Claude Code makes and checks that every notice is true of what that
// request holds.
func TestHookNoticesMatchRequest(t *testing.T) {
	t.Run("startup: SessionStart then UserPromptSubmit", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "home")
		mustIPC(t, home, "bob", "", "send", "alice", "queued before the session")
		start := parseHookOutput(t, hookRun(t, home, "alice", hookEvent("SessionStart")).stdout, "SessionStart")
		prompt := parseHookOutput(t, hookRun(t, home, "alice", hookEvent("UserPromptSubmit")).stdout, "UserPromptSubmit")
		requireTrueNotices(t, home, "alice", []string{start, prompt}, []string{"queued before the session"})
	})
	t.Run("wake: Stop hook then UserPromptSubmit", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "home")
		w := startWaiter(t, home, "alice", "55m")
		mustIPC(t, home, "bob", "", "send", "alice", "landed while idle")
		if code := w.exit(t); code != 2 {
			t.Fatalf("waiter: exit %d, want 2", code)
		}
		prompt := hookRun(t, home, "alice", hookEvent("UserPromptSubmit"))
		if prompt.stdout != "" {
			t.Fatalf("UserPromptSubmit after the wake injected again: %q", prompt.stdout)
		}
		requireTrueNotices(t, home, "alice", []string{w.stderr.String()}, []string{"landed while idle"})
	})
	t.Run("over the budget: the rest is counted and check returns it", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "home")
		big := strings.Repeat("x", 3000)
		var want []string
		for i := 0; i < 5; i++ {
			want = append(want, fmt.Sprintf("m%d %s", i, big))
			mustIPC(t, home, "bob", "", "send", "alice", want[i])
		}
		start := parseHookOutput(t, hookRun(t, home, "alice", hookEvent("SessionStart")).stdout, "SessionStart")
		prompt := parseHookOutput(t, hookRun(t, home, "alice", hookEvent("UserPromptSubmit")).stdout, "UserPromptSubmit")
		shown := 0
		for _, w := range want {
			if strings.Contains(prompt, w) {
				shown++
			}
		}
		if shown == 0 || shown == len(want) {
			t.Fatalf("UserPromptSubmit showed %d of %d; the test needs a budget that cuts", shown, len(want))
		}
		requireTrueNotices(t, home, "alice", []string{start, prompt}, want[:shown])
	})
}

// TestHookExitCodes: the hook's own errors exit 1 with a message on
// stderr, never 2 (a wake on Stop, a blocked prompt on UserPromptSubmit).
func TestHookExitCodes(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	ev := hookEvent("UserPromptSubmit")
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		stdin string
	}{
		{"flag typo", nil, []string{"hook", "--wiat", "55m"}, ev},
		{"duration without unit", nil, []string{"hook", "--wait", "55"}, ev},
		{"negative wait", nil, []string{"hook", "--wait", "-1m"}, ev},
		{"stray argument", nil, []string{"hook", "Stop"}, ev},
		{"global flag typo", nil, []string{"--ass", "alice", "hook"}, ev},
		{"stdin not JSON", nil, []string{"hook"}, "{not json"},
		{"stdin not JSON, Stop", nil, []string{"hook", "--wait", "1m"}, "Stop"},
		{"bad IPC_POLL_INTERVAL", []string{"IPC_POLL_INTERVAL=fast"}, []string{"hook"}, ev},
		{"bad IPC_SYNC", []string{"IPC_SYNC=sometimes"}, []string{"hook"}, ev},
		{"invalid IPC_ID", []string{"IPC_ID=not a name!"}, []string{"hook"}, ev},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := ipcCmd(home, "alice", tc.args...)
			cmd.Env = append(cmd.Env, tc.env...)
			cmd.Stdin = strings.NewReader(tc.stdin)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != 1 || out.Len() != 0 || !strings.HasPrefix(errb.String(), "ipc: ") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 1, nothing, and the error", code, out.String(), errb.String())
			}
		})
	}
	// Help is not an error.
	if out := ipc(t, home, "alice", "", "hook", "--help"); out.code != 0 || !strings.Contains(out.stdout, "Usage: ipc hook") {
		t.Fatalf("hook --help: exit %d %q", out.code, out.stdout)
	}
}

// TestDoctorReportsWakePath: ipc doctor names the wake path, the session's
// inbox socket it does not use, a run nobody attends, and the identity's
// waiter.
func TestDoctorReportsWakePath(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	w := startWaiter(t, home, "alice", "55m")
	cmd := ipcCmd(home, "alice", "doctor")
	cmd.Env = append(cmd.Env, "CLAUDE_CODE_MESSAGING_SOCKET=/tmp/cc-socks/1.sock", "CLAUDE_CODE_SESSION_ATTENDED=0")
	out, _ := cmd.Output()
	for _, want := range []string{
		"     wake path for an idle Claude Code session: the Stop hook",
		"inbox socket is at /tmp/cc-socks/1.sock; ipc does not post to it",
		"nobody attends (CLAUDE_CODE_SESSION_ATTENDED=0)",
		fmt.Sprintf("the newest Stop hook waiting for alice's mail is pid %d", w.cmd.Process.Pid),
	} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("doctor output lacks %q:\n%s", want, out)
		}
	}
}
