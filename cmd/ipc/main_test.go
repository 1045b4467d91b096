package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// ipcBin is the binary built once for the end-to-end tests.
var ipcBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if noEndToEnd() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "ipc-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ipcBin = filepath.Join(dir, "ipc")
	if runtime.GOOS == "windows" {
		ipcBin += ".exe"
	}
	build := []string{"build", "-o", ipcBin}
	if raceBuild {
		build = append(build, "-race")
	}
	out, err := exec.Command("go", append(build, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build ipc: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// noEndToEnd reports a test process that runs no end-to-end test, so needs
// no binary: a fuzz worker, or one that only lists the tests.
func noEndToEnd() bool {
	for _, name := range []string{"test.fuzzworker", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// ipcCmd prepares the built binary with a clean environment for home.
func ipcCmd(home, as string, args ...string) *exec.Cmd {
	cmd := exec.Command(ipcBin, args...)
	env := []string{"IPC_HOME=" + home, "IPC_AUTOSTART=0", "IPC_CHANNEL=0", "HOME=" + home, "PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}
	if as != "" {
		env = append(env, "IPC_ID="+as)
	}
	cmd.Env = append(env, ipctest.Poll(os.Getenv).Env()...)
	return cmd
}

type result struct {
	stdout, stderr string
	code           int
}

func ipc(t *testing.T, home, as, stdin string, args ...string) result {
	t.Helper()
	return runCmd(t, ipcCmd(home, as, args...), stdin)
}

// runCmd runs a prepared ipc command with stdin and returns its output and
// exit status; a command that cannot run at all fails the test.
func runCmd(t *testing.T, cmd *exec.Cmd, stdin string) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return result{out.String(), errb.String(), code}
}

func mustIPC(t *testing.T, home, as, stdin string, args ...string) string {
	t.Helper()
	r := ipc(t, home, as, stdin, args...)
	if r.code != 0 {
		t.Fatalf("ipc %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

type cliCheckReply struct {
	Status   string `json:"status"`
	Messages []struct {
		ID        string `json:"id"`
		From      string `json:"from"`
		To        string `json:"to"`
		Timestamp string `json:"timestamp"`
		Message   struct {
			Content string          `json:"content"`
			Data    json.RawMessage `json:"data"`
		} `json:"message"`
	} `json:"messages"`
	Remaining int `json:"remaining"`
}

func checkJSON(t *testing.T, home, as string) cliCheckReply {
	t.Helper()
	var r cliCheckReply
	out := mustIPC(t, home, as, "", "check", "--json")
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("check --json output %q: %v", out, err)
	}
	return r
}

func TestSendThenCheckExactlyOnce(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	if out := mustIPC(t, d, "alice", "", "send", "bob", "hello"); !strings.Contains(out, "Message queued for bob (not yet registered)") {
		t.Fatalf("send output %q", out)
	}
	r := checkJSON(t, d, "bob")
	if r.Status != "ok" || len(r.Messages) != 1 {
		t.Fatalf("check = %+v", r)
	}
	m := r.Messages[0]
	if m.From != "alice" || m.To != "bob" || m.Message.Content != "hello" || m.Timestamp == "" {
		t.Fatalf("message = %+v", m)
	}
	if again := checkJSON(t, d, "bob"); len(again.Messages) != 0 {
		t.Fatalf("second check = %+v", again)
	}
	// Read again by id, and in history.
	if out := mustIPC(t, d, "bob", "", "read", m.ID); !strings.Contains(out, "Content: hello") {
		t.Fatalf("read output %q", out)
	}
	if out := mustIPC(t, d, "bob", "", "history"); !strings.Contains(out, "Content: hello") {
		t.Fatalf("history output %q", out)
	}
}

func TestLooseSendForms(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "check") // register bob
	mustIPC(t, d, "alice", "", "send", "bob:", "need", "help", "with", "auth")
	mustIPC(t, d, "alice", "", "send", "bob:quick", "one")
	mustIPC(t, d, "alice", "", "send", "bob", "no", "colon")
	mustIPC(t, d, "alice", "line one\nline two\n", "send", "bob", "-")
	mustIPC(t, d, "alice", "", "send", "--data", `{"pr": 42}`, "bob", "with", "data")
	mustIPC(t, d, "", "", "--as", "alice", "send", "bob", "flag identity")
	r := checkJSON(t, d, "bob")
	want := []string{"need help with auth", "quick one", "no colon", "line one\nline two\n", "with data", "flag identity"}
	if len(r.Messages) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(r.Messages), len(want), r)
	}
	for i, w := range want {
		if got := r.Messages[i].Message.Content; got != w {
			t.Errorf("message %d = %q, want %q", i, got, w)
		}
	}
	if string(r.Messages[4].Message.Data) != `{"pr":42}` {
		t.Errorf("data = %s", r.Messages[4].Message.Data)
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	cases := []struct {
		as     string
		args   []string
		code   int
		stderr string
	}{
		{"alice", []string{"send", "../etc", "x"}, 1, "ipc: invalid_id: invalid recipient id"},
		{"alice", []string{"send", "bob"}, 2, "ipc: usage: send: missing message"},
		{"", []string{"send", "bob", "x"}, 2, "ipc: usage: who are you?"},
		{"bad id!", []string{"check"}, 1, "ipc: invalid_id:"},
		{"alice", []string{"send", "--data", "[1", "bob", "x"}, 1, "ipc: bad_request: data must be JSON"},
		{"alice", []string{"frobnicate"}, 2, "ipc: usage: unknown command"},
		{"alice", []string{"check", "--wait", "-1s"}, 2, "ipc: usage:"},
		{"alice", []string{"read", "nope"}, 1, "ipc: not_found:"},
		{"alice", []string{}, 2, ""},
		{"alice", []string{"check", "--bogus"}, 2, "ipc: usage: check: flag provided but not defined: -bogus (run ipc check --help)"},
		{"alice", []string{"bench"}, 2, `ipc: usage: unknown command "bench"`},
		{"alice", []string{"help", "frobnicate"}, 2, "ipc: usage: unknown command"},
	}
	for _, c := range cases {
		r := ipc(t, d, c.as, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("ipc %v: exit %d stderr %q; want exit %d stderr containing %q", c.args, r.code, r.stderr, c.code, c.stderr)
		}
	}
}

func TestCheckWaitReturnsWhenMailLands(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "check")
	cmd := ipcCmd(d, "bob", "check", "--wait", "60s", "--json")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	// The waiting check holds bob's presence: wait for it before sending.
	ipctest.WaitFor(t, "bob online", func() bool { return strings.Contains(mustIPC(t, d, "", "", "list"), "online") })
	mustIPC(t, d, "alice", "", "send", "bob", "wake up")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("check --wait did not return after mail landed")
	}
	if !strings.Contains(out.String(), `"content":"wake up"`) {
		t.Fatalf("check --wait output %q", out.String())
	}
}

func TestWatchStreamsUntilInterrupted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGINT")
	}
	d := filepath.Join(t.TempDir(), "home")
	cmd := ipcCmd(d, "bob", "watch", "--json")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // on failure too: never leave a watcher behind
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	ipctest.WaitFor(t, "bob online", func() bool { return strings.Contains(mustIPC(t, d, "", "", "list"), "online") })
	for i := 0; i < 3; i++ {
		mustIPC(t, d, "alice", "", "send", "bob", fmt.Sprintf("stream %d", i))
		select {
		case l := <-lines:
			if !strings.Contains(l, fmt.Sprintf(`"content":"stream %d"`, i)) || !strings.Contains(l, `"time":"`) {
				t.Fatalf("watch line %q", l)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("watch printed nothing")
		}
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("watch after interrupt: %v", err)
	}
}

func TestListRenameGCDoctorDemo(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "alice", "", "send", "bob", "hi")
	mustIPC(t, d, "bob", "", "check")
	if out := mustIPC(t, d, "bob", "", "rename", "robert"); !strings.Contains(out, "Renamed bob to robert") {
		t.Fatalf("rename output %q", out)
	}
	if out := mustIPC(t, d, "alice", "", "send", "bob", "again"); !strings.Contains(out, "Message forwarded from bob to robert") {
		t.Fatalf("send after rename %q", out)
	}
	var list struct {
		Status    string `json:"status"`
		Instances []struct {
			ID       string `json:"id"`
			LastSeen string `json:"last_seen"`
			Online   bool   `json:"online"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(mustIPC(t, d, "", "", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Instances) != 2 || list.Instances[0].ID != "alice" || list.Instances[1].ID != "robert" || list.Instances[0].Online {
		t.Fatalf("list = %+v", list)
	}
	if out := mustIPC(t, d, "", "", "gc"); !strings.Contains(out, "removed:") {
		t.Fatalf("gc output %q", out)
	}
	if out := mustIPC(t, d, "", "", "doctor"); !strings.Contains(out, "filesystem:") {
		t.Fatalf("doctor output %q", out)
	}
	if out := mustIPC(t, d, "", "", "demo"); !strings.Contains(out, "Message forwarded from bob to robert") || !strings.Contains(out, "X-IPC-Time:") {
		t.Fatalf("demo output %q", out)
	}
}

// bg is the context of calls a test makes directly.
func bg() context.Context { return context.Background() }
