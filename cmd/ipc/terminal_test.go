package main

import (
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVisible: what a terminal would obey is shown; the rest is left as
// it is.
func TestVisible(t *testing.T) {
	cases := map[string]string{
		"plain text, ünïcödé ✓\n\tindented": "plain text, ünïcödé ✓\n\tindented",
		"\x1b]0;pwned\x07title":             "^[]0;pwned^Gtitle",
		"\x1b[2J\x1b[Hclear":                "^[[2J^[[Hclear",
		"over\rwrite":                       "over^Mwrite",
		"del\x7f and nul\x00":               "del^? and nul^@",
		"c1 \u009b31m csi":                  `c1 \u009b31m csi`,
		"bidi \u202eevil\u202c and \u2066":  `bidi \u202eevil\u202c and \u2066`,
		"bad \xff\xfe bytes":                `bad \xff\xfe bytes`,
		"a real \ufffd stays":               "a real \ufffd stays",
	}
	for in, want := range cases {
		if got := visible(in); got != want {
			t.Errorf("visible(%q) = %q, want %q", in, got, want)
		}
	}
	// A character split across writes is shown whole.
	var b strings.Builder
	w := &visibleWriter{w: &b}
	for _, p := range [][]byte{[]byte("caf\xc3"), []byte("\xa9 \xe2\x80"), []byte("\xae!\n")} {
		w.Write(p)
	}
	if got, want := b.String(), `café \u202e!`+"\n"; got != want {
		t.Errorf("split writes = %q, want %q", got, want)
	}
}

// ptyDriver runs a command with stdin and stdout on a pseudo-terminal
// and stderr on a pipe, types its input, and prints what came out as
// JSON {"out": base64, "err": text, "code": n}. The terminal is in its
// default mode: Ctrl-D at the start of a line ends input. With
// PTY_INTERRUPT_AT=N it interrupts the command (SIGINT) once stdout holds
// N rules of dashes: for ipc watch, which runs until interrupted.
const ptyDriver = `
import base64, json, os, pty, signal, subprocess, sys
stop_at = int(os.environ.get("PTY_INTERRUPT_AT", "0"))
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=slave, stdout=slave, stderr=subprocess.PIPE)
os.close(slave)
if sys.argv[1]:
    os.write(master, sys.argv[1].encode())
out = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if stop_at and out.count(b"-" * 50) >= stop_at:
        p.send_signal(signal.SIGINT)
        stop_at = 0
err = p.stderr.read().decode()
code = p.wait()
print(json.dumps({"out": base64.b64encode(out).decode(), "err": err, "code": code}))
`

// onTerminal runs ipc as as with stdin and stdout on a pseudo-terminal,
// typing input, and returns its stdout (line ends as written, without the
// terminal's \r) and stderr. env is added to the command's environment.
func onTerminal(t *testing.T, home, as, input string, env []string, args ...string) result {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3 for a pseudo-terminal")
	}
	cmd := ipcCmd(home, as, args...)
	cmd.Args = append([]string{py, "-c", ptyDriver, input, ipcBin}, args...)
	cmd.Path = py
	cmd.Env = append(cmd.Env, env...)
	return ptyResult(t, cmd, args)
}

// ptyResult runs a pseudo-terminal driver (a python3 command that runs ipc
// args on a terminal and prints {"out" (base64), "err", "code"}) and
// returns what ipc wrote to the terminal (its \r\n as \n), its stderr and
// its exit code.
func ptyResult(t *testing.T, cmd *exec.Cmd, args []string) result {
	t.Helper()
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("pty driver for ipc %v: %v", args, err)
	}
	var r struct {
		Out  string `json:"out"`
		Err  string `json:"err"`
		Code int    `json:"code"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("pty driver output %q: %v", raw, err)
	}
	out, _ := base64.StdEncoding.DecodeString(r.Out)
	return result{strings.ReplaceAll(string(out), "\r\n", "\n"), r.Err, r.Code}
}

// TestPeerTextOnATerminal: mail whose content, data or sender holds escape
// sequences is shown on a terminal with them visible, by every command
// that prints messages; --json stays exact JSON, and a pipe gets the
// bytes as they are.
func TestPeerTextOnATerminal(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	const hostile = "title\x1b]0;pwned\x07 clear\x1b[2J\x1b[H c1\u009b31m bidi\u202eevil\u202c over\rwrite"
	const shown = `title^[]0;pwned^G clear^[[2J^[[H c1\u009b31m bidi\u202eevil\u202c over^Mwrite`
	data := `{"note":"\u001b[5m blink \u009b"}`
	mustIPC(t, home, "bob", "", "check")
	var sent struct {
		ID string `json:"id"`
	}
	for i := 0; i < 3; i++ {
		out := mustIPC(t, home, "mallory", "", "send", "--json", "--data", data, "bob", hostile)
		if err := json.Unmarshal([]byte(out), &sent); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		args []string
		json bool
		env  []string
	}{
		{"check", []string{"check", "--max", "1"}, false, nil},
		{"check --json", []string{"check", "--max", "1", "--json"}, true, nil},
		{"watch", []string{"watch"}, false, []string{"PTY_INTERRUPT_AT=2"}}, // the third message, then SIGINT
		{"history", []string{"history"}, false, nil},
		{"read", []string{"read", sent.ID}, false, nil},
		{"read --json", []string{"read", sent.ID, "--json"}, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := onTerminal(t, home, "bob", "", c.env, c.args...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
			}
			if c.json {
				var v map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
					t.Fatalf("--json on a terminal is not JSON: %q: %v", r.stdout, err)
				}
				if !strings.Contains(r.stdout, "\u009b31m") || strings.Contains(r.stdout, `\u009b31m`) {
					t.Fatalf("--json on a terminal was changed: %q", r.stdout)
				}
				return
			}
			for _, bad := range []string{"\x1b", "\x07", "\r", "\u009b", "\u202e"} {
				if strings.Contains(r.stdout, bad) {
					t.Errorf("stdout holds %q raw:\n%q", bad, r.stdout)
				}
			}
			if !strings.Contains(r.stdout, "Content: "+shown) || !strings.Contains(r.stdout, `Data: {"note":"\u001b[5m blink \u009b"}`) {
				t.Errorf("stdout shows the message as\n%q\nwant content %q and the data with its escapes visible", r.stdout, shown)
			}
		})
	}
	// Through a pipe the bytes are as they are.
	if out := mustIPC(t, home, "bob", "", "history"); !strings.Contains(out, hostile) {
		t.Errorf("history through a pipe = %q, want the content exactly", out)
	}
}

// TestSendFromStdinOnATerminal: ipc send bob - says on stderr that it
// reads the terminal, and ends at Ctrl-D; through a pipe it says nothing.
func TestSendFromStdinOnATerminal(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "bob", "", "check")
	r := onTerminal(t, home, "alice", "typed at the terminal\n\x04", nil, "send", "bob", "-")
	if r.code != 0 || !strings.Contains(r.stderr, "ipc: reading the message from stdin; end with Ctrl-D\n") {
		t.Fatalf("send - on a terminal: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	if got := checkJSON(t, home, "bob"); len(got.Messages) != 1 || got.Messages[0].Message.Content != "typed at the terminal\n" {
		t.Fatalf("bob's check = %+v, want the typed line", got)
	}
	if p := ipc(t, home, "alice", "piped\n", "send", "bob", "-"); p.code != 0 || strings.Contains(p.stderr, "reading") {
		t.Fatalf("send - through a pipe: exit %d stderr %q", p.code, p.stderr)
	}
}
