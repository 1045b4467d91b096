//go:build !windows

package sharecmd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

var ctx = context.Background()

func needSh(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs a POSIX sh")
	}
}

func open(t *testing.T, opts maildir.Options) *maildir.Store {
	t.Helper()
	opts.Sync = maildir.SyncNone
	ipctest.Poll(os.Getenv).Apply(&opts.Poll, &opts.PollInterval)
	return ipctest.Open(t, maildir.Open, t.TempDir(), opts)
}

func login(t *testing.T, st *maildir.Store, id string) *maildir.Session {
	t.Helper()
	s, err := st.Login(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func wantKind(t *testing.T, err error, k maildir.Kind) {
	t.Helper()
	if got := maildir.KindOf(err); got != k {
		t.Fatalf("err = %v, want kind %s", err, k)
	}
}

// TestShareCommandRunsAfterChecks: a share its sender may not make never
// runs the command: the marker file it would create is never created.
func TestShareCommandRunsAfterChecks(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "marker")
	touch := "touch " + marker
	st := open(t, maildir.Options{RateBurst: 1, RatePerSecond: 0.001, MaxContent: 4096})
	alice, bob := login(t, st, "alice"), login(t, st, "bob")
	if _, err := alice.Send(ctx, "bob", "uses the only token", nil); err != nil {
		t.Fatal(err)
	}
	_, err := alice.ShareCommand(ctx, "bob", touch, "", Runner(os.Environ()))
	wantKind(t, err, maildir.RateLimited)

	carol := login(t, st, "carol")
	_, err = carol.ShareCommand(ctx, maildir.SystemID, touch, "", Runner(os.Environ()))
	wantKind(t, err, maildir.InvalidID)
	_, err = carol.ShareCommand(ctx, "../bob", touch, "", Runner(os.Environ()))
	wantKind(t, err, maildir.InvalidID)
	_, err = carol.ShareCommand(ctx, "bob", touch, strings.Repeat("d", 5000), Runner(os.Environ()))
	wantKind(t, err, maildir.TooLarge)
	carol.Close()
	_, err = carol.ShareCommand(ctx, "bob", touch, "", Runner(os.Environ()))
	wantKind(t, err, maildir.SessionClosed)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a refused share_command ran its command")
	}

	// The same command, allowed, runs and creates the marker.
	if _, err := bob.ShareCommand(ctx, "alice", touch, "", Runner(os.Environ())); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the allowed share did not run: %v", err)
	}
}

// TestShareCommandEnvironment: the product's secrets and tokens never reach
// the command, so neither the message nor any file of the mailbox holds
// them; the rest of the environment does.
func TestShareCommandEnvironment(t *testing.T) {
	const secret, token = "s3cret-value-41", "t0ken-value-97"
	t.Setenv("IPC_SHARED_SECRET", secret)
	t.Setenv("IPC_SESSION_TOKEN", token)
	t.Setenv("IPC_AUTH_TOKEN", token)
	t.Setenv("IPC_SHARE_TEST_KEEP", "kept-value-13")
	st := open(t, maildir.Options{})
	alice, bob := login(t, st, "alice"), login(t, st, "bob")
	for _, cmd := range []string{"env", "printenv IPC_SHARED_SECRET", "printenv IPC_SESSION_TOKEN"} {
		if _, err := alice.ShareCommand(ctx, "bob", cmd, "", Runner(os.Environ())); err != nil {
			t.Fatalf("ShareCommand(%q): %v", cmd, err)
		}
	}
	res, err := bob.Check(ctx, maildir.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Messages) != 3 || !strings.Contains(res.Messages[0].Content, "IPC_SHARE_TEST_KEEP=kept-value-13") {
		t.Fatalf("env output lacks the ordinary variables: %+v", res.Messages)
	}
	for _, m := range res.Messages {
		if strings.Contains(m.Content, secret) || strings.Contains(m.Content, token) {
			t.Errorf("a secret reached the message: %q", m.Content)
		}
	}
	files := 0
	err = filepath.Walk(st.Root(), func(path string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && (strings.Contains(string(b), secret) || strings.Contains(string(b), token)) {
			t.Errorf("%s holds a secret", path)
		}
		files++
		return err
	})
	if err != nil || files < 3 {
		t.Fatalf("walked %d files of the mailbox: %v", files, err)
	}
}

// TestShareCommandEndsItsGroup: a child the command leaves behind is dead
// when ShareCommand returns, whether the command exited or was cancelled.
func TestShareCommandEndsItsGroup(t *testing.T) {
	needSh(t)
	st := open(t, maildir.Options{})
	alice := login(t, st, "alice")
	login(t, st, "bob")
	dir := t.TempDir()

	exited := filepath.Join(dir, "exited")
	res, err := alice.ShareCommand(ctx, "bob", fmt.Sprintf(`sh -c "sleep 25 & echo $! >%s; echo started"`, exited), "", Runner(os.Environ()))
	if err != nil || res.ExitCode != 0 || res.Stdout != "started\n" || res.TimedOut {
		t.Fatalf("ShareCommand = %+v, %v", res, err)
	}
	waitGone(t, readPid(t, exited))

	killed := filepath.Join(dir, "killed")
	short, cancel := cancelWhenWritten(killed)
	defer cancel()
	res, err = alice.ShareCommand(short, "bob", fmt.Sprintf(`sh -c "sleep 25 & echo $! >%s; exec sleep 25"`, killed), "", Runner(os.Environ()))
	if err != nil || res.ExitCode != -1 || res.TimedOut {
		t.Fatalf("cancelled ShareCommand = %+v, %v", res, err)
	}
	waitGone(t, readPid(t, killed))
}

// TestRunTimeoutEndsItsGroup: a command that outlives its time limit is
// killed with its child and reported as timed out. The limit is short and
// doubles until the command got as far as starting its child.
func TestRunTimeoutEndsItsGroup(t *testing.T) {
	needSh(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	args := []string{"sh", "-c", "sleep 25 & echo $! >" + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile + "; echo started; exec sleep 25"}
	for limit := 200 * time.Millisecond; ; limit *= 2 {
		res, err := run(ctx, args, Environ(os.Environ()), limit)
		if err != nil {
			t.Fatal(err)
		}
		if !res.TimedOut || res.ExitCode != -1 {
			t.Fatalf("run past its limit = %+v", res)
		}
		if _, err := os.Stat(pidFile); err != nil {
			if limit > 20*time.Second {
				t.Fatalf("the command never started its child")
			}
			continue
		}
		if res.Stdout != "started\n" {
			t.Fatalf("stdout = %q, want the output before the kill", res.Stdout)
		}
		waitGone(t, readPid(t, pidFile))
		return
	}
}

// TestRunOutput: exit code and streams are reported, no shell interprets
// the words, output is bounded and made UTF-8, and a program that cannot
// start is an error.
func TestRunOutput(t *testing.T) {
	needSh(t)
	res, err := Runner(os.Environ())(ctx, []string{"sh", "-c", "echo out; echo err >&2; exit 3"})
	if err != nil || res.ExitCode != 3 || res.Stdout != "out\n" || res.Stderr != "err\n" || res.TimedOut || res.Truncated {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	res, err = Runner(os.Environ())(ctx, []string{"echo", "a", "|", "wc", "-c"})
	if err != nil || res.Stdout != "a | wc -c\n" {
		t.Fatalf("Run(echo a | wc -c) = %+v, %v", res, err)
	}
	res, err = Runner(os.Environ())(ctx, []string{"sh", "-c", `head -c 200000 /dev/zero | tr '\0' x; printf 'ok \377\377 ok' >&2`})
	if err != nil || !res.Truncated || len(res.Stdout) != maildir.MaxCommandOutput || res.Stderr != "ok \uFFFD ok" {
		t.Fatalf("chatty command: truncated %v, %d and %d bytes, %v", res.Truncated, len(res.Stdout), len(res.Stderr), err)
	}
	if _, err := Runner(os.Environ())(ctx, []string{"no-such-program-ipc-test"}); err == nil {
		t.Fatal("Run of a missing program: no error")
	}
}

// TestRunGivesUpOutputOfEscapedChild: a child that leaves the group (setsid)
// and keeps the output open does not hold the run: what was written is
// returned once the output is given up.
func TestRunGivesUpOutputOfEscapedChild(t *testing.T) {
	needSh(t)
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("needs setsid")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	// The escaped child writes its pid once it has left the group; the
	// command waits for that before it ends.
	escape := fmt.Sprintf(`setsid sh -c 'echo $$ >%[1]s.tmp; mv %[1]s.tmp %[1]s; exec sleep 25' & until [ -s %[1]s ]; do sleep 0.01; done; echo started`, pidFile)
	start := time.Now()
	res, err := Runner(os.Environ())(ctx, []string{"sh", "-c", escape})
	took := time.Since(start)
	if pid, err := os.ReadFile(pidFile); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil {
			defer syscall.Kill(n, syscall.SIGKILL)
		}
	}
	if err != nil || res.ExitCode != 0 || res.Stdout != "started\n" {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if processGone(readPid(t, pidFile)) {
		t.Fatal("the escaped child is gone: the test did not test an escape")
	}
	t.Logf("figures: %s: output of an escaped child given up after %v (drainDelay %v)", t.Name(), took.Round(time.Millisecond), drainDelay)
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitGone waits until process pid has ended, and fails the test if it
// still runs after a deadline far shorter than the 25 s the test's
// processes would live.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still runs after the command ended", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// processGone reports whether pid has ended: kill(pid, 0) finds no such
// process, or (on Linux) it is a zombie that only waits for its reaper.
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	if runtime.GOOS != "linux" {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 {
		f := strings.Fields(string(b[i+1:]))
		return len(f) > 0 && f[0] == "Z"
	}
	return false
}

// cancelWhenWritten returns a context cancelled once the command has
// written a line to path (its child runs by then), so that a loaded
// machine cannot cancel it before it gets that far.
func cancelWhenWritten(path string) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	go func() {
		for c.Err() == nil {
			if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return c, cancel
}
