package socket

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// pyEnv runs the Python clients in tools/ as one user of the mailbox: its
// own HOME (so its own ~/.ipc-session).
type pyEnv struct {
	t    *testing.T
	home string
	env  []string
}

func newPyEnv(t *testing.T, extra ...string) *pyEnv {
	home := t.TempDir()
	env := []string{"HOME=" + home, "USERPROFILE=" + home, "PATH=" + os.Getenv("PATH"), "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8"}
	return &pyEnv{t: t, home: home, env: append(env, extra...)}
}

// run runs tools/<script> with args and returns its output and exit code.
func (p *pyEnv) run(script string, args ...string) (string, int) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", append([]string{filepath.Join("..", "tools", script)}, args...)...)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatalf("%s: %v", script, err)
	}
	return string(out), code
}

// want runs a script and checks its exact output and exit code.
func (p *pyEnv) want(wantOut string, wantCode int, script string, args ...string) {
	p.t.Helper()
	out, code := p.run(script, args...)
	if out != wantOut || code != wantCode {
		p.t.Fatalf("%s %q:\n%s(exit %d)\nwant:\n%s(exit %d)", script, args, out, code, wantOut, wantCode)
	}
}

func needPython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found")
	}
}

// TestPythonTools drives the Python clients against a real server, found
// through IPC_PORT for one user and through server.json for the other.
func TestPythonTools(t *testing.T) {
	needPython(t)
	root := t.TempDir()
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan RunState, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, st, testConfig(t), 0, func(_ *Server, rs RunState) { ready <- rs })
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var rs RunState
	select {
	case rs = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	alice := newPyEnv(t, fmt.Sprintf("IPC_PORT=%d", rs.Port), "IPC_HOST=127.0.0.1", "IPC_HOME="+root)
	bob := newPyEnv(t, "IPC_HOME="+root) // finds the port in server.json
	stranger := newPyEnv(t, "IPC_HOME="+root)

	stranger.want("Error: Not registered. Run ipc_register.py first.\n", 1, "ipc_send.py", "bob", "hi")
	stranger.want("Usage: ipc_register.py <instance_id>\n", 1, "ipc_register.py")
	stranger.want("Usage: ipc_send.py <to_instance_id> <message>\nExample: ipc_send.py barney \"Hello from Fred!\"\n", 1, "ipc_send.py", "bob")

	alice.want("Registered as alice\nRegistered alice\n", 0, "ipc_register.py", "alice")
	if fi, err := os.Stat(filepath.Join(alice.home, ".ipc-session")); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v %v", fi, err)
	}
	alice.want("Sent to bob: hello bob\nMessage queued for bob (not yet registered)\n", 0, "ipc_send.py", "bob", "hello", "bob")
	bob.want("Registered as bob\nRegistered bob with 1 queued messages\n", 0, "ipc_register.py", "bob")
	alice.want("Sent to bob: second\n", 0, "ipc_send.py", "bob", "second")

	out, code := bob.run("ipc_check.py")
	sep := strings.Repeat("-", 50)
	wantRe := fmt.Sprintf("New messages:\n%s\nFrom: alice\nTime: T\nContent: hello bob\n%s\nFrom: alice\nTime: T\nContent: second\n%s\n", sep, sep, sep)
	if code != 0 || maskTimes(out) != wantRe {
		t.Fatalf("ipc_check.py:\n%s(exit %d)", out, code)
	}
	bob.want("No new messages\n", 0, "ipc_check.py")

	out, code = alice.run("ipc_list.py")
	if code != 0 || !strings.HasPrefix(out, "Active IPC instances:\n"+sep+"\nID: alice\nLast seen: ") || !strings.Contains(out, "ID: bob\n") {
		t.Fatalf("ipc_list.py:\n%s(exit %d)", out, code)
	}

	bob.want("✅ Renamed from bob to bob2\n\nYour old name 'bob' will forward to 'bob2' for 2 hours.\n", 0, "ipc_rename.py", "bob2")
	alice.want("Sent to bob: after rename\nMessage forwarded from bob to bob2\n", 0, "ipc_send.py", "bob", "after", "rename")
	out, code = bob.run("ipc_check.py")
	if code != 0 || !strings.Contains(out, "Content: after rename\n") {
		t.Fatalf("ipc_check.py after rename:\n%s", out)
	}
	out, code = alice.run("ipc_check.py")
	if code != 0 || !strings.Contains(out, "From: system\n") || !strings.Contains(out, "Content: 📝 bob renamed to bob2\n") {
		t.Fatalf("rename notice:\n%s", out)
	}

	// Server errors exit non-zero, with the reply printed.
	out, code = alice.run("ipc_send.py", "bad/id", "x")
	if code != 1 || !strings.Contains(out, `"message": "Invalid recipient ID format"`) || !strings.Contains(out, `"error_code": "invalid_id"`) {
		t.Fatalf("send to a bad id:\n%s(exit %d)", out, code)
	}
	out, code = alice.run("ipc_rename.py", "bob2")
	if code != 1 || !strings.Contains(out, "Instance bob2 already exists") {
		t.Fatalf("rename onto a taken name:\n%s(exit %d)", out, code)
	}
	os.WriteFile(filepath.Join(stranger.home, ".ipc-session"), []byte(`{"instance_id": "x", "session_token": "forged"}`), 0o600)
	out, code = stranger.run("ipc_check.py")
	if code != 1 || !strings.HasPrefix(out, "Error: {") || !strings.Contains(out, "Invalid or missing session token") {
		t.Fatalf("check with a bad token:\n%s(exit %d)", out, code)
	}

	// A large inbox drains across bounded replies, nothing lost: a client
	// that knows no mailbox speaks protocol 1, whose replies are bounded
	// for the original's clients.
	bobLegacy := newPyEnv(t, fmt.Sprintf("IPC_PORT=%d", rs.Port), "IPC_SESSION_FILE="+filepath.Join(bob.home, ".ipc-session"))
	big := strings.Repeat("z", 3800)
	for i := 0; i < 20; i++ {
		if _, code := alice.run("ipc_send.py", "bob2", big); code != 0 {
			t.Fatal("send big")
		}
	}
	total, rounds := 0, 0
	for {
		out, code := bobLegacy.run("ipc_check.py")
		if code != 0 {
			t.Fatalf("ipc_check.py:\n%s", out)
		}
		rounds++
		n := strings.Count(out, "From: alice")
		total += n
		if n == 0 {
			break
		}
		if total < 20 && !strings.Contains(out, "more message(s) waiting: run ipc_check.py again") {
			t.Fatalf("partial check does not say more are waiting:\n%.300s", out)
		}
	}
	if total != 20 || rounds < 3 {
		t.Fatalf("drained %d messages in %d checks", total, rounds)
	}
}

// maskTimes replaces the value of every "Time: " line with T.
func maskTimes(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Time: ") {
			lines[i] = "Time: T"
		}
	}
	return strings.Join(lines, "\n")
}

// TestPythonWatch: ipc_watch.py prints mail as it lands, and keeps going
// when the server restarts.
func TestPythonWatch(t *testing.T) {
	needPython(t)
	root := t.TempDir()
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone})
	cfg := testConfig(t)
	srv, err := listen(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.TCP = tcpAddr(srv) // the restarted server takes the same port
	w := newPyEnv(t, fmt.Sprintf("IPC_PORT=%d", srv.Addr().Port))
	w.want("Registered as watcher\nRegistered watcher\n", 0, "ipc_register.py", "watcher")
	tok := register(t, srv, "poster")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", filepath.Join("..", "tools", "ipc_watch.py"), "--json")
	cmd.Env = w.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	errLines := bufio.NewScanner(stderr)
	waitLine := func(prefix string) {
		t.Helper()
		for errLines.Scan() {
			if strings.HasPrefix(errLines.Text(), prefix) {
				return
			}
		}
		t.Fatalf("ipc_watch.py never said %q", prefix)
	}
	waitLine("Watching mail for watcher")
	lines := bufio.NewScanner(stdout)
	send := func(srv *Server, content string) {
		t.Helper()
		wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "watcher", "message": map[string]any{"content": content}, "session_token": tok}))
	}
	expect := func(content string) {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("ipc_watch.py ended")
		}
		if !strings.Contains(lines.Text(), `"content": "`+content+`"`) {
			t.Fatalf("ipc_watch.py printed %s, want %q", lines.Text(), content)
		}
	}
	send(srv, "one")
	expect("one")

	srv.Shutdown(ctx)
	waitLine("Server: ")
	srv2 := mustServe(t, st, cfg)
	go func() {
		// Drain stderr so the retry messages never block the watcher.
		for errLines.Scan() {
		}
	}()
	send(srv2, "two")
	expect("two")
}
